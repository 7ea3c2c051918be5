"""One score-colour rule (reports/score_tone.py): a score is read against its set's pass mark,
on the web pages and in the PDFs alike."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from conftest import make_store, make_visit

from audit.criteria_sets.versions import add_set, current_version_id, version_set
from reports import aggregate, charts, render
from reports.period import Period
from reports.score_tone import score_tone

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(("score", "pass_mark", "tone"), [
    (75, 70, "good"), (70, 70, "good"), (69.9, 70, "mid"), (50, 70, "mid"), (49.9, 70, "bad"),
    (75, None, "mid"), (80, None, "good"), (None, 70, "none"),
])
def test_score_tone_reads_a_score_against_the_pass_mark(score, pass_mark, tone):
    assert score_tone(score, pass_mark) == tone


def test_chart_colour_follows_the_same_rule():
    assert charts.score_colour(75, 70) == charts.GOOD
    assert charts.score_colour(75, 80) == charts.MID


@pytest.fixture
def lenient(db, people):
    """A published visit scoring 75 on a set whose pass mark is 70."""
    physical = version_set(db, current_version_id(db, "physical-store"))
    add_set(db, dataclasses.replace(physical, key="lenient-store", pass_mark=70))
    store = make_store(db, "LEN-1")
    visit = make_visit(db, store, people["shopper"], status="published", set_key="lenient-store",
                       answers={"greeted_on_entry": True},
                       started_at="2026-11-05T10:00:00+00:00")
    db["visits"].update(visit, {"score": 75.0, "passed": 1})
    return {"store": store, "visit": visit}


def test_a_75_on_a_set_passing_at_70_is_pass_coloured_on_the_review_page(db, login, lenient):
    db["visits"].update(lenient["visit"], {"status": "submitted"})
    page = login("admin").get(f"/review/visits/{lenient['visit']}").text
    assert re.search(r'class="score score-good">75[.,]0<', page)


def test_a_75_on_a_set_passing_at_70_is_pass_coloured_on_the_manager_pages(
        db, login, people, lenient):
    db["store_managers"].insert({"store_id": lenient["store"], "user_id": people["manager"]})
    client = login("manager")
    assert re.search(r'class="score score-good">75[.,]0<',
                     client.get(f"/manager/stores/{lenient['store']}").text)
    assert re.search(r'class="score score-good">75[.,]0<', client.get("/manager/").text)


def test_a_75_on_a_set_passing_at_70_is_pass_coloured_in_the_pdf(db, lenient):
    data = aggregate.store_report(db, lenient["store"], PERIOD, "en")
    html = render.store_html(data)
    assert "sc-bg-good" in html  # the cover's big score
    assert re.search(r'class="num sc-good">75[.,]0<', html)
    visit = render.visit_html(aggregate.visit_report(db, lenient["visit"], "en"))
    assert re.search(r'class="num sc-good">75[.,]0<', visit)
