"""Report HTML (a Jinja environment of its own over templates/report/) -> PDF, with a file cache.

The HTML is self-contained (charts and photos as data: URIs), so turning it into a PDF needs
neither the database nor the uploads: a background worker can take over html_to_pdf() as is.
The stylesheet is parsed once per process; fonts come from fontconfig by family name
(DejaVu Sans: Polish and Cyrillic in one compact family).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from PIL import Image, UnidentifiedImageError
from sqlite_utils import Database

from audit.storage import locations
from reports import actions, aggregate, charts, figures, text
from reports.aggregate import Period
from reports.i18n import catalogue_stamp, translations
from reports.score_tone import score_tone

TEMPLATES = locations.TEMPLATES / "report"


@lru_cache(maxsize=1)
def layout_stamp() -> str:
    """A fingerprint of the report templates and the reports code, part of every cache key.

    Computed, not a version number to bump by hand: a changed template or figure can never be
    served from a file rendered by the old one.
    """
    digest = hashlib.sha256()
    files = [*TEMPLATES.glob("*"), *Path(__file__).parent.glob("*.py")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


THUMB_PX = 360


@lru_cache(maxsize=8)
def environment(lang: str) -> Environment:
    """A Jinja environment for one language, with gettext and the report's helpers."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    gettext = translations(lang).gettext
    env.globals.update(
        lang=lang,
        score=lambda s: text.score_text(s, lang),
        change=lambda c: text.change_text(c, lang),
        points=lambda p: text.points_text(p, lang),
        day=lambda d, fmt="medium": text.date_text(d, lang, fmt),
        answer=lambda a: text.answer_text(a["criterion"], a["value"], a["na"], lang, gettext),
        duration=lambda seconds: text.duration_text(seconds, gettext),
        colour=charts.score_colour,
        tone=score_tone,
    )
    return env


@lru_cache(maxsize=1)
def stylesheet():
    """The report CSS, parsed once per process (parsing costs more than it looks)."""
    from weasyprint import CSS

    return CSS(filename=str(TEMPLATES / "report.css"))


def html_to_pdf(html: str) -> bytes:
    """Lay out and draw the report: A4, tagged (PDF/UA structure), title and language set."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(TEMPLATES)).render(
        stylesheets=[stylesheet()], pdf_tags=True)
    return document.write_pdf(pdf_tags=True, pdf_variant="pdf/ua-1")


# ---------------------------------------------------------------- HTML of each report


def _month_label(month: str, lang: str) -> str:
    """'2026-03' as a short month name with the year, e.g. "Mar 26"."""
    return text.date_text(month + "-01", lang, "MMM yy")


def _trend_svg(data: dict, _: Callable[[str], str]) -> str:
    """The score-over-time chart of a store report, as a data: URI."""
    trend, lang, period = data["trend"], data["lang"], data["period"]
    months = [t["month"] for t in trend]
    first = period.start.isoformat()[:7]
    start = next((i for i, m in enumerate(months) if m >= first), 0)
    svg = charts.trend_chart(
        [_month_label(m, lang) for m in months],
        [(_("This store"), [t["store"] for t in trend], charts.BRAND),
         (_("Region average"), [t["region"] for t in trend], charts.REGION),
         (_("Chain average"), [t["chain"] for t in trend], charts.CHAIN)],
        highlight=(start, len(months) - 1), pass_mark=data["summary"]["pass_mark"],
        title=_("Score by month, last 12 months"), height=185,
    )
    return charts.data_uri(svg)


def _sections_svg(data: dict, _: Callable[[str], str]) -> str:
    """The section comparison chart of a store report, as a data: URI."""
    rows = [(s["title"], s["store"], s["region"], s["chain"]) for s in data["sections"]]
    svg = charts.section_bars(rows, (_("This store"), _("Region average"), _("Chain average")),
                              title=_("Section scores against region and chain"),
                              pass_mark=data["summary"]["pass_mark"],
                              number=lambda v: text.score_text(v, data["lang"]))
    return charts.data_uri(svg)


def thumbnail_uri(path: Path, size: int = THUMB_PX) -> str | None:
    """A photo file downscaled to a JPEG data: URI; None if the file is missing or unreadable."""
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((size, size))
            image.info = {}  # else Pillow writes a comment of the file into the thumbnail
            out = io.BytesIO()
            image.save(out, "JPEG", quality=70, optimize=True)
    except (OSError, UnidentifiedImageError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _attach_photos(visits: list[dict], upload_dir: str | Path | None) -> None:
    """Give every photo row of the visits a `src` (None when its file is not there)."""
    folder = Path(upload_dir) if upload_dir else None
    for visit in visits:
        rows = list(visit["photos"])
        for section in visit["sections"]:
            for a in section["answers"]:
                rows.extend(a["photos"])
        for p in rows:
            # Only the base name: a stored name must never reach outside the uploads folder.
            p["src"] = thumbnail_uri(folder / Path(p["filename"]).name) if folder else None


def _today(zone: str) -> date:
    """Today in the app's zone: the date a report says it was made."""
    return datetime.now(ZoneInfo(zone)).date()


