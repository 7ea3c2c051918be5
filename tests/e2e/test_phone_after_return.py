"""The same phone after the server moved on: a visit returned for correction is corrected and
sent again from the phone that sent it (a persistent browser profile keeps its storage)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import make_user
from playwright.sync_api import expect

from audit.visits.review import return_to_shopper
from e2e.conftest import ARGS, CHROMIUM
from e2e.site_pages import log_in_as
from e2e.test_field_pitfalls import RECORD, pitfall_visit  # noqa: F401 (a fixture)

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "phone-after-return"
PHONE_360 = {"viewport": {"width": 360, "height": 740}, "screen": {"width": 360, "height": 740},
             "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def open_phone(browser, live_server, tmp_path):
    """open_phone() -> a page of the same phone each time: its profile stays in tmp_path."""
    contexts = []

    def _open():
        if contexts:
            contexts.pop().close()  # the phone is switched off; its storage stays
        context = browser.browser_type.launch_persistent_context(
            str(tmp_path / "phone-profile"), executable_path=CHROMIUM, args=ARGS, headless=True,
            **PHONE_360, base_url=live_server.url, locale="en-GB",
            permissions=["geolocation"], service_workers="allow",
            geolocation={"latitude": 52.2301, "longitude": 21.0102, "accuracy": 15})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield _open
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    """A phone-sized screenshot of the flow, in test-output/phone-after-return/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_for_status(db, visit_id: int, status: str, seconds: float = 20) -> dict:
    """Poll until the visit has `status` (the phone sends on its own); the row."""
    deadline = time.monotonic() + seconds
    row = db["visits"].get(visit_id)
    while row["status"] != status and time.monotonic() < deadline:
        time.sleep(0.2)
        row = db["visits"].get(visit_id)
    return row


def answer_and_submit(page, visit_id: int, rating: str) -> None:
    """Both screens of the pitfall set, then Submit on the summary."""
    page.goto(f"/shopper/visits/{visit_id}/sections/1")
    page.locator("#q-greeted .choice span", has_text="Yes").click()
    if not page.locator("input[name='a-queue']").input_value():
        page.get_by_role("button", name="One more").click()
    page.locator(".nav-bar button.primary").click()
    page.wait_for_url("**/sections/2")
    page.locator("#q-friendly .choice span", has_text=rating).click()
    page.locator(".nav-bar button.primary").click()
    page.wait_for_url("**/summary")
    page.get_by_role("button", name="Submit").click()


def test_returned_visit_is_corrected_and_resent_from_the_phone_that_sent_it(
        open_phone, live_server, db, people, pitfall_visit):  # noqa: F811
    reviewer = make_user(db, "admin", "reviewer@example.com", reviewer=True)
    page = open_phone()
    log_in_as(page, "shopper")
    page.goto(f"/shopper/visits/{pitfall_visit}")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.get_by_role("button", name="Start visit").click()
    page.wait_for_url("**/sections/1")
    answer_and_submit(page, pitfall_visit, "4")
    expect(page.locator("[data-sync]")).to_have_text("✓ Sent", timeout=20_000)
    first = wait_for_status(db, pitfall_visit, "submitted")
    assert first["status"] == "submitted"

    # A reviewer returns it; the shopper picks the same phone up again later.
    return_to_shopper(db, pitfall_visit, reviewer, "Friendliness: please check again.")
    page = open_phone()
    log_in_as(page, "shopper")  # the session cookie went with the browser; the storage stayed
    page.goto("/shopper/")
    row = page.locator(f"[data-visit-row='{pitfall_visit}']")
    expect(row.locator(".badge.status-returned")).to_be_visible()
    expect(row.locator("[data-queue-badge]")).to_be_hidden()  # not "✓ Sent" next to "Returned"
    page.goto(f"/shopper/visits/{pitfall_visit}")
    expect(page.locator(".return-note")).to_contain_text("Friendliness: please check again.")
    expect(page.locator("[data-sync]")).not_to_have_text("✓ Sent")
    shot(page, "1-returned-visit-on-the-phone")
    record = page.evaluate(RECORD, [people["shopper"], pitfall_visit])
    assert record["state"] == "" and record["submit"] is None

    # The correction: a new rating, kept on the phone, then sent under a new id.
    answer_and_submit(page, pitfall_visit, "2")
    expect(page.locator("[data-sync]")).to_have_text("✓ Sent", timeout=20_000)
    again = wait_for_status(db, pitfall_visit, "submitted")
    assert again["status"] == "submitted"
    assert again["submission_uuid"] != first["submission_uuid"]
    answer = db.execute("SELECT value FROM answers WHERE visit_id = ? AND criterion_key = "
                        "'friendly'", [pitfall_visit]).fetchone()
    assert answer[0] == "2"
    shot(page, "2-returned-visit-after-correction")
    page.goto("/shopper/")
    row = page.locator(f"[data-visit-row='{pitfall_visit}']")
    expect(row.locator(".badge.status-submitted")).to_be_visible()
