"""The shoppers' installable app: manifest, icons, service worker, "My visits" with no network."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import expect

from e2e.site_pages import log_in_as


def test_manifest_names_the_app_and_its_icons_and_opens_my_visits(open_page, live_server):
    page = open_page("pixel7")
    page.goto("/login")
    manifest = page.request.get("/static/manifest.webmanifest").json()
    assert manifest["short_name"] and manifest["name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/shopper/" and manifest["start_url"].startswith(
        manifest["scope"])
    sizes = {}
    for icon in manifest["icons"]:
        response = page.request.get(icon["src"])
        assert response.ok, icon["src"]
        if icon["type"] == "image/png":
            width, height = Image.open(io.BytesIO(response.body())).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes[width] = icon["src"]
    assert {192, 512} <= set(sizes)  # what Android asks for on the home screen and splash


def test_chromium_finds_the_shopper_app_installable(open_page, people):
    page = open_page("pixel7")
    log_in_as(page, "shopper")
    page.goto("/shopper/")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/static/manifest.webmanifest") and not manifest["errors"]
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")[
        "installabilityErrors"]]
    # A test context is always incognito; any other reason (no icon, no worker, ...) is ours.
    assert [e for e in errors if e != "in-incognito"] == [], errors


def test_my_visits_opens_from_the_home_screen_with_no_network(open_page, live_server, shots,
                                                              people, sample):
    page = open_page("pixel7")
    log_in_as(page, "shopper")
    page.goto("/shopper/")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    # The worker is active now, but this page's navigation began before it was, and
    # clients.claim() may pass over a page still loading; the next one is controlled for sure.
    page.reload()
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    rows = page.locator("[data-visit-row]").count()
    assert rows == 2  # sample: one visit in progress, one published
    shots("online", page)

    live_server.stop()  # no signal at all: not even the server is there
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="My visits")).to_be_visible()
    expect(page.locator("[data-visit-row]")).to_have_count(rows)
    # Opened from the home-screen icon: a fresh tab on start_url.
    icon = page.context.new_page()
    icon.goto("/shopper/")
    expect(icon.get_by_role("heading", name="My visits")).to_be_visible()
    shots("offline-from-home-screen", icon)
    page.context.set_offline(False)
    live_server.start()
