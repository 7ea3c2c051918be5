"""Admins schedule visits: one or many stores, the right channel, not the same shopper too soon."""

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import make_store, make_user, make_visit

from audit.errors import Conflict
from audit.visits.scheduling import (
    UNDO_MINUTES,
    RevisitConflict,
    VisitPlan,
    cancel,
    schedule_visits,
    undo_cancel,
)


def set_id(db, key):
    return db.execute("SELECT id FROM criteria_sets WHERE key = ?", [key]).fetchone()[0]


def form(db, people, stores, **extra):
    """A scheduling form for 'shopper' on the physical set in November 2026."""
    return {"set_id": set_id(db, "physical-store"), "store_ids": stores,
            "shopper_id": people["shopper"], "window_start": "2026-11-01",
            "window_end": "2026-11-15", **extra}


def test_admin_schedules_several_stores_at_once(login, db, people):
    stores = [make_store(db, f"B-{i}") for i in range(3)]
    response = login("admin").post("/admin/visits/new", form(db, people, stores))
    assert response.status_code == 302, response.text
    rows = list(db.query("SELECT * FROM visits ORDER BY store_id"))
    assert [r["store_id"] for r in rows] == stores
    assert {r["status"] for r in rows} == {"scheduled"}
    assert db["criteria_versions"].get(rows[0]["version_id"])["frozen"] == 1
    assert "B-1" in login("admin").get("/admin/visits").text


def test_shopper_sees_the_scheduled_visit(login, db, people):
    store = make_store(db, "SEEN-1")
    login("admin").post("/admin/visits/new", form(db, people, [store]))
    assert "Store SEEN-1" in login("shopper").get("/shopper/").text


def test_wrong_channel_is_refused_and_nothing_written(login, db, people):
    stores = [make_store(db, "P-1"), make_store(db, "W-1", channel="online")]
    response = login("admin").post("/admin/visits/new", form(db, people, stores))
    assert response.status_code == 422
    assert "This criteria set is for physical shops, and W-1 is not one." in response.text
    assert db["visits"].count == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"window_end": "2026-10-01"}, "The window cannot end before it starts."),
        ({"store_ids": []}, "Choose at least one store."),
    ],
)
def test_bad_schedule_input_is_shown(login, db, people, change, message):
    store = make_store(db, "Q-1")
    response = login("admin").post("/admin/visits/new", form(db, people, [store], **change))
    assert response.status_code == 422 and message in response.text
    assert db["visits"].count == 0


def test_same_shopper_same_store_too_soon_is_refused_with_reason(login, db, people):
    store = make_store(db, "R-1")
    make_visit(db, store, people["shopper"], status="submitted",
               started_at="2026-09-20T10:00:00+00:00")
    response = login("admin").post("/admin/visits/new", form(db, people, [store]))
    assert response.status_code == 422
    assert "visited (or will visit) R-1 on 2026-09-20" in response.text
    assert "override" in response.text
    assert db["visits"].count == 1


def test_revisit_refusal_cites_the_latest_visit_inside_the_lockout(app, db, people):
    store = make_store(db, "R-6")
    for day in ("2026-08-20", "2026-09-20", "2026-09-01"):
        make_visit(db, store, people["shopper"], status="submitted",
                   started_at=f"{day}T10:00:00+00:00")
    plan = VisitPlan([store], set_id(db, "physical-store"), people["shopper"],
                     date(2026, 11, 1), date(2026, 11, 2))
    with pytest.raises(RevisitConflict) as refused:
        schedule_visits(db, plan, created_by=people["admin"], revisit_days=90)
    assert "R-6 on 2026-09-20" in refused.value.reasons[0].english


def test_admin_can_override_the_revisit_rule(login, db, people):
    store = make_store(db, "R-2")
    make_visit(db, store, people["shopper"], status="submitted",
               started_at="2026-09-20T10:00:00+00:00")
    response = login("admin").post("/admin/visits/new",
                                   form(db, people, [store], override="y"))
    assert response.status_code == 302
    new = next(db.query("SELECT * FROM visits ORDER BY id DESC LIMIT 1"))
    assert "Revisit rule overridden" in new["schedule_note"]


