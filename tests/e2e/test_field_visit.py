"""A whole visit on a phone in real Chromium: stopwatch, counter, photo, offline, sent once."""

import io
import json
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from audit.criteria_sets.versions import current_version_id
from audit.users import create_user

PASSWORD = "correct-horse-battery"
PAGE_BUDGET = 100 * 1024


@pytest.fixture
def field_visit(db):
    """'kasia' with one scheduled visit to a physical store at 52.23, 21.01."""
    create_user(db, email="kasia@example.com", name="Kasia", role="shopper", password=PASSWORD)
    shopper = db.execute("SELECT id FROM users WHERE email = 'kasia@example.com'").fetchone()[0]
    store = db["stores"].insert({
        "code": "WAW-1", "name": "Warszawa Centrum", "channel": "physical", "region": "Maz",
        "address": "ul. Marszałkowska 1, Warszawa", "latitude": 52.23, "longitude": 21.01,
        "archived": 0, "created_at": "2026-01-01T00:00:00+00:00"}).last_pk
    return db["visits"].insert({
        "store_id": store, "shopper_id": shopper, "status": "scheduled",
        "version_id": current_version_id(db, "physical-store"), "window_start": "2026-01-01",
        "window_end": "2030-12-31", "flags": "[]", "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00"}).last_pk


def price_tag_jpeg() -> dict:
    """A 3000x2000 'camera' photo, for set_input_files."""
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), "khaki").save(out, "JPEG", quality=90)
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def answer_rest(page) -> None:
    """Answer every required question on this screen that is still empty; an answer may open
    more questions (show_if), so look again until none is left."""
    for _ in range(3):
        for q in page.locator("fieldset.q[data-required]:visible").all():
            kind = q.get_attribute("data-type")
            if kind in ("yes_no", "choice", "rating", "multi_choice"):
                if q.locator("input:is([type=radio], [type=checkbox]):checked").count() == 0:
                    q.locator(".choice span").nth(3 if kind == "rating" else 0).click()
            elif kind == "count" and not q.locator("input[type=number]").input_value():
                q.locator("[data-step='1']").click()
            elif kind == "duration" and not q.locator("input[name$='-min']").input_value():
                q.locator("input[name$='-min']").fill("1")


def next_screen(page) -> None:
    page.locator(".nav-bar button.primary").click()
    page.wait_for_load_state("domcontentloaded")


