"""The manager's store list: every store they see with its latest scores, ready to show.

A chain manager sees 1,000 stores. Everything a row needs is worked out here once per row
(numbers and dates in the user's language, the trend, the sparkline), so the template only
places text: per-row macro calls, Babel number patterns and translations took ~3/4 of the page.
"""

from __future__ import annotations

from flask_babel import format_date
from sqlite_utils import Database

from audit.stores import managed_store_ids_sql
from audit.web.formatting import one_decimal, todate
from reports import aggregate, charts
from reports.score_tone import score_tone
from reports.versions import version_sets

TREND_STEP = 0.05  # a change smaller than this (in points) shows as flat


def score_class(value: float, pass_mark: float | None) -> str:
    """The colour class of a score (as the score macro in templates/macros.html)."""
    return "score-" + score_tone(value, pass_mark)


def trend(change: float, locale: str) -> dict:
    """Class, arrow and signed text of a change against the visit before."""
    if change > TREND_STEP:
        css, arrow = "trend-up", "▲"
    elif change < -TREND_STEP:
        css, arrow = "trend-down", "▼"
    else:
        css, arrow = "trend-flat", "▶"
    return {"class": css, "arrow": arrow, "text": one_decimal(change, locale, signed=True)}


def store_list(db: Database, user_id: int, locale: str) -> list[dict]:
    """The manager's stores (not archived) by region and code, each with `recent` (its last
    published visits, oldest first), `last` (the latest: day, date text, score and its text),
    `trend` (against the visit before, when both have a score) and `spark` (SVG)."""
    sql = f"""SELECT s.* FROM stores s WHERE s.id IN ({managed_store_ids_sql()})
              AND s.archived = 0 ORDER BY s.region, s.code"""  # noqa: S608
    stores = list(db.query(sql, {"user_id": user_id}))
    recent = aggregate.recent_scores(db, [s["id"] for s in stores])
    pass_marks = {vid: cs.pass_mark for vid, cs in version_sets(
        db, {s[-1]["version_id"] for s in recent.values() if s}).items()}
    dates: dict[str, str] = {}  # most stores share their last day with others
    for s in stores:
        s["recent"] = recent.get(s["id"], [])
        s["spark"] = charts.sparkline([r["score"] for r in s["recent"]])
        s["last"] = s["trend"] = None
        if not s["recent"]:
            continue
        last = s["recent"][-1]
        if last["day"] not in dates:
            dates[last["day"]] = format_date(todate(last["day"]))
        s["last"] = {**last, "date": dates[last["day"]], "score_text": None}
        if last["score"] is not None:
            s["last"].update(score_text=one_decimal(last["score"], locale),
                             score_class=score_class(last["score"],
                                                         pass_marks.get(last["version_id"])))
        before = s["recent"][-2] if len(s["recent"]) > 1 else None
        if before and last["score"] is not None and before["score"] is not None:
            s["trend"] = trend(last["score"] - before["score"], locale)
    return stores
