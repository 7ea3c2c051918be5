"""The visit lifecycle: one table of moves, each a compare-and-set that leaves one event row."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import make_store, make_visit

from audit.criteria_sets.versions import current_version_id, version_set
from audit.errors import Conflict, NotFound
from audit.storage.db import open_db
from audit.visits import review as review_flow
from audit.visits.field import submit_visit
from audit.visits.lifecycle import ACTIONS, MOVES, Actor, move, starts, target, who_may
from audit.visits.scheduling import cancel, reschedule
from audit.vocabulary import VisitStatus

# The schema does not take "unpublished" yet: no move leads there.
ALL = [s for s in VisitStatus if s != VisitStatus.UNPUBLISHED]
CASES = [(action, status) for action in ACTIONS for status in ALL]


def events_of(db, visit_id):
    """The visit's event rows, oldest first."""
    return list(db.query("SELECT * FROM visit_events WHERE visit_id = ? ORDER BY id", [visit_id]))


@pytest.fixture
def store(db):
    return make_store(db, "LIFE-1")


def test_table_lists_todays_moves_and_who_may_make_them():
    assert {(str(f), a): str(to) for (f, a), (to, _who) in MOVES.items()} == {
        ("scheduled", "start"): "in_progress",
        ("in_progress", "submit"): "submitted", ("returned", "submit"): "submitted",
        ("submitted", "approve"): "approved",
        ("submitted", "return"): "returned", ("approved", "return"): "returned",
        ("approved", "publish"): "published",
        ("scheduled", "cancel"): "cancelled", ("in_progress", "cancel"): "cancelled",
        ("cancelled", "restore"): "scheduled", ("cancelled", "resume"): "in_progress",
    }
    assert who_may("submit") == {Actor.SHOPPER} and who_may("cancel") == {Actor.ADMIN}
    assert who_may("publish") == {Actor.REVIEWER}
    assert who_may("restore") == who_may("resume") == {Actor.ADMIN}


@pytest.mark.parametrize(("action", "status"), CASES)
def test_each_move_works_from_its_starts_and_is_refused_from_every_other(
        db, people, store, action, status):
    visit_id = make_visit(db, store, people["shopper"], str(status))
    before = db["visits"].get(visit_id)
    if status in starts(action):
        assert move(db, visit_id, action, actor_id=people["admin"]) == status
        assert db["visits"].get(visit_id)["status"] == target(action)
        assert len(events_of(db, visit_id)) == 1
    else:
        with pytest.raises(Conflict) as refused:
            move(db, visit_id, action, actor_id=people["admin"])
        assert refused.value.code == "status_changed"
        assert db["visits"].get(visit_id) == before
        assert events_of(db, visit_id) == []


def test_a_move_writes_one_event_with_from_to_actor_time_and_params(db, people, store):
    visit_id = make_visit(db, store, people["shopper"], "submitted")
    move(db, visit_id, "return", actor_id=people["admin"], params={"note": "Add a photo."},
         sets={"return_note": "Add a photo."})
    (event,) = events_of(db, visit_id)
    assert (event["action"], event["from_status"], event["to_status"], event["actor_id"]) == (
        "return", "submitted", "returned", people["admin"])
    assert event["at"] and json.loads(event["params"]) == {"note": "Add a photo."}
    assert db["visits"].get(visit_id)["return_note"] == "Add a photo."


def test_moving_a_visit_that_does_not_exist_is_not_found(db, people):
    with pytest.raises(NotFound):
        move(db, 999, "approve", actor_id=people["admin"])
    assert db["visit_events"].count == 0


def test_a_failed_set_rolls_back_the_event_too(db, people, store):
    taken = make_visit(db, store, people["shopper"], "submitted", submission_uuid="u-1")
    visit_id = make_visit(db, store, people["shopper"], "in_progress")
    with pytest.raises(Exception, match="UNIQUE"):
        move(db, visit_id, "submit", actor_id=people["shopper"], sets={"submission_uuid": "u-1"})
    assert db["visits"].get(visit_id)["status"] == "in_progress"
    assert events_of(db, visit_id) == [] and events_of(db, taken) == []


# ---------------------------------------------------------------- races on one real file


def complete_answers(db):
    """A valid answer to every criterion of the physical set that takes one (photos aside)."""
    cs = version_set(db, current_version_id(db, "physical-store"))
    plain = {"yes_no": True, "rating": 4, "count": 2, "number": 3, "text": "Fine.",
             "duration": 90, "amount": 42.5, "nps": 9}
    answers = {}
    for c in cs.criteria():
        if c.channel not in ("any", "physical"):
            continue
        if c.type == "choice":
            answers[c.key] = c.options[0].key
        elif c.type == "multi_choice":
            answers[c.key] = [c.options[0].key]
        elif c.type in plain:
            answers[c.key] = plain[c.type]
    return answers


def race(first, second_action):
    """Run second_action on another connection just as `first`'s connection begins to write.

    The other connection skips this process's writer lock, as another worker process would.
    """
    fired = []

    def before_begin(statement: str) -> None:
        if statement.startswith("BEGIN") and not fired:
            fired.append(True)
            second_action()

    first.conn.set_trace_callback(before_begin)
    return fired


