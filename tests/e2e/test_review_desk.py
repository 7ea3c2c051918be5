"""Browser tests of the reviewer's and scheduler's desk: a cancel asks first, names its visit,
and can be undone; the queue approves several visits at once."""

from __future__ import annotations

from conftest import make_store, make_visit
from playwright.sync_api import expect

from e2e.site_pages import log_in_as

ANSWERS = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}


def test_cancel_asks_first_names_the_visit_and_can_be_undone(open_page, shots, db, people):
    first = make_visit(db, make_store(db, "E2E-1"), people["shopper"], status="in_progress")
    make_visit(db, make_store(db, "E2E-2"), people["shopper2"])
    page = open_page("iphone_se")
    log_in_as(page, "admin")
    page.goto("/admin/visits")
    page.get_by_role("link", name="Cancel the visit to E2E-1 Store E2E-1 by shopper").click()
    expect(page.get_by_role("heading", name="Cancel this visit?")).to_be_visible()
    shots("asked-first", page)
    assert db["visits"].get(first)["status"] == "in_progress"  # nothing happened yet
    page.get_by_role("link", name="No, keep it").click()
    assert db["visits"].get(first)["status"] == "in_progress"

    page.get_by_role("link", name="Cancel the visit to E2E-1 Store E2E-1 by shopper").click()
    page.get_by_role("button", name="Yes, cancel the visit").click()
    undo = page.get_by_role("status")
    expect(undo).to_contain_text("The visit to E2E-1 Store E2E-1 is cancelled.")
    assert db["visits"].get(first)["status"] == "cancelled"
    shots("cancelled-with-undo", page)
    undo.get_by_role("button", name="Undo").click()
    expect(page.locator(".flash-success")).to_contain_text("Cancellation undone.")
    assert db["visits"].get(first)["status"] == "in_progress"


def test_queue_approves_the_ticked_visits_at_once(open_page, shots, db, people):
    visits = [make_visit(db, make_store(db, f"BULK-{i}"), people["shopper"], "submitted",
                         answers=ANSWERS) for i in range(3)]
    page = open_page("iphone_se")
    log_in_as(page, "admin")
    page.goto("/review/")
    for code in ("BULK-0", "BULK-2"):
        page.get_by_role("checkbox", name=f"Select the visit to {code} Store {code} by shopper"
                         ).check()
    page.get_by_role("button", name="Approve the selected visits").click()
    expect(page.locator(".flash-success")).to_contain_text("2 visits approved.")
    shots("approved-two", page)
    assert [db["visits"].get(v)["status"] for v in visits] == ["approved", "submitted",
                                                               "approved"]
