"""A manager turns weak points into actions on a phone; a follow-up shopper sees only the mark."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import PASSWORD, make_store, make_user, make_visit

from audit.visits.scheduling import VisitPlan, schedule_visits

ACTION = "Brief the staff on greeting every customer"


@pytest.fixture
def weak_store(db):
    """A manager's store whose last published visit failed the greeting and friendliness."""
    manager = make_user(db, "manager", "marta@example.com", name="Marta")
    shopper = make_user(db, "shopper", "kasia@example.com", name="Kasia")
    store = make_store(db, "WAW-2", name="Warszawa Mokotów")
    db["store_managers"].insert({"store_id": store, "user_id": manager})
    day = date.today() - timedelta(days=20)
    make_visit(db, store, shopper, "published",
               answers={"greeted_on_entry": False, "served_at_all": True, "friendliness": 2},
               started_at=f"{day}T10:00:00+00:00")
    return {"store": store, "shopper": shopper}


def no_sideways_scroll(page) -> bool:
    """Whether the page fits the phone's width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_manager_creates_actions_from_weak_points(live_server, phone, shots, log_in, db,
                                                  weak_store):
    log_in(phone, "marta@example.com", PASSWORD)
    phone.goto(f"/manager/stores/{weak_store['store']}")
    weak = phone.locator(".weak-row", has_text="Did a staff member greet you?")
    weak.scroll_into_view_if_needed()
    shots("store-weak-points")
    assert no_sideways_scroll(phone)
    weak.get_by_role("link", name="Turn into action").click()
    phone.wait_for_load_state("domcontentloaded")
    assert phone.locator("select[name=criterion_key]").input_value() == "greeted_on_entry"

    phone.locator("main button[type=submit]").click()  # nothing typed yet
    phone.wait_for_load_state("domcontentloaded")
    assert phone.locator(".field.has-error .error").inner_text() == "Say what will be done."
    shots("empty-text-refused")

    phone.fill("textarea[name=text]", ACTION)
    phone.fill("input[name=owner]", "Anna (shift lead)")
    phone.locator("main button[type=submit]").click()
    phone.wait_for_load_state("domcontentloaded")
    assert "#actions" in phone.url
    assert phone.locator("#actions .action-row", has_text=ACTION).is_visible()
    shots("action-on-store-page")

    phone.locator(".weak-row", has_text="friendly").get_by_role(
        "link", name="Turn into action").click()
    phone.fill("textarea[name=text]", "Role-play difficult customers at the Monday meeting")
    phone.locator("main button[type=submit]").click()
    phone.wait_for_load_state("domcontentloaded")

    phone.goto("/manager/actions")
    assert phone.locator(".action-row").count() == 2
    assert no_sideways_scroll(phone)
    shots("my-actions")

    phone.locator(".action-row a", has_text=ACTION).click()
    phone.fill("textarea[name=note]", "Briefed both shifts on Monday")
    phone.get_by_role("button", name="Mark done").click()
    phone.wait_for_load_state("domcontentloaded")
    assert "awaiting verification" in phone.locator("main").inner_text()
    shots("marked-done")
    changes = [r["change"] for r in db.query("SELECT change FROM action_log ORDER BY id")]
    assert changes == ["create", "create", "done"]


def test_follow_up_shopper_sees_watch_mark_not_the_action(live_server, phone, shots, log_in, db,
                                                          weak_store, app):
    db["actions"].insert({"store_id": weak_store["store"], "criterion_key": "greeted_on_entry",
                          "text": ACTION, "owner": "Anna", "due_date": "2099-01-01",
                          "status": "open", "created_at": "2026-01-01T00:00:00+00:00",
                          "updated_at": "2026-01-01T00:00:00+00:00"})
    set_id = db.execute("SELECT id FROM criteria_sets WHERE key = 'physical-store'").fetchone()[0]
    with app.test_request_context():
        [visit] = schedule_visits(db, VisitPlan(
            [weak_store["store"]], set_id, weak_store["shopper"], date.today(),
            date.today() + timedelta(days=7), watch_keys=["greeted_on_entry"]),
            created_by=None, revisit_days=0, override=True)
    log_in(phone, "kasia@example.com", PASSWORD)
    phone.goto(f"/shopper/visits/{visit}/sections/1")
    badge = phone.locator("#q-greeted_on_entry .watch-badge")
    assert badge.inner_text() == "Watch closely"
    assert phone.locator(".watch-badge").count() == 1
    assert ACTION not in phone.content() and "Anna" not in phone.content()
    assert no_sideways_scroll(phone)
    shots("shopper-watch-closely")