def test_whole_visit_offline_submit_is_sent_once(live_server, phone, phone_context, shots,
                                                 field_visit, db, log_in):
    hosts, sizes = set(), {}
    phone.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    phone.on("response", lambda r: sizes.__setitem__(r.url, len(r.body()))
             if r.ok and r.request.resource_type in ("document", "stylesheet", "script") else None)

    log_in(phone, "kasia@example.com", PASSWORD)
    phone.get_by_role("heading", name="My visits").wait_for()
    shots("my-visits")

    phone.get_by_role("link", name="Warszawa Centrum").click()
    phone.wait_for_selector("[data-field-app][data-offline='ready']")  # pages kept for offline
    shots("visit-ready-offline")

    phone.get_by_role("button", name="Start visit").click()
    phone.wait_for_url("**/sections/1")
    sizes.clear()
    phone.reload()
    phone.wait_for_load_state("networkidle")
    assert sum(sizes.values()) < PAGE_BUDGET, sizes

    # Section 1: the stopwatch times how long until someone offered help.
    watch = phone.locator("#q-time_to_approach")
    watch.get_by_role("button", name="Start").click()
    time.sleep(2.3)
    shots("stopwatch-running")
    watch.get_by_role("button", name="Stop").click()
    waited = int(watch.locator("input[name$='-sec']").input_value())
    assert 2 <= waited <= 4 and watch.locator("input[name$='-min']").input_value() == "0"
    phone.locator("#q-greeted_on_entry .choice span", has_text="Yes").click()
    answer_rest(phone)
    shots("section-1-answered")
    next_screen(phone)

    # Section 2: count the queue with +/-; mark the extra till N/A.
    queue = phone.locator("#q-queue_length")
    for _ in range(3):
        queue.get_by_role("button", name="One more").click()
    queue.get_by_role("button", name="One less").click()
    assert queue.locator("input").input_value() == "2"
    phone.locator("input[name='na-extra_till_opened']").check()
    phone.locator("input[name='a-till_wait-min']").fill("3")
    answer_rest(phone)
    shots("section-2-counter")
    next_screen(phone)

    # Reload in the middle of a screen: what was typed is still there.
    phone.locator("#q-needs_asked .choice span", has_text="No").click()
    phone.reload()
    assert phone.locator("input[name='a-needs_asked'][value='no']").is_checked()
    answer_rest(phone)
    next_screen(phone)
    answer_rest(phone)
    next_screen(phone)

    # Section 5: a comment and a photo of the price tag, then the signal goes.
    prices = phone.locator("#q-prices_labelled")
    prices.locator("summary", has_text="Comment").click()
    prices.locator("textarea").fill("Tag on shelf 3 was hand-written.")
    phone.locator("[data-photo-input='price_tag_photo']").set_input_files(price_tag_jpeg())
    phone.locator("[data-thumbs='price_tag_photo'] li").wait_for()
    answer_rest(phone)
    live_server.stop()
    phone_context.set_offline(True)
    shots("section-5-photo-offline")
    next_screen(phone)

    # Section 6 and the summary come from the phone.
    answer_rest(phone)
    phone.locator("#q-would_return .choice span", has_text="5").click()
    shots("section-6-offline")
    next_screen(phone)
    phone.wait_for_url("**/summary")
    # The summary counts what is missing from the phone's own store (IndexedDB): asynchronously.
    expect(phone.locator("[data-all-done]")).to_be_visible()
    phone.get_by_role("button", name="I have left: end the visit").click()
    submit = phone.get_by_role("button", name="Submit")
    submit.click()
    submit.click(force=True)  # an impatient double tap
    phone.get_by_text("Saved on this phone. It will be sent").wait_for()
    shots("submitted-offline")
    assert db["visits"].get(field_visit)["status"] == "in_progress"

    # A reload with no signal keeps the queued submission.
    phone.reload()
    phone.get_by_text("Saved on this phone. It will be sent").wait_for()

    # Signal back: sent once, and the shopper sees "Sent".
    live_server.start()
    phone_context.set_offline(False)
    phone.get_by_text("✓ Sent").wait_for(timeout=30_000)
    shots("sent")
    phone.goto("/shopper/")
    phone.locator("[data-visit-row] .badge", has_text="Submitted").wait_for()
    shots("my-visits-after")

    visit = db["visits"].get(field_visit)
    assert db["visits"].count_where("status = 'submitted'") == 1
    assert visit["status"] == "submitted" and visit["submission_uuid"]
    assert db["visit_events"].count_where("action = 'submit'") == 1
    assert visit["started_at"] and visit["ended_at"]
    assert visit["start_distance_m"] < 100 and visit["start_accuracy"] == 20
    assert json.loads(visit["flags"]) == []
    answers = {r["criterion_key"]: r for r in db.query(
        "SELECT * FROM answers WHERE visit_id = ?", [field_visit])}
    assert answers["time_to_approach"]["value"] == str(waited)
    assert answers["queue_length"]["value"] == "2"
    assert answers["extra_till_opened"]["na"] == 1
    assert answers["till_wait"]["value"] == "180"
    assert answers["needs_asked"]["value"] == "false"
    assert answers["would_return"]["value"] == "5"
    assert answers["prices_labelled"]["comment"] == "Tag on shelf 3 was hand-written."
    photos = list(db.query("SELECT * FROM photos WHERE visit_id = ?", [field_visit]))
    assert [(p["criterion_key"], max(p["width"], p["height"])) for p in photos] == [
        ("price_tag_photo", 1600)]
    assert hosts == {f"127.0.0.1:{live_server.port}"}
