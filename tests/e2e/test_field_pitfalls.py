"""Ways a shopper could lose a visit or be misled: logging out with unsent work, a new app
version, and a slow network that shows My visits from the phone's cache."""

from __future__ import annotations

import time

import pytest
from conftest import make_store
from flask import request
from playwright.sync_api import expect

from audit.criteria_sets.versions import add_set
from criteria import set_from_dict
from e2e.site_pages import log_in_as
from e2e.slow_server import slow_once

PITFALL_SET = {
    "key": "pitfalls", "name": {"en": "Pitfalls"}, "channel": "physical",
    "sections": [
        {"key": "entry", "title": {"en": "Entry"}, "criteria": [
            {"key": "greeted", "type": "yes_no", "text": {"en": "Were you greeted?"}},
            {"key": "queue", "type": "count", "text": {"en": "How many in the queue?"},
             "bands": [{"max": 2, "points": 1}, {"points": 0}]}]},
        {"key": "till", "title": {"en": "Till"}, "criteria": [
            {"key": "friendly", "type": "rating", "scale": 5, "text": {"en": "How friendly?"}}]},
    ],
}

# What the page's own storage holds for a visit (static/js/store.js).
RECORD = "([uid, vid]) => JSON.parse(localStorage.getItem(`audit:visit:${uid}:${vid}`))"
CACHES = "() => caches.keys()"
STYLED = ("() => [...document.styleSheets].some((s) => (s.href || '').endsWith('/app.css')"
          " && s.cssRules.length > 0)")


@pytest.fixture
def pitfall_visit(db, people):
    """A scheduled visit of 'shopper' on a two-screen set, at the store where the phone stands."""
    version = add_set(db, set_from_dict(PITFALL_SET))
    store = make_store(db, "PIT-1", name="Pitfall Store")
    return db["visits"].insert({
        "store_id": store, "shopper_id": people["shopper"], "status": "scheduled",
        "version_id": version, "window_start": "2026-01-01", "window_end": "2030-12-31",
        "flags": "[]", "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00"}).last_pk


@pytest.fixture
def shopper_phone(open_page, people):
    """A Pixel 7 in the shop, logged in as 'shopper'."""
    page = open_page("pixel7", permissions=["geolocation"],
                     geolocation={"latitude": 52.2301, "longitude": 21.0102, "accuracy": 15})
    log_in_as(page, "shopper")
    return page


def answers(db, visit_id: int) -> dict:
    return {r["criterion_key"]: r["value"] for r in db.query(
        "SELECT criterion_key, value FROM answers WHERE visit_id = ?", [visit_id])}


def wait_for_answers(db, visit_id: int, expected: dict, seconds: float = 25) -> dict:
    """Poll the database until the visit's answers are `expected` (the phone sends on its own)."""
    deadline = time.monotonic() + seconds
    while (got := answers(db, visit_id)) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return got


def start_visit(page, visit_id: int) -> None:
    """Open the visit, wait until its pages are kept for offline use, start it: screen 1."""
    page.goto(f"/shopper/visits/{visit_id}")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.get_by_role("button", name="Start visit").click()
    page.wait_for_url("**/sections/1")


def wait_until(page, predicate: str, seconds: float = 10) -> None:
    """Poll an async predicate in the page until it holds.

    Not page.wait_for_function: it takes the promise an async function returns for a truthy
    value and returns at once, without waiting (microsoft/playwright#29132).
    """
    deadline = time.monotonic() + seconds
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {predicate}"
        page.wait_for_timeout(100)


def outbox_idle(page) -> None:
    """Wait until no outbox round (static/js/sync.js flush, under the 'audit-outbox' lock) runs."""
    wait_until(page, """async () => {
        const { held, pending } = await navigator.locks.query();
        return ![...held, ...pending].some((l) => l.name === 'audit-outbox');
    }""")


