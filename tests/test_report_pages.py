"""Report pages are never near-empty, and the section chart shows whole section titles.

A page is near-empty when its text fills less than a fifth of the page's text area (the A4 page
less the @page margins of templates/report/report.css), measured from the PDF: from the top of
the text area down to the lowest word on it, running header and footer left out.

Only the last page of a document may be near-empty, and only when it is short on purpose: it is
the document's only page, or it opens with a heading (a part or a visit begins there, whole).
A page holding just the closing note, a single table row or the tail of a cut visit opens with
body text and fails.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date

import pytest

from audit import create_app
from audit.demo import DemoOptions, generate
from audit.storage.db import open_db
from reports import aggregate, charts, render
from reports.aggregate import Period

MM = 72 / 25.4
TOP, BOTTOM = 20 * MM, 18 * MM  # the @page margins of report.css
NEAR_EMPTY = 0.2
# A word box is about 1.16 times its font size tall in DejaVu Sans: body text is at most 9.2 pt
# (10.7 pt boxes), the smallest heading is 10 pt (11.6 pt boxes).
HEADING_BOX = 11.0
TODAY = date(2026, 12, 3)
MONTH = Period(date(2026, 11, 1), date(2026, 11, 30))
YEAR = Period(date(2025, 12, 1), date(2026, 11, 30))


@dataclass
class Page:
    """What the measure needs of one PDF page."""

    number: int
    fill: float  # share of the text area from its top down to the lowest word
    opens_with_heading: bool


def pages(pdf: bytes) -> list[Page]:
    """Every page's fill and first line, from the word boxes poppler's pdftotext finds."""
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    out = []
    for number, page in enumerate(xml.split("<page ")[1:], start=1):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        top, bottom = TOP, height - BOTTOM
        boxes = [(float(y0), float(y1)) for y0, y1 in
                 re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)]
        body = sorted((y0, y1) for y0, y1 in boxes if y0 >= top - 1 and y1 <= bottom + 1)
        fill = (max(y1 for _, y1 in body) - top) / (bottom - top) if body else 0.0
        first = body[0][1] - body[0][0] if body else 0.0
        out.append(Page(number, round(fill, 3), first >= HEADING_BOX))
    return out


def near_empty(document: list[Page]) -> list[Page]:
    """The pages under a fifth full that are not a deliberate short last page."""
    last = len(document)
    return [p for p in document if p.fill < NEAR_EMPTY
            and not (p.number == last and (last == 1 or p.opens_with_heading))]


def demo_database(tmp_path_factory, options: DemoOptions):
    """A database of its own filled by the demo generator, as on TODAY."""
    folder = tmp_path_factory.mktemp("demo")
    create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(folder / "audit.db")})
    db = open_db(folder / "audit.db")
    generate(db, options, today=TODAY)
    return db


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's stores with a year of visits, two a month (the demo makes one by default)."""
    db = demo_database(tmp_path_factory, DemoOptions(seed=1, months=12, visits_per_month=2))
    yield db
    db.close()


def store_id(db, code: str) -> int:
    """The id of the demo store with that code."""
    return db.execute("SELECT id FROM stores WHERE code = ?", [code]).fetchone()[0]


def store_report(db, code: str, period: Period, lang: str) -> bytes:
    """A store report's PDF, made as on a cache miss (figures, HTML, WeasyPrint)."""
    data = aggregate.store_report(db, store_id(db, code), period, lang)
    return render.html_to_pdf(render.store_html(data))


# A month has two visits, each listed in full; a year has 24, condensed, over 18 to 20 pages.
@pytest.mark.parametrize(("code", "period", "lang"), [
    ("WAW-01", MONTH, "en"), ("WAW-01", MONTH, "pl"), ("WAW-01", MONTH, "ru"),
    ("WAW-01", YEAR, "en"), ("WAW-01", YEAR, "pl"), ("WAW-01", YEAR, "ru"),
    ("WEB-PL", MONTH, "en"), ("WEB-PL", YEAR, "ru"),
], ids=lambda v: v if isinstance(v, str) else ("year" if v == YEAR else "month"))
def test_no_store_report_page_is_near_empty(demo, code, period, lang):
    document = pages(store_report(demo, code, period, lang))
    assert len(document) > 3
    assert near_empty(document) == []


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_a_visit_report_has_no_page_for_the_closing_note_alone(demo, lang):
    # The built-in physical set has 40 questions since its purchase and staff branches (issue
    # 22): two pages, the second holding sections as well as the closing note.
    visit = demo.execute("SELECT MIN(id) FROM visits WHERE status = 'published'").fetchone()[0]
    pdf = render.html_to_pdf(render.visit_html(aggregate.visit_report(demo, visit, lang)))
    document = pages(pdf)
    assert near_empty(document) == []
    assert len(document) <= 2


