"""The outbox and the consumer that fills it: one message per (event, kind, recipient), replays
add nothing, claims are leases, failures back off."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import make_store, make_user, make_visit

from audit import outbox
from audit.errors import Conflict
from audit.notifications import preferences
from audit.notifications.visit_events import consume, consume_all
from audit.visits import review, scheduling


def _approved(db, store_id, shopper_id, **extra):
    """A visit waiting to be published."""
    return make_visit(db, store_id, shopper_id, status="approved", score=91.0, passed=1, **extra)


@pytest.fixture
def store(db, people):
    """A store with 'manager' as its manager, plus a region manager of its region."""
    store_id = make_store(db, "OUT-1", region="North")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    regional = make_user(db, "manager", "regional@example.com")
    db["region_managers"].insert({"region": "North", "user_id": regional})
    return {"id": store_id, "regional": regional}


def _messages(db, kind=None):
    rows = list(db.query("SELECT * FROM outbox ORDER BY id"))
    return [r for r in rows if kind is None or r["kind"] == kind]


def test_publishing_a_visit_writes_one_message_per_manager_of_its_store(db, people, store):
    visit_id = _approved(db, store["id"], people["shopper"])
    review.publish(db, visit_id, people["admin"])
    assert consume_all(db) == 1
    published = _messages(db, "visit_published")
    assert sorted(m["recipient_id"] for m in published) == sorted(
        [people["manager"], store["regional"]])
    assert people["manager2"] not in [m["recipient_id"] for m in _messages(db)]
    assert not _messages(db, "visit_alert")  # 91 is above the pass mark, nothing knocked out


def test_a_replayed_event_adds_no_message_twice(db, people, store):
    visit_id = _approved(db, store["id"], people["shopper"])
    review.publish(db, visit_id, people["admin"])
    consume_all(db)
    before = len(_messages(db))
    # The cursor moves in the transaction that wrote the messages; set it back to replay the
    # same events, as a consumer that lost its cursor would.
    db.execute("UPDATE event_cursors SET last_id = 0 WHERE consumer = 'outbox'")
    db.conn.commit()
    assert consume_all(db) >= 1
    assert len(_messages(db)) == before


def test_messages_and_cursor_commit_together(db, people, store, monkeypatch):
    visit_id = _approved(db, store["id"], people["shopper"])
    review.publish(db, visit_id, people["admin"])
    calls = []

    def crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return real(*args, **kwargs)

    real = outbox.add
    monkeypatch.setattr(outbox, "add", crash)
    with pytest.raises(RuntimeError):
        consume(db)
    assert _messages(db) == [] and outbox.cursor(db, "outbox") == 0
    monkeypatch.setattr(outbox, "add", real)
    consume_all(db)
    assert len(_messages(db, "visit_published")) == 2


def test_a_knocked_out_or_low_visit_alerts_its_managers(db, people, store):
    low = make_visit(db, store["id"], people["shopper"], status="approved", score=50.0, passed=0)
    knocked = make_visit(db, store["id"], people["shopper"], status="approved", score=95.0,
                         passed=0, knocked_out=1)
    for visit_id in (low, knocked):
        review.publish(db, visit_id, people["admin"])
    consume_all(db)
    alerts = _messages(db, "visit_alert")
    assert len(alerts) == 4
    mine = [json.loads(m["payload"]) for m in alerts if m["recipient_id"] == people["manager"]]
    assert sorted(mine, key=lambda p: p["visit_id"]) == [
        {"knocked_out": False, "score": 50.0, "store_id": store["id"], "threshold": 80.0,
         "visit_id": low},
        {"knocked_out": True, "score": 95.0, "store_id": store["id"], "threshold": 80.0,
         "visit_id": knocked}]


def test_returning_a_visit_tells_its_shopper_the_note_and_deadline(db, people, store):
    visit_id = make_visit(db, store["id"], people["shopper"], status="submitted")
    review.return_to_shopper(db, visit_id, people["admin"], "Add the receipt photo")
    consume_all(db)
    (message,) = _messages(db, "visit_returned")
    assert message["recipient_id"] == people["shopper"]
    assert "Add the receipt photo" in message["payload"] and "2026-11-30" in message["payload"]


def test_scheduling_and_rescheduling_tell_the_shoppers(db, people, store):
    set_id = db.execute("SELECT id FROM criteria_sets WHERE key = 'physical-store'").fetchone()[0]
    plan = scheduling.VisitPlan(set_id=set_id, shopper_id=people["shopper"],
                                store_ids=[store["id"]], window_start=date(2099, 1, 1),
                                window_end=date(2099, 1, 31))
    (visit_id,) = scheduling.schedule_visits(db, plan, created_by=people["admin"],
                                             revisit_days=0)
    assert [m["recipient_id"] for m in _messages(db, "visit_assigned")] == [people["shopper"]]
    scheduling.reschedule(db, visit_id, shopper_id=people["shopper"],
                          window_start=date(2099, 2, 1), window_end=date(2099, 2, 28),
                          revisit_days=0)
    assert [m["recipient_id"] for m in _messages(db, "visit_rescheduled")] == [people["shopper"]]
    scheduling.reschedule(db, visit_id, shopper_id=people["shopper2"],
                          window_start=date(2099, 2, 1), window_end=date(2099, 2, 28),
                          revisit_days=0)
    assert [m["recipient_id"] for m in _messages(db, "visit_cancelled")] == [people["shopper"]]
    assert [m["recipient_id"] for m in _messages(db, "visit_assigned")] == [
        people["shopper"], people["shopper2"]]


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(db, people):
    outbox.add(db, channel="email", kind="visit_assigned", recipient_id=people["shopper"],
               key="k1")
    db.conn.commit()
    at = datetime.now(UTC)
    assert len(outbox.claim_due(db, "email", at=at)) == 1
    assert outbox.claim_due(db, "email", at=at + timedelta(seconds=10)) == []
    later = at + timedelta(seconds=outbox.LEASE_SECONDS + 1)
    (again,) = outbox.claim_due(db, "email", at=later)
    assert again["attempts"] == 2


def test_failures_back_off_and_end_as_failed(db, people):
    outbox.add(db, channel="email", kind="visit_assigned", recipient_id=people["shopper"],
               key="k1")
    db.conn.commit()
    at = datetime.now(UTC)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        (message,) = outbox.claim_due(db, "email", at=at)
        status = outbox.mark_retry(db, message["id"], "421 busy", at=at)
        at += timedelta(seconds=outbox.retry_delay(attempt))
        assert status == ("failed" if attempt == outbox.MAX_ATTEMPTS else "waiting")
    row = db["outbox"].get(message["id"])
    assert row["status"] == "failed" and row["last_error"] == "421 busy"
    assert [outbox.retry_delay(n) for n in (1, 2, 3, 20)] == [30, 60, 120, 3600]


def test_resend_queues_a_failed_message_again_and_refuses_a_waiting_one(db, people):
    outbox.add(db, channel="email", kind="visit_assigned", recipient_id=people["shopper"],
               key="k1")
    db.conn.commit()
    (message,) = outbox.claim_due(db, "email")
    with pytest.raises(Conflict):
        outbox.resend(db, message["id"])
    outbox.mark_failed(db, message["id"], "550 no such user")
    outbox.resend(db, message["id"])
    row = db["outbox"].get(message["id"])
    assert (row["status"], row["attempts"]) == ("waiting", 0)


def test_preferences_keep_only_the_chosen_kinds(db, people):
    preferences.choose(db, people["manager"], "manager", {"visit_alert"})
    assert preferences.turned_off(db, people["manager"]) == {
        "visit_published", "action_due", "action_overdue", "monthly_reports"}
    preferences.unsubscribe(db, people["manager"], "visit_alert")
    preferences.unsubscribe(db, people["manager"], "visit_alert")
    assert not preferences.wants(db, people["manager"], "visit_alert")


def test_upgrading_starts_the_cursor_at_the_newest_event(tmp_path):
    """An existing database does not mail its whole history when the outbox arrives."""
    from audit.storage.db import open_db
    from audit.storage.migrations import migrations

    db = open_db(tmp_path / "old.db")
    migrations.apply(db, stop_before="m018_outbox")
    db.execute("PRAGMA foreign_keys = OFF")  # an event is all this needs, not a whole visit
    for event_id in (7, 9):
        db.execute("INSERT INTO visit_events (id, visit_id, action, from_status, to_status, at)"
                   " VALUES (?, 1, 'publish', 'approved', 'published', 'x')", [event_id])
    db.conn.commit()
    migrations.apply(db)
    assert outbox.cursor(db, "outbox") == 9
    assert consume_all(db) == 0


def test_alert_below_in_the_set_moves_the_alert_threshold(db, people, store):
    """A set with alert_below: 60 (pass mark 80) alerts at 55, not at 70."""
    import dataclasses

    from audit.criteria_sets.versions import current_version_id, import_set, version_set

    base = version_set(db, current_version_id(db, "physical-store"))
    import_set(db, dataclasses.replace(base, key="lenient-store", alert_below=60.0))
    for score in (70.0, 55.0):
        visit_id = make_visit(db, store["id"], people["shopper"], status="approved",
                              set_key="lenient-store", score=score, passed=0)
        review.publish(db, visit_id, people["admin"])
    consume_all(db)
    alerts = [json.loads(m["payload"]) for m in _messages(db, "visit_alert")]
    assert {a["score"] for a in alerts} == {55.0}
    assert {a["threshold"] for a in alerts} == {60.0}
