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
    review_flow.correct(db, submitted, people["admin"], AnswerInput("friendliness", 1),
                        reason="The shopper misread the scale.")
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
    response = client.post(url, {"choice": "2", "reason": "Shopper misread the scale"})
    assert response.status_code == 302
    assert json.loads(next(db.query(
        "SELECT value FROM answers WHERE visit_id = ? AND criterion_key = 'friendliness'",
        [submitted]))["value"]) == 2
    page = html.unescape(client.get(f"/review/visits/{submitted}").text)
    assert "Answer corrected · Friendliness" in page or "Answer corrected · " in page


@pytest.mark.parametrize(("data", "message"), [
    ({"number": "soon"}, "This value cannot be read"),
    ({"number": "-5"}, "The time cannot be negative."),
])
def test_bad_correction_is_refused_at_the_field(login, db, submitted, data, message):
    response = login("admin").post(
        f"/review/visits/{submitted}/correct?criterion=time_to_approach",
        {**data, "reason": "Timed on the receipt."})
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


def shopper_comment(db, visit_id, key):
    """The stored comment of one answer."""
    return db.execute("SELECT comment FROM answers WHERE visit_id = ? AND criterion_key = ?",
                      [visit_id, key]).fetchone()[0]


def test_correction_reason_goes_to_the_log_and_the_shoppers_comment_stays(login, db,
                                                                          submitted):
    db.execute("UPDATE answers SET comment = 'Very kind staff.' WHERE visit_id = ? "
               "AND criterion_key = 'friendliness'", [submitted])
    client = login("admin")
    url = f"/review/visits/{submitted}/correct?criterion=friendliness"
    form = client.get(url).text
    assert 'name="reason"' in form and 'name="comment"' not in form
    response = client.post(url, {"choice": "2", "reason": "The receipt shows a rude remark.",
                                 "comment": "Smuggled into the shopper's words"})
    assert response.status_code == 302
    assert shopper_comment(db, submitted, "friendliness") == "Very kind staff."
    row = next(db.query("SELECT * FROM visit_log WHERE visit_id = ?", [submitted]))
    assert row["note"] == "The receipt shows a rude remark."
    page = html.unescape(client.get(f"/review/visits/{submitted}").text)
    assert "The receipt shows a rude remark." in page


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Say why you change this answer."),
    ("   ", "Say why you change this answer."),
    ("x" * 501, "500 characters"),
])
def test_correction_without_a_reason_is_refused_and_writes_nothing(login, db, submitted, reason,
                                                                    message):
    response = login("admin").post(
        f"/review/visits/{submitted}/correct?criterion=friendliness",
        {"choice": "2", "reason": reason})
    assert response.status_code == 400 and message in html.unescape(response.text)
    assert db["visit_log"].count == 0
    assert json.loads(db.execute("SELECT value FROM answers WHERE visit_id = ? AND "
                                 "criterion_key = 'friendliness'", [submitted]).fetchone()[0]) == 4


@pytest.mark.parametrize(("lang", "old_status", "new_status"), [
    ("en", "Submitted", "Approved"),
    ("pl", "Przesłana", "Zatwierdzona"),
])
def test_change_log_shows_answers_and_statuses_as_people_read_them(login, db, people, submitted,
                                                                  lang, old_status, new_status):
    from audit.visits.answers import AnswerInput

    review_flow.correct(db, submitted, people["admin"], AnswerInput("friendliness", 2),
                        reason="Misread scale")
    review_flow.approve(db, submitted, people["admin"])
    db["users"].update(people["admin"], {"language": lang})
    page = html.unescape(login("admin").get(f"/review/visits/{submitted}").text)
    log = page[page.index('<table class="log">'):]
    assert "<td>4 / 5</td><td>2 / 5</td>" in log
    assert f"<td>{old_status}</td><td>{new_status}</td>" in log
    assert '"value"' not in log and "friendliness" not in log and ">approve<" not in log


@pytest.fixture
def online_submitted(db, people):
    """A submitted online visit whose e-mail was sent and answered (times in UTC)."""
    store = make_store(db, "WEB-1", channel="online")
    return make_visit(db, store, people["shopper"], "submitted", answers={
        "email_response_time": {"from": "2026-11-02T09:00:00+00:00",
                                "to": "2026-11-02T11:30:00+00:00"}},
        submitted_at="2026-11-02T12:00:00+00:00")


