"""What the phone says: ready for no signal, a visit it does not hold yet, and after a send the
summary and My visits that follow the server (a 360x740 phone in real Chromium)."""

from __future__ import annotations

import io

import pytest
from conftest import make_store
from PIL import Image
from playwright.sync_api import expect

from audit.criteria_sets.versions import add_set
from audit.visits.field import score_preview
from criteria import set_from_dict
from e2e.site_pages import log_in_as
from e2e.test_field_pitfalls import outbox_idle
from e2e.test_phone_after_return import PHONE_360, shot

PHOTO_SET = {
    "key": "words", "name": {"en": "Words"}, "channel": "physical",
    "sections": [
        {"key": "entry", "title": {"en": "Entry"}, "criteria": [
            {"key": "greeted", "type": "yes_no", "text": {"en": "Were you greeted?"}}]},
        {"key": "till", "title": {"en": "Till"}, "criteria": [
            {"key": "friendly", "type": "rating", "scale": 5, "text": {"en": "How friendly?"}},
            {"key": "receipt", "type": "photo", "required": False,
             "text": {"en": "Photo of the receipt"}}]},
    ],
}


def scheduled_visit(db, shopper: int, version: int, code: str) -> int:
    """A scheduled visit of the shopper at a store where the phone stands."""
    store = make_store(db, code, name=f"Store {code}")
    return db["visits"].insert({
        "store_id": store, "shopper_id": shopper, "status": "scheduled", "version_id": version,
        "window_start": "2026-01-01", "window_end": "2030-12-31", "flags": "[]",
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00"}).last_pk


@pytest.fixture
def two_visits(db, people):
    """Two scheduled visits of 'shopper' on a two-screen set with a photo."""
    version = add_set(db, set_from_dict(PHOTO_SET))
    return [scheduled_visit(db, people["shopper"], version, code) for code in ("W-1", "W-2")]


@pytest.fixture
def phone(browser, live_server, people):
    """A 360x740 touch phone at the store, logged in as 'shopper'."""
    context = browser.new_context(
        **PHONE_360, base_url=live_server.url, locale="en-GB", service_workers="allow",
        permissions=["geolocation"],
        geolocation={"latitude": 52.2301, "longitude": 21.0102, "accuracy": 15})
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in_as(page, "shopper")
    yield page
    context.close()


def receipt_jpeg() -> dict:
    """A small camera photo for set_input_files."""
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "khaki").save(out, "JPEG", quality=85)
    return {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_visit_page_says_it_is_ready_to_work_without_signal(phone, two_visits):
    phone.goto(f"/shopper/visits/{two_visits[0]}")
    phone.wait_for_selector("[data-field-app][data-offline='ready']")
    expect(phone.get_by_text("Ready to work without signal.")).to_be_visible()


def test_visit_never_opened_says_it_is_not_on_the_phone_when_tapped_without_signal(
        phone, live_server, two_visits):
    phone.goto("/shopper/")
    phone.wait_for_selector("[data-field-app][data-offline='ready']")  # My visits is kept
    live_server.stop()
    phone.get_by_role("link", name="Store W-2").click()
    phone.wait_for_url(f"**/shopper/visits/{two_visits[1]}")
    expect(phone.locator("[data-sync]")).to_have_text(
        "This visit is not on this phone yet. Open it once while you have signal; after that "
        "it works without signal too.")
    shot(phone, "4-visit-not-on-the-phone")


def test_after_a_send_the_summary_and_my_visits_show_what_the_server_holds(
        phone, live_server, db, two_visits):
    visit = two_visits[0]
    phone.goto("/shopper/")  # My visits is kept while the visit is still "Scheduled"
    phone.goto(f"/shopper/visits/{visit}")
    phone.wait_for_selector("[data-field-app][data-offline='ready']")
    phone.get_by_role("button", name="Start visit").click()
    phone.wait_for_url("**/sections/1")
    phone.locator("#q-greeted .choice span", has_text="Yes").click()
    phone.locator(".nav-bar button.primary").click()
    phone.wait_for_url("**/sections/2")
    outbox_idle(phone)

    # No signal: the rest of the visit, a photo and the submission wait on the phone.
    live_server.stop()
    phone.locator("#q-friendly .choice span", has_text="3").click()
    phone.locator("[data-photo-input='receipt']").set_input_files(receipt_jpeg())
    expect(phone.locator("[data-thumbs='receipt'] li")).to_have_count(1)
    phone.locator(".nav-bar button.primary").click()
    phone.wait_for_url("**/summary")
    phone.get_by_role("button", name="Submit").click()
    outbox_idle(phone)  # its first try found no server
    home = phone.context.new_page()
    home.goto("/shopper/")  # the kept copy: the visit still "Scheduled", "Waiting to be sent"

    live_server.start()
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(phone.locator("[data-sync]")).to_have_text("✓ Sent", timeout=20_000)
    assert db["visits"].get(visit)["status"] == "submitted"
    server_score = score_preview(db, visit).score
    card = phone.locator(".card", has_text="Score so far")
    expect(card.locator(".big-score")).to_have_text(f"{server_score:.1f}")
    expect(card).to_contain_text("1 photo")
    shot(phone, "3-summary-after-send")

    home.evaluate("() => window.dispatchEvent(new Event('online'))")
    row = home.locator(f"[data-visit-row='{visit}']")
    expect(row.locator("[data-queue-badge]")).to_have_text("✓ Sent")
    expect(row.locator(".badge.status-submitted")).to_have_text("Submitted")
    expect(row.locator(".badge.status-scheduled")).to_have_count(0)
    shot(home, "5-my-visits-after-send")


ONLINE_SET = {
    "key": "words-online", "name": {"en": "Words online"}, "channel": "online",
    "sections": [
        {"key": "site", "title": {"en": "Website"}, "criteria": [
            {"key": "found", "type": "yes_no", "text": {"en": "Did you find the product?"}}]},
        {"key": "contact", "title": {"en": "Contact"}, "criteria": [
            {"key": "email_answer", "type": "interval", "deadline": 259200,
             "steps": {"en": ["Question sent", "Answer received"]},
             "bands": [{"max": 14400, "points": 1}, {"points": 0}],
             "text": {"en": "How long did the shop take to answer your e-mail?"}}]},
    ],
}


def test_sending_an_online_visit_with_a_step_still_waiting_names_it_and_asks_first(
        phone, db, people):
    version = add_set(db, set_from_dict(ONLINE_SET))
    store = make_store(db, "WEB-W", channel="online")
    visit = scheduled_visit(db, people["shopper"], version, "unused")
    db["visits"].update(visit, {"store_id": store})
    phone.goto(f"/shopper/visits/{visit}")
    phone.get_by_role("button", name="Start visit").click()
    phone.wait_for_url("**/sections/1")
    phone.locator("#q-found .choice span", has_text="Yes").click()
    phone.locator(".nav-bar button.primary").click()
    phone.wait_for_url("**/sections/2")
    phone.locator("#q-email_answer").get_by_role("button", name="Now").first.click()
    phone.locator(".nav-bar button.primary").click()
    phone.wait_for_url("**/summary")

    card = phone.locator("[data-waiting-card]")
    expect(card).to_be_visible()
    expect(card.locator("li", has_text="How long did the shop take")).to_contain_text(
        "Waiting for “Answer received” until")
    shot(phone, "6-summary-with-a-step-waiting")

    dialogs = []

    def answer(dialog, accept: bool) -> None:
        dialogs.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    phone.once("dialog", lambda d: answer(d, accept=False))
    phone.get_by_role("button", name="Submit").click()
    phone.wait_for_timeout(500)
    assert dialogs == ["Still waiting for an answer: How long did the shop take to answer your "
                       "e-mail? (Answer received). Submitted now, these steps count as not "
                       "answered. Submit anyway?"]
    assert db["visits"].get(visit)["status"] == "in_progress"  # kept open
    expect(phone.get_by_role("button", name="Submit")).to_be_enabled()

    phone.once("dialog", lambda d: answer(d, accept=True))
    phone.get_by_role("button", name="Submit").click()
    expect(phone.locator("[data-sync]")).to_have_text("✓ Sent", timeout=20_000)
    assert db["visits"].get(visit)["status"] == "submitted"
