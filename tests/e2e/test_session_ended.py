"""A session ended on the server (an admin's "log out on every device", a new password) while
the shopper is mid-visit: the phone keeps the visit, the login page says why, and the visit is
sent after the next login (issue 25, item 1)."""

from __future__ import annotations

from conftest import PASSWORD
from playwright.sync_api import expect

from audit.sessions import end_user_sessions
from e2e.test_bad_input import answers, do_the_visit, shopper_phone, submits, tiny_visit

__all__ = ["shopper_phone", "tiny_visit"]  # fixtures, used by name


def test_session_ended_by_an_admin_mid_visit_loses_nothing(shopper_phone, shots, db, people,
                                                           tiny_visit):
    page = shopper_phone
    page.goto(f"/shopper/visits/{tiny_visit}")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    do_the_visit(page, tiny_visit)
    end_user_sessions(db, people["shopper"])  # the admin's button, or a new password
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Log in again to send what is saved on this phone.").wait_for(timeout=20_000)
    shots("session-ended-mid-visit", page)
    assert submits(db, tiny_visit) == 0

    page.goto("/login")
    expect(page.get_by_text("Your session has ended. Please log in again.")).to_be_visible()
    shots("session-ended-login-page", page)
    page.get_by_label("E-mail").fill("shopper@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/shopper/")
    row = page.locator(f"[data-visit-row='{tiny_visit}']")
    expect(row.locator("[data-queue-badge]")).to_have_text("✓ Sent", timeout=20_000)
    assert submits(db, tiny_visit) == 1
    assert answers(db, tiny_visit) == {"greeted": "true", "queue": "1", "friendly": "4"}