def test_revisit_days_is_configurable(app, db, people):
    store = make_store(db, "R-3")
    make_visit(db, store, people["shopper"], status="submitted",
               started_at="2026-09-20T10:00:00+00:00")
    plan = VisitPlan([store], set_id(db, "physical-store"), people["shopper"],
                     date(2026, 11, 1), date(2026, 11, 2))
    with pytest.raises(RevisitConflict):
        schedule_visits(db, plan, created_by=people["admin"], revisit_days=90)
    assert len(schedule_visits(db, plan, created_by=people["admin"], revisit_days=30)) == 1


def test_another_shopper_may_go(login, db, people):
    store = make_store(db, "R-4")
    make_visit(db, store, people["shopper2"], status="submitted")
    assert login("admin").post("/admin/visits/new", form(db, people, [store])).status_code == 302


def test_cancelled_visit_does_not_count_for_revisits(login, db, people):
    store = make_store(db, "R-5")
    make_visit(db, store, people["shopper"], status="cancelled")
    assert login("admin").post("/admin/visits/new", form(db, people, [store])).status_code == 302


def test_reschedule_moves_a_visit_not_started(login, db, people):
    visit = make_visit(db, make_store(db, "M-1"), people["shopper"])
    response = login("admin").post(f"/admin/visits/{visit}", {
        "shopper_id": people["shopper2"], "window_start": "2026-12-01",
        "window_end": "2026-12-05"})
    assert response.status_code == 302
    row = db["visits"].get(visit)
    assert (row["shopper_id"], row["window_start"]) == (people["shopper2"], "2026-12-01")


def test_started_visit_cannot_be_moved(login, db, people):
    visit = make_visit(db, make_store(db, "M-2"), people["shopper"], status="in_progress")
    response = login("admin").post(f"/admin/visits/{visit}", {
        "shopper_id": people["shopper"], "window_start": "2026-12-01",
        "window_end": "2026-12-05"})
    assert response.status_code == 422
    assert "Only a visit that has not started can be moved." in response.text
    assert db["visits"].get(visit)["window_start"] == "2026-11-01"


def test_cancel_hides_the_visit_and_tells_its_shopper_it_was_cancelled(login, db, people):
    visit = make_visit(db, make_store(db, "C-1"), people["shopper"])
    assert login("admin").post(f"/admin/visits/{visit}/cancel").status_code == 302
    assert db["visits"].get(visit)["status"] == "cancelled"
    page = login("shopper").get(f"/shopper/visits/{visit}")
    assert page.status_code == 410 and "This visit was cancelled by the office." in page.text
    assert f"/shopper/visits/{visit}" not in login("shopper").get("/shopper/").text
    # Anyone else still finds nothing there.
    assert login("shopper2").get(f"/shopper/visits/{visit}").status_code == 404


def test_submitted_visit_cannot_be_cancelled(login, db, people):
    visit = make_visit(db, make_store(db, "C-2"), people["shopper"], status="submitted")
    login("admin").post(f"/admin/visits/{visit}/cancel")
    assert db["visits"].get(visit)["status"] == "submitted"


def test_inactive_or_non_shopper_is_refused(login, db, people):
    store = make_store(db, "I-1")
    manager = make_user(db, "manager", "m9@example.com")
    plan = VisitPlan([store], set_id(db, "physical-store"), manager, date(2026, 11, 1),
                     date(2026, 11, 2))
    from audit.errors import Invalid

    with pytest.raises(Invalid, match="Choose an active shopper.") as refused:
        schedule_visits(db, plan, created_by=people["admin"], revisit_days=90)
    assert refused.value.field == "shopper_id"