def test_interval_correction_uses_date_time_pickers_in_the_app_time_zone(login, db,
                                                                        online_submitted):
    client = login("admin")
    url = f"/review/visits/{online_submitted}/correct?criterion=email_response_time"
    form = client.get(url).text
    # Europe/Warsaw is UTC+1 in November.
    assert 'type="datetime-local"' in form and 'value="2026-11-02T10:00"' in form
    assert 'value="2026-11-02T12:30"' in form
    response = client.post(url, {"start": "2026-11-02T10:00", "end": "2026-11-02T10:45",
                                 "reason": "The reply came earlier."})
    assert response.status_code == 302
    value = json.loads(db.execute("SELECT value FROM answers WHERE visit_id = ? AND "
                                  "criterion_key = 'email_response_time'",
                                  [online_submitted]).fetchone()[0])
    assert (value["from"], value["to"]) == ("2026-11-02T10:00:00+01:00",
                                            "2026-11-02T10:45:00+01:00")


def test_unreadable_interval_time_is_refused_at_the_field(login, db, online_submitted):
    response = login("admin").post(
        f"/review/visits/{online_submitted}/correct?criterion=email_response_time",
        {"start": "next tuesday", "reason": "x"})
    assert response.status_code == 400
    assert db["visit_log"].count == 0


def test_queue_approves_several_visits_in_one_go_and_names_those_that_moved_meanwhile(
        login, db, people, submitted):
    store = db["visits"].get(submitted)["store_id"]
    second = make_visit(db, make_store(db, "REV-2"), people["shopper"], "submitted",
                        answers=ANSWERS)
    gone = make_visit(db, store, people["shopper"], "submitted", answers=ANSWERS)
    client = login("admin")
    page = client.get("/review/").text
    assert f'name="visit_ids" value="{second}"' in page
    review_flow.return_to_shopper(db, gone, people["admin"], "Add the receipt.")  # meanwhile
    response = client.post("/review/batch", {"visit_ids": [submitted, second, gone],
                                            "step": "approve"}, follow_redirects=True)
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "2 visits approved." in text
    assert "had moved meanwhile: REV-1 (Returned for correction)" in text
    assert [db["visits"].get(v)["status"] for v in (submitted, second, gone)] == [
        "approved", "approved", "returned"]
    client.post("/review/batch", {"visit_ids": [submitted, second], "step": "publish"})
    assert {db["visits"].get(v)["status"] for v in (submitted, second)} == {"published"}


def test_batch_without_visits_or_with_an_unknown_step_writes_nothing(login, db, submitted):
    client = login("admin")
    response = client.post("/review/batch", {"step": "approve"}, follow_redirects=True)
    assert "Choose at least one visit." in html.unescape(response.text)
    assert client.post("/review/batch", {"visit_ids": [submitted],
                                         "step": "delete"}).status_code == 400
    assert db["visits"].get(submitted)["status"] == "submitted"
    assert db["visit_events"].count == 0


def test_batch_step_is_one_transaction_that_skips_visits_elsewhere(db, people, submitted):
    approved = make_visit(db, make_store(db, "REV-3"), people["shopper"], "approved",
                          answers=ANSWERS)
    batch = review_flow.step_many(db, [submitted, approved, 99999], "publish", people["admin"])
    assert batch.moved == [approved]
    assert [(v["id"], v["status"]) for v in batch.skipped] == [(submitted, "submitted"),
                                                                (99999, None)]


def test_correction_offers_the_criterions_ready_made_reasons_in_the_readers_language(
        login, db, people):
    from audit.criteria_sets.versions import BUILTIN_DIR, add_set
    from criteria.io import load_set, set_from_dict, set_to_dict

    data = set_to_dict(load_set((BUILTIN_DIR / "physical-store.yaml").read_text()))
    data["key"] = "physical-canned"
    friendliness = next(c for s in data["sections"] for c in s["criteria"]
                        if c["key"] == "friendliness")
    friendliness["review_comments"] = {"en": ["Rating does not match the comment."],
                                       "pl": ["Ocena nie zgadza się z komentarzem."]}
    add_set(db, set_from_dict(data))
    visit = make_visit(db, make_store(db, "CAN-1"), people["shopper"], "submitted",
                       set_key="physical-canned", answers=ANSWERS)
    db["users"].update(people["admin"], {"language": "pl"})
    page = login("admin").get(f"/review/visits/{visit}/correct?criterion=friendliness").text
    assert 'list="canned-reasons"' in page
    assert '<option value="Ocena nie zgadza się z komentarzem.">' in html.unescape(page)