def _local_times(visits: list[dict], lang: str, zone: str) -> None:
    """Give every visit its start as date and time in the app's zone (`started_text`)."""
    for visit in visits:
        visit["started_text"] = text.moment_text(visit.get("started_at"), lang, zone)


def store_html(data: dict, upload_dir: str | Path | None = None, zone: str | None = None) -> str:
    """The store report's self-contained HTML, its times in `zone` (default: AUDIT_TIMEZONE)."""
    zone = zone or text.default_zone()
    env = environment(data["lang"])
    _ = translations(data["lang"]).gettext
    _attach_photos(data["visits"], upload_dir)
    _local_times(data["visits"], data["lang"], zone)
    charts_ = {}
    if data["visits"]:
        charts_ = {"trend": _trend_svg(data, _), "sections": _sections_svg(data, _)}
    return env.get_template("store.html").render(
        r=data, charts=charts_, generated=_today(zone))


def visit_html(data: dict, upload_dir: str | Path | None = None, zone: str | None = None) -> str:
    """One visit's self-contained HTML, its times in `zone` (default: AUDIT_TIMEZONE)."""
    zone = zone or text.default_zone()
    _attach_photos([data["visit"]], upload_dir)
    _local_times([data["visit"]], data["lang"], zone)
    return environment(data["lang"]).get_template("visit.html").render(
        r=data, generated=_today(zone))


def summary_html(data: dict, zone: str | None = None) -> str:
    """A region's or the chain's summary HTML."""
    return environment(data["lang"]).get_template("summary.html").render(
        r=data, generated=_today(zone or text.default_zone()))


# ---------------------------------------------------------------- the cache


def _cached(report_dir: str | Path, name: str, key: str, build: Callable[[], bytes]) -> Path:
    """The PDF for `key` from the cache, or built, written atomically and kept.

    Older files of the same report (same `name`, other key) are removed: they can never be
    served again, because the key changes whenever the report's data does.
    """
    path = cache_path(report_dir, name, key)
    if path.exists():
        return path
    return write_cached(path, build())


def cache_path(report_dir: str | Path, name: str, key: str) -> Path:
    """Where the PDF of report `name` with data `key` is (or will be) cached."""
    # The catalogues' stamp too: a corrected translation must not be served from an old file.
    stamp = f"{layout_stamp()}|{catalogue_stamp()}|{key}"
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:20]
    return Path(report_dir) / f"{name}-{digest}.pdf"


def write_cached(path: Path, pdf: bytes) -> Path:
    """Write a PDF into the cache atomically and drop older files of the same report.

    Used by the background jobs too: a worker returns bytes, the web side stores them here.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(pdf)
    os.replace(tmp, path)
    name = path.name.rsplit("-", 1)[0]
    for old in folder.glob(f"{name}-*.pdf"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def safe_name(code: str) -> str:
    """A store code as part of a file name."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)