@pytest.mark.parametrize("path", ["", "/cancel"])
def test_unknown_visit_is_404_for_admins(login, path):
    client = login("admin")
    response = client.post(f"/admin/visits/999{path}") if path else client.get("/admin/visits/999")
    assert response.status_code == 404


def test_cancel_buttons_name_their_visit_and_lead_to_a_question_first(login, db, people):
    first = make_visit(db, make_store(db, "N-1"), people["shopper"], status="in_progress")
    make_visit(db, make_store(db, "N-2"), people["shopper2"])
    client = login("admin")
    page = html.unescape(client.get("/admin/visits").text)
    names = re.findall(r'aria-label="(Cancel the visit to [^"]+)"', page)
    assert sorted(names) == ["Cancel the visit to N-1 Store N-1 by shopper",
                             "Cancel the visit to N-2 Store N-2 by shopper2"]
    assert f'action="/admin/visits/{first}/cancel"' not in page  # no one-click cancel form
    question = client.get(f"/admin/visits/{first}/cancel")
    assert question.status_code == 200 and "Cancel this visit?" in question.text
    assert db["visits"].get(first)["status"] == "in_progress"


def test_cancel_can_be_undone_while_nothing_else_has_changed(login, db, people):
    visit = make_visit(db, make_store(db, "U-1"), people["shopper"], status="in_progress")
    client = login("admin")
    cancelled = client.post(f"/admin/visits/{visit}/cancel")
    assert cancelled.status_code == 302 and f"cancelled={visit}" in cancelled.location
    offer = client.get(cancelled.location).text
    assert f'action="/admin/visits/{visit}/undo-cancel"' in offer and "Undo" in offer
    assert client.post(f"/admin/visits/{visit}/undo-cancel").status_code == 302
    assert db["visits"].get(visit)["status"] == "in_progress"
    events = [(e["action"], e["from_status"], e["to_status"], e["actor_id"]) for e in
              db.query("SELECT * FROM visit_events WHERE visit_id = ? ORDER BY id", [visit])]
    assert events == [("cancel", "in_progress", "cancelled", people["admin"]),
                      ("resume", "cancelled", "in_progress", people["admin"])]


def test_undo_puts_a_scheduled_visit_back_to_scheduled(db, people):
    visit = make_visit(db, make_store(db, "U-2"), people["shopper"])
    cancel(db, visit, people["admin"])
    assert undo_cancel(db, visit, people["admin"]) == "scheduled"
    assert db["visits"].get(visit)["status"] == "scheduled"


def test_undo_is_refused_when_the_cancel_is_old_and_writes_nothing(db, people):
    visit = make_visit(db, make_store(db, "U-3"), people["shopper"])
    cancel(db, visit, people["admin"])
    later = datetime.now(UTC) + timedelta(minutes=UNDO_MINUTES + 1)
    with pytest.raises(Conflict, match="15 minutes"):
        undo_cancel(db, visit, people["admin"], at=later)
    assert db["visits"].get(visit)["status"] == "cancelled"
    assert db["visit_events"].count == 1


def test_undo_is_refused_once_the_visit_changed_after_the_cancel(login, db, people):
    visit = make_visit(db, make_store(db, "U-4"), people["shopper"])
    cancel(db, visit, people["admin"])
    undo_cancel(db, visit, people["admin"])
    cancel(db, visit, people["admin"])
    db["visit_log"].insert({"visit_id": visit, "at": "2999-01-01T00:00:00+00:00",
                            "action": "reschedule", "note": "later change"})
    response = login("admin").post(f"/admin/visits/{visit}/undo-cancel",
                                   follow_redirects=True)
    assert "can no longer be undone" in html.unescape(response.text)
    assert db["visits"].get(visit)["status"] == "cancelled"


def test_a_visit_never_cancelled_cannot_be_undone(db, people):
    visit = make_visit(db, make_store(db, "U-5"), people["shopper"])
    with pytest.raises(Conflict):
        undo_cancel(db, visit, people["admin"])
    assert db["visits"].get(visit)["status"] == "scheduled"
