"""Review: the queue and its flags, approve / return / publish, corrections with a change log."""

from __future__ import annotations

import html
import json

import pytest
from conftest import make_store, make_visit

from audit.errors import Conflict, Invalid
from audit.visits import review as review_flow

ANSWERS = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}


@pytest.fixture
def submitted(db, people):
    """A submitted visit of 25 minutes at the store's position."""
    store = make_store(db, "REV-1")
    return make_visit(db, store, people["shopper"], "submitted", answers=ANSWERS,
                      started_at="2026-11-02T10:00:00+00:00", ended_at="2026-11-02T10:25:00+00:00",
                      submitted_at="2026-11-02T10:30:00+00:00", start_lat=52.23, start_lon=21.01)


def log_actions(db, visit_id):
    """The moves of a visit, as its visit_events rows tell them."""
    return [r["action"] for r in db.query("SELECT action FROM visit_events WHERE visit_id = ? "
                                          "ORDER BY id", [visit_id])]


def test_approve_then_publish_logs_each_step(db, people, submitted):
    review_flow.approve(db, submitted, people["admin"])
    review_flow.publish(db, submitted, people["admin"])
    visit = db["visits"].get(submitted)
    assert visit["status"] == "published" and visit["published_at"] and visit["approved_at"]
    rows = list(db.query("SELECT * FROM visit_events WHERE visit_id = ? ORDER BY id",
                         [submitted]))
    assert [(r["action"], r["from_status"], r["to_status"], r["actor_id"]) for r in rows] == [
        ("approve", "submitted", "approved", people["admin"]),
        ("publish", "approved", "published", people["admin"])]


def test_publish_needs_approval_first_and_writes_nothing(db, people, submitted):
    with pytest.raises(Conflict):
        review_flow.publish(db, submitted, people["admin"])
    assert db["visits"].get(submitted)["status"] == "submitted"
    assert log_actions(db, submitted) == []


@pytest.mark.parametrize(("note", "message"), [
    ("", "Say what the shopper should fix."),
    ("   ", "Say what the shopper should fix."),
    ("x" * 2001, "at most 2000 characters"),
])
def test_return_needs_a_note(client_admin_db, note, message):
    db, admin, visit = client_admin_db
    with pytest.raises(Invalid, match=message):
        review_flow.return_to_shopper(db, visit, admin, note)
    assert db["visits"].get(visit)["status"] == "submitted"


@pytest.fixture
def client_admin_db(db, people, submitted):
    return db, people["admin"], submitted


def test_return_sends_visit_back_with_note_and_resubmission_can_be_approved(db, people,
                                                                            submitted):
    review_flow.return_to_shopper(db, submitted, people["admin"], "Add the receipt photo.")
    visit = db["visits"].get(submitted)
    assert visit["status"] == "returned" and visit["return_note"] == "Add the receipt photo."
    db.execute("UPDATE visits SET status = 'submitted' WHERE id = ?", [submitted])
    review_flow.approve(db, submitted, people["admin"])
    assert log_actions(db, submitted) == ["return", "approve"]


def test_correction_is_logged_with_who_old_and_new_value_and_rescored(db, people, submitted):
    from audit.visits.answers import AnswerInput

    before = db["visits"].get(submitted)["score"]
    review_flow.correct(db, submitted, people["admin"], AnswerInput("friendliness", 1))
    row = next(db.query("SELECT * FROM visit_log WHERE visit_id = ?", [submitted]))
    assert (row["action"], row["user_id"], row["criterion_key"]) == (
        "correct", people["admin"], "friendliness")
    assert json.loads(row["old_value"])["value"] == "4"
    assert json.loads(row["new_value"])["value"] == "1"
    assert db["visits"].get(submitted)["score"] < before


def test_queue_shows_the_flags_stored_at_start_and_submission_and_missing_photos(db, people,
                                                                                submitted):
    from audit.visits import flags

    store = db["visits"].get(submitted)["store_id"]
    _metres, far = flags.start_flags("physical", (50.06, 19.94), (52.23, 21.01), 20, 1000)
    quick = make_visit(db, store, people["shopper"], "submitted", answers=ANSWERS,
                       started_at="2026-11-03T10:00:00+00:00",
                       ended_at="2026-11-03T10:04:00+00:00",
                       flags=flags.merge("[]", far + flags.short_visit(240, 1800)))
    queue = {v["id"]: [f["code"] for f in v["warnings"]] for v in review_flow.review_queue(db)}
    assert queue[quick] == ["far_start", "short_visit", "photos_missing"]
    assert queue[submitted] == ["photos_missing"]


def test_reviewer_walks_a_visit_through_the_pages(login, db, submitted):
    client = login("admin")
    assert "REV-1" in client.get("/review/").text
    page = client.get(f"/review/visits/{submitted}").text
    assert "Approve" in page and "First contact and greeting" in page
    assert client.post(f"/review/visits/{submitted}/approve").status_code == 302
    assert client.post(f"/review/visits/{submitted}/publish").status_code == 302
    assert db["visits"].get(submitted)["status"] == "published"
    page = client.get(f"/review/visits/{submitted}").text
    assert "Change log" in page and "publish" in page


def test_return_without_note_shows_the_error_at_the_field(login, db, submitted):
    response = login("admin").post(f"/review/visits/{submitted}/return", {"note": ""})
    assert response.status_code == 400 and "Say what the shopper should fix." in response.text
    assert db["visits"].get(submitted)["status"] == "submitted"


def test_correction_form_changes_answer_and_log_is_shown(login, db, submitted):
    client = login("admin")
    url = f"/review/visits/{submitted}/correct?criterion=friendliness"
    assert 'selected value="4"' in client.get(url).text or "4 / 5" in client.get(url).text
    response = client.post(url, {"choice": "2", "comment": "Shopper misread the scale"})
    assert response.status_code == 302
    assert json.loads(next(db.query(
        "SELECT value FROM answers WHERE visit_id = ? AND criterion_key = 'friendliness'",
        [submitted]))["value"]) == 2
    page = client.get(f"/review/visits/{submitted}").text
    assert "Answer corrected · How friendly and polite was the staff member?" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"number": "soon"}, "This value cannot be read"),
    ({"number": "-5"}, "The time cannot be negative."),
])
def test_bad_correction_is_refused_at_the_field(login, db, submitted, data, message):
    response = login("admin").post(
        f"/review/visits/{submitted}/correct?criterion=time_to_approach", data)
    assert response.status_code == 400 and message in response.text
    assert log_actions(db, submitted) == []


def test_unknown_visit_is_404(login, submitted):
    assert login("admin").get("/review/visits/99999").status_code == 404


def test_queue_writes_stored_flags_as_sentences_never_as_codes(login, db, submitted):
    db["visits"].update(submitted, {"flags": json.dumps([
        {"code": "no_position", "params": {}},
        {"code": "retired_rule", "params": {"message": "An old warning, as it was stored."}}])})
    page = html.unescape(login("admin").get("/review/").text)
    assert "The phone's position was not shared at the start." in page
    assert "An old warning, as it was stored." in page
    assert "no_position" not in page and "retired_rule" not in page
