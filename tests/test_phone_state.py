"""state.json: what the phone asks the server about a visit it holds (static/js/field.js)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import make_photo, make_store, make_user, make_visit

from audit.visits.field import score_preview
from audit.visits.review import return_to_shopper

ANSWERS = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}


def test_state_says_the_status_score_and_photos_the_server_holds(app, db, people, login):
    visit = make_visit(db, make_store(db, "ST-1"), people["shopper"], "submitted",
                       answers=ANSWERS, submitted_at="2026-11-20T10:30:00+00:00",
                       submission_uuid="6f1c1f7e-8a4e-4a53-9d55-0d7d1c6b6c11")
    make_photo(db, app, visit)
    state = login("shopper").get(f"/shopper/visits/{visit}/state.json").get_json()
    score = score_preview(db, visit).score
    assert state["status"] == "submitted" and state["status_label"] == "Submitted"
    assert state["submitted_at"] == "2026-11-20T10:30:00+00:00"
    assert state["score"] == score and state["score_text"] == f"{score:.1f}"
    assert state["photos_text"] == "1 photo" and state["photos"] == ["sample-photo-1"]


def test_state_tells_the_phone_a_visit_was_returned(db, people, login):
    visit = make_visit(db, make_store(db, "ST-2"), people["shopper"], "submitted",
                       answers=ANSWERS, submitted_at="2026-11-20T10:30:00+00:00")
    return_to_shopper(db, visit, make_user(db, "admin", reviewer=True), "Check the greeting.")
    state = login("shopper").get(f"/shopper/visits/{visit}/state.json").get_json()
    assert state["status"] == "returned"
    assert state["status_label"] == "Returned for correction"


def test_summary_names_online_steps_still_waiting_and_until_when(db, people, login):
    asked = datetime.now(UTC) - timedelta(hours=2)
    visit = make_visit(db, make_store(db, "WEB-S", channel="online"), people["shopper"],
                       "in_progress",
                       answers={"email_response_time": {"from": asked.isoformat(), "to": None}})
    page = login("shopper").get(f"/shopper/visits/{visit}/summary").text
    waiting = re.search(r'<li data-wait="email_response_time"[^>]*>(.*?)</li>', page, re.S)
    assert waiting and " hidden" not in waiting.group(0).split(">")[0]
    until = (asked + timedelta(hours=72)).astimezone(ZoneInfo("Europe/Warsaw"))
    assert "Waiting for “Answer received” until" in waiting.group(1)
    assert f"{until:%-m/%-d/%y}" in waiting.group(1)
    # Without the script the browser asks: a required box says what sending now means.
    assert re.search(r'<input type="checkbox" name="waiting_ok" value="1" required>', page)
