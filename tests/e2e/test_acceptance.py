"""The life of one audit, as the four people live it, in real Chromium.

An admin sets up a store, a shopper, a manager and a new criteria set, and schedules the visit;
the shopper does it on a Pixel 7 and submits; a reviewer approves and publishes; the store's
manager, on a laptop, downloads the store's PDF and reads the score in it.
"""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

from conftest import PASSWORD
from playwright.sync_api import expect
from pypdf import PdfReader

from e2e.site_pages import log_in_as

STORE = {"Code": "ACC-1", "Name": "Acceptance Street", "Region": "Mazovia",
         "Address": "ul. Prosta 1, Warszawa", "Latitude": "52.23", "Longitude": "21.01"}
WARSAW = {"permissions": ["geolocation"],
          "geolocation": {"latitude": 52.2301, "longitude": 21.0102, "accuracy": 15}}


def log_in(page, email: str) -> None:
    """The login form, as a person fills it in."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def choose(select, text: str) -> None:
    """Pick the option whose label contains `text` (labels carry extra detail)."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def new_user(page, name: str, email: str, role: str) -> None:
    page.goto("/admin/users/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Role").select_option(role)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text(email)


def test_admin_shopper_reviewer_and_manager_live_one_audit(open_page, shots, db, people):
    admin = open_page("laptop")
    log_in(admin, "plain-admin@example.com")
    shots("admin-home", admin)

    new_user(admin, "Kasia Nowak", "kasia@example.com", "shopper")
    new_user(admin, "Marek Kowal", "marek@example.com", "manager")
    shots("admin-users", admin)

    admin.goto("/admin/stores/new")
    for label, value in STORE.items():
        admin.get_by_label(label, exact=True).fill(value)
    admin.get_by_label("Channel").select_option("physical")
    choose(admin.get_by_label("Managers"), "Marek Kowal")
    shots("admin-store-form", admin)
    admin.locator("main").get_by_role("button", name="Save").click()
    expect(admin.locator("main")).to_contain_text("Acceptance Street")

    # A criteria set of its own: replace the template's question, add a rating, publish.
    admin.goto("/admin/criteria/new")
    admin.get_by_label("Key").fill("quick-check")
    admin.get_by_label("Name").fill("Quick check")
    admin.get_by_label("Channel").select_option("physical")
    admin.get_by_role("button", name="Create").click()
    admin.get_by_role("link", name="Replace this question").click()
    admin.locator("#c-text-en").fill("Were you greeted on entry?")
    admin.locator("main").get_by_role("button", name="Save").click()
    admin.get_by_role("link", name="Add a criterion to this section").click()
    admin.locator("#c-key").fill("knew_products")
    admin.locator("#c-type").select_option("rating")
    admin.locator("#c-text-en").fill("How well did staff know the products?")
    admin.locator("#c-scale").fill("5")
    admin.locator("main").get_by_role("button", name="Save").click()
    expect(admin.locator(".criterion-row")).to_have_count(2)
    shots("admin-criteria-draft", admin)
    admin.get_by_role("button", name="Publish version 1").click()
    # Written in English only: the Polish and Russian texts are listed before it goes out.
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        "Publish version 1 with texts missing?")
    expect(admin.locator("main")).to_contain_text("knew_products")
    shots("admin-criteria-missing-texts", admin)
    admin.get_by_role("button", name="Publish anyway").click()
    expect(admin.locator(".flash-success")).to_contain_text("Version 1 published")

    today = date.today()
    admin.goto("/admin/visits/new")
    choose(admin.get_by_label("Criteria set"), "Quick check")
    choose(admin.get_by_label("Stores"), "ACC-1 Acceptance Street")
    choose(admin.get_by_label("Shopper", exact=True), "Kasia Nowak")
    admin.get_by_label("From").fill(today.isoformat())
    admin.get_by_label("Until").fill((today + timedelta(days=7)).isoformat())
    shots("admin-schedule", admin)
    admin.locator("main").get_by_role("button", name="Schedule").click()
    expect(admin.locator("main")).to_contain_text("Acceptance Street")
    shots("admin-visits", admin)

    # The shopper, on a Pixel 7, in the shop.
    phone = open_page("pixel7", **WARSAW)
    log_in(phone, "kasia@example.com")
    phone.get_by_role("heading", name="My visits").wait_for()
    shots("shopper-my-visits", phone)
    phone.get_by_role("link", name="Acceptance Street").click()
    phone.get_by_role("button", name="Start visit").click()
    phone.wait_for_url("**/sections/1")
    phone.locator(".choice span", has_text="Yes").click()
    phone.locator("#q-knew_products .choice span", has_text="4").click()
    shots("shopper-answers", phone)
    phone.get_by_role("button", name="Finish").click()
    phone.wait_for_url("**/summary")
    shots("shopper-summary", phone)
    phone.get_by_role("button", name="I have left: end the visit").click()
    phone.get_by_role("button", name="Submit").click()
    phone.get_by_text("✓ Sent").wait_for(timeout=20_000)
    shots("shopper-sent", phone)

    # A reviewer approves and publishes.
    reviewer = open_page("laptop")
    log_in_as(reviewer, "admin")
    reviewer.goto("/review/")
    reviewer.get_by_role("link", name="Acceptance Street").first.click()
    shots("reviewer-visit", reviewer)
    reviewer.get_by_role("button", name="Approve").click()
    expect(reviewer.locator(".flash-success")).to_contain_text("Visit approved")
    shots("reviewer-approved", reviewer)
    reviewer.get_by_role("link", name="Acceptance Street").first.click()
    reviewer.get_by_role("button", name="Publish to the store's managers").click()
    expect(reviewer.locator(".flash-success")).to_contain_text("Visit published")
    shots("reviewer-published", reviewer)

    # The store's manager, on a laptop, downloads the store's PDF.
    manager = open_page("laptop", accept_downloads=True)
    log_in(manager, "marek@example.com")
    expect(manager.locator(".store-row")).to_contain_text("87.5")
    shots("manager-stores", manager)
    manager.get_by_role("link", name="ACC-1 Acceptance Street").click()
    folder = shots("manager-store", manager).parent
    with manager.expect_download() as download:
        manager.get_by_role("button", name="Last 3 months").click()
    saved = folder / "16-manager-report.pdf"
    download.value.save_as(saved)
    text = " ".join(p.extract_text() for p in PdfReader(saved).pages)
    assert "Acceptance Street" in text and "87.5" in text, text[:800]
    # The report's first page as a picture beside the screenshots.
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(saved),
                    str(folder / "16-manager-report")], check=True)
    visit = db.execute("SELECT status, score FROM visits").fetchone()
    assert tuple(visit) == ("published", 87.5)