@pytest.mark.parametrize(("lang", "region"), [("pl", "Mazowieckie"), ("ru", "Mazowieckie"),
                                               ("en", None)])
def test_no_summary_page_is_near_empty(demo, lang, region):
    pdf = render.html_to_pdf(render.summary_html(aggregate.summary_report(demo, YEAR, lang,
                                                                          region)))
    assert near_empty(pages(pdf)) == []


def test_a_long_store_report_has_no_near_empty_page(tmp_path_factory):
    """Five visits a month for a year: 60 visits, so the contents outgrow the cover."""
    db = demo_database(tmp_path_factory, DemoOptions(seed=2, months=12, visits_per_month=5))
    try:
        document = pages(store_report(db, "KRK-01", YEAR, "pl"))
    finally:
        db.close()
    assert len(document) > 30
    assert near_empty(document) == []


def test_the_measure_finds_a_page_holding_only_a_closing_note():
    """The measure itself: a lone note after a full page is near-empty, a short part is not."""
    filler = "".join(f"<p>Line {n}</p>" for n in range(64))
    css = "<style>@page { size: A4; margin: 20mm 16mm 18mm } p { margin: 0; font: 9pt sans-serif;" \
          " line-height: 4mm } h2 { font: 13pt sans-serif; break-before: page }</style>"
    note = render.html_to_pdf(f"<html><body>{css}{filler}<p>The closing note.</p></body></html>")
    part = render.html_to_pdf(f"<html><body>{css}{filler}<h2>A last part</h2><p>x</p></body>"
                              "</html>")
    assert [p.number for p in near_empty(pages(note))] == [2]
    assert near_empty(pages(part)) == []


@pytest.mark.parametrize("title", [
    "Послепродажное обслуживание и каналы связи",
    "Возврат товара и денег, поддержка после покупки",
    "Obsługa posprzedażowa i kanały kontaktu",
], ids=["ru-after-sale", "ru-returns", "pl-after-sale"])
def test_section_chart_wraps_a_long_title_instead_of_cutting_it(title):
    svg = charts.section_bars([(title, 70.0, 75.0, 80.0), ("Sale", 90.0, None, None)],
                              ("Store", "Region", "Chain"))
    labels = re.findall(r'text-anchor="end" font-weight="normal">([^<]*)</text>', svg)
    assert "…" not in svg
    assert " ".join(labels[:-1]) == title and labels[-1] == "Sale"
    assert all(charts.text_width(line, 9.5) <= 196 for line in labels)


def test_wrap_keeps_every_word_and_never_exceeds_three_lines():
    words = "a very long section title that goes on and on about the after-sale service"
    lines = charts.wrap(words, 60, 9.5)
    assert len(lines) == 3 and " ".join(lines) == words
    assert charts.wrap("Short", 196, 9.5) == ["Short"]


def test_wrap_evens_out_the_lines_of_a_title():
    assert charts.wrap("Связь с магазином и скорость ответа", 196, 9.5) == [
        "Связь с магазином", "и скорость ответа"]


def test_a_question_of_weight_zero_prints_no_points(demo):
    """The built-in set's branch questions ("Did you buy something?") steer, they score nothing:
    "Yes · 0 / 0" read like a failure."""
    visit = demo.execute(
        """SELECT MIN(a.visit_id) FROM answers a JOIN visits v ON v.id = a.visit_id
           WHERE v.status = 'published' AND a.criterion_key = 'bought'""").fetchone()[0]
    html = render.visit_html(aggregate.visit_report(demo, visit, "en"))
    line = next(p for p in html.split("<p ") if "Did you buy something?" in p)
    assert " / " not in line, line
    assert " · 1 / 1" in html or " · 2 / 2" in html  # weighted questions still show theirs
