"""One way to write a time span (reports.text.duration_text): the review page, the shopper's
pages and the PDFs all say 200 s as "3 min 20 s"."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.support import NullTranslations
from conftest import make_store, make_visit
from test_reports import pdf_text

from audit.visits.review import approve, publish
from reports import render
from reports.i18n import translations
from reports.period import Period
from reports.text import duration_text

SPAN = {"from": "2026-11-03T12:00:00+00:00", "to": "2026-11-03T12:03:20+00:00",
        "channel": "chat"}  # 200 s


@pytest.mark.parametrize(("seconds", "expected"), [
    (None, ""), (-3, "0 s"), (0.4, "0 s"), (45, "45 s"), (59.6, "1 min"), (180, "3 min"),
    (200, "3 min 20 s"), (3600, "1 h"), (18_600, "5 h 10 min"), (18_630, "5 h 10 min"),
    (86_400, "1 d"), (187_200, "2 d 4 h"),
])
def test_duration_text_writes_two_units_at_most(seconds, expected):
    assert duration_text(seconds, NullTranslations().gettext) == expected


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "3 min 20 s"), ("ru", "3 мин 20 с"), ("pl", "2 dn. 4 godz."), ("ru", "2 дн. 4 ч"),
])
def test_duration_text_speaks_the_readers_language(lang, expected):
    seconds = 200 if "min" in expected or "мин" in expected else 187_200
    assert duration_text(seconds, translations(lang).gettext) == expected


def test_review_page_and_store_pdf_write_200_seconds_the_same(app, db, login, people):
    store = make_store(db, "WEB-1", channel="online", region="Net")
    visit = make_visit(db, store, people["shopper"], status="submitted",
                       answers={"chat_response_time": SPAN},
                       started_at="2026-11-03T11:00:00+00:00",
                       submitted_at="2026-11-04T11:00:00+00:00")
    page = login("admin").get(f"/review/visits/{visit}").text
    # The answer and the timeline both: no "3 min" cut short anywhere.
    assert "3 min 20 s" in page and not re.search(r"3 min(?! 20 s)", page)
    approve(db, visit, people["admin"])
    publish(db, visit, people["admin"])
    pdf = render.store_pdf(db, store, Period(date(2026, 11, 1), date(2026, 11, 30)), "en",
                           report_dir=app.config["REPORT_DIR"])
    text = pdf_text(pdf)
    assert "Response times" in text and "3 min 20 s" in text
    assert not re.search(r"3 min(?! 20 s)", text)