def store_pdf(db: Database, store_id: int, period: Period, lang: str, *,
              report_dir: str | Path, upload_dir: str | Path | None = None,
              zone: str | None = None) -> Path:
    """The store's report for the period: cached until a visit of the store, an action of it,
    or a region or chain figure it prints changes."""
    zone = zone or text.default_zone()
    name, key = _store_cache_key(db, store_id, period, lang, zone)

    def build() -> bytes:
        data = aggregate.store_report(db, store_id, period, lang)
        return html_to_pdf(store_html(data, upload_dir, zone))

    return _cached(report_dir, name, key, build)


def _store_cache_key(db: Database, store_id: int, period: Period, lang: str,
                     zone: str) -> tuple[str, str]:
    """The cache name and key of a store report (its times are printed in `zone`)."""
    store = db["stores"].get(store_id)
    # The store's own row is in the key too: a renamed store must not get yesterday's cover.
    # So are the region and chain figures it compares with: a publish at another store moves
    # them (kept per process until figures_stamp moves, so this costs a lookup when cached).
    key = f"store|{store_id}|{period.start}|{period.end}|{lang}|{sorted(store.items())}|" \
          f"{aggregate.store_fingerprint(db, store_id)}|{actions.fingerprint(db, store_id)}|" \
          f"{aggregate.benchmarks_digest(db, store, period)}|{zone}"
    return f"store-{safe_name(store['code'])}-{period.start}-{period.end}-{lang}", key


def store_cache_path(db: Database, store_id: int, period: Period, lang: str, *,
                     report_dir: str | Path, zone: str | None = None) -> Path:
    """Where the store report for the period is cached (it may not be there yet)."""
    return cache_path(report_dir, *_store_cache_key(db, store_id, period, lang,
                                                    zone or text.default_zone()))


def visit_pdf(db: Database, visit_id: int, lang: str, *, report_dir: str | Path,
              upload_dir: str | Path | None = None, zone: str | None = None) -> Path | None:
    """One published visit's report (cached on the visit's last change); None if unpublished."""
    row = db.execute(
        """SELECT v.updated_at, (SELECT MAX(id) FROM visit_log WHERE visit_id = v.id)
           FROM visits v WHERE v.id = ? AND v.status = 'published'""", [visit_id]).fetchone()
    if row is None:
        return None

    def build() -> bytes:
        return html_to_pdf(visit_html(aggregate.visit_report(db, visit_id, lang), upload_dir,
                                      zone))

    zone = zone or text.default_zone()
    return _cached(report_dir, f"visit-{visit_id}-{lang}",
                   f"visit|{visit_id}|{lang}|{row}|{zone}", build)


def summary_pdf(db: Database, period: Period, lang: str, *, report_dir: str | Path,
                region: str | None = None) -> Path:
    """A region's (or with region None, the chain's) summary, cached on all published visits."""

    def build() -> bytes:
        return html_to_pdf(summary_html(aggregate.summary_report(db, period, lang, region)))

    return _cached(report_dir, *_summary_cache_key(db, period, lang, region), build)


def summary_cache_path(db: Database, period: Period, lang: str, *, report_dir: str | Path,
                       region: str | None = None) -> Path:
    """Where the summary for the period is cached (it may not be there yet)."""
    return cache_path(report_dir, *_summary_cache_key(db, period, lang, region))


def _summary_cache_key(db: Database, period: Period, lang: str,
                       region: str | None) -> tuple[str, str]:
    """The cache name and key of a region's (or the chain's) summary."""
    row = db.execute(
        """SELECT COUNT(*), MAX(updated_at), TOTAL(id), TOTAL(score),
                  (SELECT MAX(id) FROM visit_log), (SELECT COUNT(*) FROM stores),
                  (SELECT TOTAL(archived) FROM stores)
           FROM visits WHERE status = 'published'""").fetchone()
    scope = region or "chain"
    # figures_stamp too: it moves when a store changes region or channel (m009), which changes
    # who is in a region's summary and in which channel's table.
    key = f"summary|{scope}|{period.start}|{period.end}|{lang}|{row}|{actions.fingerprint(db)}|" \
          f"{figures.stamp(db)}"
    name = f"summary-{hashlib.sha256(scope.encode()).hexdigest()[:8]}-{period.start}-" \
           f"{period.end}-{lang}"
    return name, key