def test_logout_warns_and_keeps_unsent_work(shopper_phone, live_server, shots, db, people,
                                            pitfall_visit):
    page = shopper_phone
    start_visit(page, pitfall_visit)
    uid_vid = [people["shopper"], pitfall_visit]
    assert answers(db, pitfall_visit) == {}

    # The signal goes (navigator.onLine stays true, so no `online` event sends behind our back).
    live_server.stop()
    page.locator("#q-greeted .choice span", has_text="No").click()
    for _ in range(2):
        page.get_by_role("button", name="One more").click()
    # A reload without signal comes from the service worker's copy and keeps the answers; its
    # first outbox round fails, and the next timed one is 20 s away: time to log out in peace.
    page.reload()
    expect(page.locator("input[name='a-greeted'][value='no']")).to_be_checked()
    expect(page.locator("input[name='a-queue']")).to_have_value("2")
    outbox_idle(page)
    expect(page.locator("[data-sync]")).to_have_text("Saved on this phone.")
    shots("answered-without-signal", page)
    record = page.evaluate(RECORD, uid_vid)
    assert record["fields"]["a-greeted"] == "no" and record["fields"]["a-queue"] == "2"
    assert record["rev"] > record["syncedRev"]

    live_server.start()
    dialogs = []

    def answer_dialog(dialog, accept):
        dialogs.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()

    logout_posts = []
    page.on("request", lambda r: logout_posts.append(r.url) if r.url.endswith("/logout") else None)

    # "Cancel" on the warning: still logged in, on the same screen, nothing posted.
    page.once("dialog", lambda d: answer_dialog(d, accept=False))
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_timeout(500)  # a logout that went ahead anyway would have left by now
    expect(page).to_have_url(f"{live_server.url}/shopper/visits/{pitfall_visit}/sections/1")
    assert logout_posts == []
    assert dialogs == [("confirm", "Some of your visits are saved only on this phone and not "
                        "sent yet. They stay on this phone and are sent when you log in again. "
                        "Log out anyway?")]

    # "OK": logged out; the answers are still on the phone, under this user and visit.
    page.once("dialog", lambda d: answer_dialog(d, accept=True))
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url("**/login")
    assert len(dialogs) == 2 and dialogs[1][0] == "confirm" and len(logout_posts) == 1
    shots("logged-out", page)
    after = page.evaluate(RECORD, uid_vid)
    assert after["fields"]["a-greeted"] == "no" and after["fields"]["a-queue"] == "2"
    assert after["rev"] > after["syncedRev"]
    assert answers(db, pitfall_visit) == {}

    # Logging in again (online) sends them without the shopper doing anything else.
    log_in_as(page, "shopper")
    assert wait_for_answers(db, pitfall_visit, {"greeted": "false", "queue": "2"}) == {
        "greeted": "false", "queue": "2"}
    row = page.locator(f"[data-visit-row='{pitfall_visit}']")
    expect(row.locator("[data-queue-badge]")).to_be_hidden()  # nothing left "On this phone"
    shots("sent-after-login", page)
    synced = page.evaluate(RECORD, uid_vid)
    assert synced["syncedRev"] == synced["rev"]


def deploy_new_worker(app) -> None:
    """Serve /shopper/sw.js as a new release would: same code, the next version name."""
    old_view = app.view_functions["shopper.service_worker"]

    def new_release():
        # The browser's update check asks "changed since this ETag?": the old release would
        # answer 304; the new one has other bytes, so it is always answered in full.
        request.environ.pop("HTTP_IF_NONE_MATCH", None)
        response = old_view()
        script = response.get_data()
        assert b"const VERSION = 'field-v1';" in script  # else this test no longer deploys
        response.set_data(script.replace(b"'field-v1'", b"'field-v2'"))
        response.add_etag(overwrite=True)
        return response.make_conditional(request)

    app.view_functions["shopper.service_worker"] = new_release


def test_service_worker_update_never_strands_a_visit_in_progress(
        shopper_phone, live_server, shots, db, pitfall_visit):
    page = shopper_phone
    context = page.context
    start_visit(page, pitfall_visit)
    section = f"/shopper/visits/{pitfall_visit}/sections/1"
    assert sorted(page.evaluate(CACHES)) == ["pages", "shell-field-v1"]

    # Answers typed without signal, then the new version is deployed while the phone is away.
    live_server.stop()
    page.locator("#q-greeted .choice span", has_text="Yes").click()
    page.get_by_role("button", name="One more").click()
    expect(page.locator("[data-sync]")).to_have_text("Saved on this phone.")
    deploy_new_worker(live_server.app)
    live_server.start()

    # Online reload: the browser finds the new worker, which fills its own shell and waits.
    page.reload()
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.evaluate("""async () => {
        const reg = await navigator.serviceWorker.getRegistration('/shopper/');
        await reg.update();
    }""")
    wait_until(page, """async () => {
        const reg = await navigator.serviceWorker.getRegistration('/shopper/');
        return !!(reg.waiting || reg.active && reg.active.state === 'activated' &&
                  (await caches.keys()).includes('shell-field-v2'));
    }""")
    assert "shell-field-v1" in page.evaluate(CACHES)  # the old shell stays until v2 takes over
    assert wait_for_answers(db, pitfall_visit, {"greeted": "true", "queue": "1"}) == {
        "greeted": "true", "queue": "1"}
    shots("online-after-deploy", page)

    # Signal gone again: a reload still opens the screen with the answers (old worker, old shell).
    live_server.stop()
    context.set_offline(True)
    page.reload()
    expect(page.locator("input[name='a-greeted'][value='yes']")).to_be_checked()
    expect(page.locator("input[name='a-queue']")).to_have_value("1")
    assert page.evaluate(STYLED), "the app's stylesheet did not come from the phone"
    shots("offline-reload-old-worker", page)

    # The shopper closes the app and opens it again, still without signal: the new worker takes
    # over, drops the old shell, and the visit's screen still opens from the phone.
    page.close()
    page = context.new_page()
    page.goto(section)
    expect(page.locator("input[name='a-greeted'][value='yes']")).to_be_checked()
    expect(page.locator("input[name='a-queue']")).to_have_value("1")
    wait_until(page, """async () => {
        const reg = await navigator.serviceWorker.getRegistration('/shopper/');
        const keys = await caches.keys();
        return reg.active && reg.active.state === 'activated' && !reg.waiting &&
               keys.includes('shell-field-v2') && !keys.includes('shell-field-v1');
    }""")
    # More answers on the new version, still offline, across both screens.
    page.get_by_role("button", name="One more").click()
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/sections/2")
    page.locator("#q-friendly .choice span", has_text="4").click()
    expect(page.locator("[data-sync]")).to_have_text(
        "No signal: everything is kept on this phone and sent when the network is back.")
    shots("offline-new-worker-section-2", page)
    assert answers(db, pitfall_visit) == {"greeted": "true", "queue": "1"}

    # Signal back: everything typed reaches the server.
    live_server.start()
    context.set_offline(False)
    expected = {"greeted": "true", "queue": "2", "friendly": "4"}
    assert wait_for_answers(db, pitfall_visit, expected) == expected
    expect(page.locator("[data-sync]")).to_have_text("Saved on the phone and on the server.")
    shots("sent-after-update", page)