@pytest.fixture
def other(app):
    """A second connection to the same SQLite file, as another worker process has."""
    database = open_db(app.config["DATABASE"])
    database.writers = None
    yield database
    database.close()


def test_cancel_loses_to_a_submit_that_lands_first(app, db, other, people, store):
    visit_id = make_visit(db, store, people["shopper"], "in_progress",
                          answers=complete_answers(db))
    fired = race(db, lambda: submit_visit(other, visit_id, submission_uuid=UUID, entries=[],
                                          photo_ids=[], user_id=people["shopper"]))
    with app.app_context(), pytest.raises(Conflict):
        cancel(db, visit_id, people["admin"])
    db.conn.set_trace_callback(None)
    assert fired
    assert db["visits"].get(visit_id)["status"] == "submitted"
    assert [e["action"] for e in events_of(db, visit_id)] == ["submit"]


UUID = "0f4e8a57-6f26-4c36-9a8e-3b2f1f0e9d11"


def test_two_reviewers_approving_at_once_one_wins_the_other_gets_conflict(
        db, other, people, store):
    visit_id = make_visit(db, store, people["shopper"], "submitted")
    fired = race(db, lambda: review_flow.approve(other, visit_id, people["admin"]))
    with pytest.raises(Conflict):
        review_flow.approve(db, visit_id, people["plain_admin"])
    db.conn.set_trace_callback(None)
    assert fired
    assert [(e["action"], e["actor_id"]) for e in events_of(db, visit_id)] == [
        ("approve", people["admin"])]


def test_reschedule_of_a_visit_started_meanwhile_is_refused(db, other, people, store):
    visit_id = make_visit(db, store, people["shopper"], "scheduled")
    fired = race(db, lambda: move(other, visit_id, "start", actor_id=people["shopper"]))
    with pytest.raises(Conflict) as refused:
        reschedule(db, visit_id, shopper_id=people["shopper2"], window_start=date(2027, 1, 4),
                   window_end=date(2027, 1, 8), revisit_days=0)
    db.conn.set_trace_callback(None)
    assert fired and refused.value.field == "window_start"
    row = db["visits"].get(visit_id)
    assert (row["status"], row["shopper_id"], row["window_start"]) == (
        "in_progress", people["shopper"], "2026-11-01")
    assert db["visit_log"].count_where("action = 'reschedule'") == 0


def test_reschedule_leaves_a_log_row(db, people, store):
    visit_id = make_visit(db, store, people["shopper"], "scheduled")
    reschedule(db, visit_id, shopper_id=people["shopper2"], window_start=date(2027, 1, 4),
               window_end=date(2027, 1, 8), revisit_days=0)
    assert db["visits"].get(visit_id)["shopper_id"] == people["shopper2"]
    assert db["visit_log"].count_where("action = 'reschedule' AND visit_id = ?", [visit_id]) == 1


# ---------------------------------------------------------------- m010's backfill


def test_m010_moves_logged_status_changes_to_events_and_keeps_answer_changes(tmp_path):
    from audit.storage.migrations import migrations

    db = open_db(tmp_path / "old.db")
    migrations.apply(db, stop_before="m010_visit_events")
    db["users"].insert({"id": 1, "email": "r@example.com", "name": "R", "password_hash": "x",
                        "role": "admin", "created_at": "2026-01-01"})
    db["stores"].insert({"id": 1, "code": "S", "name": "S", "channel": "physical",
                         "region": "N", "created_at": "2026-01-01"})
    db["criteria_sets"].insert({"id": 1, "key": "k", "name": "{}", "channel": "physical",
                                "created_at": "2026-01-01"})
    db["criteria_versions"].insert({"id": 1, "set_id": 1, "number": 1, "definition": "{}",
                                    "status": "published", "created_at": "2026-01-01"})
    db["visits"].insert({"id": 1, "store_id": 1, "shopper_id": 1, "version_id": 1,
                         "status": "approved", "window_start": "2026-11-01",
                         "window_end": "2026-11-02", "created_at": "2026-01-01",
                         "updated_at": "2026-01-01"})
    db["visit_log"].insert_all([
        {"visit_id": 1, "user_id": 1, "at": "2026-11-01T10:00:00", "action": "start"},
        {"visit_id": 1, "user_id": 1, "at": "2026-11-01T10:30:00", "action": "submit",
         "note": UUID},
        {"visit_id": 1, "user_id": 1, "at": "2026-11-02T09:00:00", "action": "correct",
         "criterion_key": "greeted", "old_value": "{}", "new_value": "{}"},
        {"visit_id": 1, "user_id": 1, "at": "2026-11-02T10:00:00", "action": "approve",
         "old_value": "submitted", "new_value": "approved"},
    ])
    migrations.apply(db)
    moved = [(e["action"], e["from_status"], e["to_status"], e["actor_id"],
              e["params"] and json.loads(e["params"])) for e in events_of(db, 1)]
    assert moved == [("start", "scheduled", "in_progress", 1, None),
                     ("submit", "in_progress", "submitted", 1, {"uuid": UUID}),
                     ("approve", "submitted", "approved", 1, None)]
    assert [r["action"] for r in db.query("SELECT action FROM visit_log")] == ["correct"]
    db.close()