def test_my_visits_from_the_cache_on_a_slow_network_is_replaced_when_the_real_page_arrives(
        shopper_phone, live_server, shots, db, people, pitfall_visit):
    page = shopper_phone
    page.goto("/shopper/")
    # Wait for the worker to be active, not for it to control this page: this page's navigation
    # may have begun before the worker activated, and clients.claim() passes over such a page,
    # so it can stay without a controller for good. The reload below is controlled either way.
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.reload()  # now through the worker, which keeps this copy of My visits
    assert page.evaluate("() => !!navigator.serviceWorker.controller")
    expect(page.get_by_text("Pitfall Store")).to_be_visible()

    # A new visit is scheduled; the next My visits takes longer than the worker waits (5 s).
    later = make_store(db, "PIT-2", name="Later Store")
    db["visits"].insert({
        "store_id": later, "shopper_id": people["shopper"], "status": "scheduled",
        "version_id": db["visits"].get(pitfall_visit)["version_id"],
        "window_start": "2026-01-01", "window_end": "2030-12-31", "flags": "[]",
        "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00"})
    slow_once(live_server.app, "shopper.index", 9)
    started = time.monotonic()
    page.reload()
    assert time.monotonic() - started < 8.5, "the cached copy should be shown after 5 s"
    assert page.get_by_text("Later Store").count() == 0  # the phone's copy, without it
    # The real page arrives a few seconds later and takes the cached copy's place by itself.
    expect(page.get_by_text("Later Store")).to_be_visible(timeout=20_000)
    shots("fresh-after-slow-network", page)


def test_logout_from_a_page_the_worker_does_not_control_still_forgets_the_kept_pages(
        shopper_phone, pitfall_visit):
    page = shopper_phone
    page.goto(f"/shopper/visits/{pitfall_visit}")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    assert "pages" in page.evaluate(CACHES)
    # A hard reload (Shift+reload) bypasses the worker: the page it opens has no controller, as
    # does one whose navigation began while the worker was still installing.
    with page.expect_navigation():
        page.context.new_cdp_session(page).send("Page.reload", {"ignoreCache": True})
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    assert page.evaluate("() => navigator.serviceWorker.controller") is None

    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url("**/login")
    # The visits kept for offline use belong to this shopper: the next user of the phone must not
    # be shown them from the cache.
    wait_until(page, "async () => !(await caches.has('pages'))")


def test_phone_stops_sending_a_cancelled_visit_and_says_why(
        shopper_phone, live_server, shots, db, people, pitfall_visit):
    from audit.visits.scheduling import cancel

    page = shopper_phone
    start_visit(page, pitfall_visit)
    page.wait_for_selector("[data-field-app][data-offline='ready']")  # its screens kept
    uid_vid = [people["shopper"], pitfall_visit]
    live_server.stop()
    page.locator("#q-greeted .choice span", has_text="Yes").click()
    expect(page.locator("[data-sync]")).to_have_text("Saved on this phone.")

    cancel(db, pitfall_visit, people["admin"])  # the office cancels it meanwhile
    live_server.start()
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, f"async () => ({RECORD})({uid_vid}).state === 'refused'")
    expect(page.locator("[data-sync]")).to_contain_text("This visit was cancelled by the office.")
    shots("visit-cancelled", page)

    # The next rounds send nothing more of it: no retry every 20 s for ever.
    outbox_idle(page)
    sent = len(posts)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1000)
    outbox_idle(page)
    assert len(posts) == sent
    assert page.evaluate(RECORD, uid_vid)["fields"]["a-greeted"] == "yes"  # kept, not lost

    # The checklist screen the phone keeps opens at once, sees the server's 410 behind it and
    # gives way to the page that says what happened, instead of a checklist nobody will take.
    page.goto(f"/shopper/visits/{pitfall_visit}/sections/1")
    expect(page.locator("#q-greeted")).to_have_count(0, timeout=10_000)
    expect(page.get_by_text("This visit was cancelled by the office.").first).to_be_visible()
