"""Browser tests: the criteria editor, the login form's errors, the manager's report periods."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from conftest import PASSWORD, make_store, make_visit
from playwright.sync_api import expect
from pypdf import PdfReader

from audit import report_runs as jobs
from audit.criteria_sets.versions import current_version_id, version_set
from e2e.site_pages import log_in_as


def test_admin_adds_reorders_and_publishes_a_criterion(open_page, shots, db, people):
    v1 = current_version_id(db, "physical-store")
    page = open_page("iphone_se")
    log_in_as(page, "admin")
    page.goto(f"/admin/criteria/versions/{v1}/edit")
    first = page.locator("section.editor-section").first
    first.get_by_role("link", name="Add a criterion to this section").click()
    page.locator("#c-key").fill("door_held_open")
    page.locator("#c-type").select_option("yes_no")
    page.locator("#c-text-en").fill("Did someone hold the door open?")
    # In every language, so publishing does not stop to list missing texts.
    page.locator("#c-text-pl").fill("Czy ktoś przytrzymał drzwi?")
    page.locator("#c-text-ru").fill("Кто-нибудь придержал дверь?")
    shots("new-criterion", page)
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("new draft, version 2")
    rows = page.locator("section.editor-section").first.locator(".criterion-row")
    expect(rows.last).to_contain_text("Did someone hold the door open?")
    count = rows.count()
    for _ in range(count - 1):  # up to the top of its section, one tap at a time
        page.get_by_role("button", name="Move door_held_open up").click()
    expect(rows.first).to_contain_text("Did someone hold the door open?")
    shots("moved-to-top", page)
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".flash-success")).to_contain_text("Version 2 published")
    shots("published", page)

    v2 = current_version_id(db, "physical-store")
    assert v2 != v1
    section = version_set(db, v2).sections[0]
    assert [c.key for c in section.criteria][0] == "door_held_open"
    assert len(section.criteria) == count
    assert "door_held_open" not in [c.key for c in version_set(db, v1).criteria()]


@pytest.mark.parametrize(("email", "password", "message"), [
    ("", "", "This field is required."),
    ("shopper@example.com", "not-the-password", "Wrong e-mail or password."),
    ("nobody@example.com", PASSWORD, "Wrong e-mail or password."),
])
def test_login_errors_are_shown_and_keep_the_email(open_page, people, email, password, message):
    page = open_page("iphone_se")
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.locator("main")).to_contain_text(message)
    assert page.url.endswith("/login")
    expect(page.get_by_label("E-mail")).to_have_value(email)
    expect(page.get_by_label("Password")).to_have_value("")  # never sent back to the browser
    if not email:
        expect(page.get_by_label("E-mail")).to_have_attribute("aria-invalid", "true")


def test_login_from_a_deep_link_goes_back_to_that_page(open_page, people, sample):
    page = open_page("laptop")
    page.goto(f"/manager/stores/{sample['store_id']}")
    expect(page.locator("main")).to_contain_text("Please log in to see this page.")
    page.get_by_label("E-mail").fill("manager@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("OWN-1 Store OWN-1")


@pytest.fixture
def two_periods(db, people):
    """OWN-9 of 'manager': one visit 20 days ago (score 100), one 200 days ago (failed greeting)."""
    store = make_store(db, "OWN-9", name="Period Store")
    db["store_managers"].insert({"store_id": store, "user_id": people["manager"]})
    recent, old = date.today() - timedelta(days=20), date.today() - timedelta(days=200)
    good = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 5}
    for day, answers in ((recent, good), (old, {**good, "friendliness": 1})):
        make_visit(db, store, people["shopper"], "published", answers=answers,
                   started_at=f"{day}T10:00:00+00:00")
    return {"store": store, "recent": recent, "old": old}


def report_text(page, click) -> str:
    with page.expect_download() as download:
        click()
    return " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def test_manager_filters_the_report_by_period(open_page, shots, people, two_periods):
    page = open_page("laptop", accept_downloads=True)
    log_in_as(page, "manager")
    page.goto(f"/manager/stores/{two_periods['store']}")
    shots("store", page)
    recent, old = long_date(two_periods["recent"]), long_date(two_periods["old"])

    preset = lambda name: page.get_by_role("button", name=name, exact=True).click  # noqa: E731
    three_months = report_text(page, preset("Last 3 months"))
    assert f"Visit of {recent}" in three_months and f"Visit of {old}" not in three_months

    twelve_months = report_text(page, preset("Last 12 months"))
    assert f"Visit of {recent}" in twelve_months and f"Visit of {old}" in twelve_months

    page.get_by_label("From", exact=True).fill((two_periods["old"] - timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill((two_periods["old"] + timedelta(days=1)).isoformat())
    button = page.get_by_role("button", name="Report for these dates")
    custom = report_text(page, button.click)
    assert f"Visit of {old}" in custom and f"Visit of {recent}" not in custom

    page.get_by_label("From", exact=True).fill("2026-12-31")
    page.get_by_label("To", exact=True).fill("2026-01-01")
    button.click()
    expect(page.locator("main")).to_contain_text("The start of the period is after its end.")
    shots("bad-period", page)


def test_manager_waiting_for_a_report_gets_it_and_the_tab_says_it_is_ready(
        open_page, shots, app, tmp_path, two_periods):
    # A real queue nobody consumes: the test plays the render worker once the page waits.
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_FILE=str(tmp_path / "queue.db"),
                      RENDER_LOST_AFTER=30)
    huey = jobs.queue_for(app.config)
    page = open_page("laptop", accept_downloads=True)
    log_in_as(page, "manager")
    page.goto(f"/manager/stores/{two_periods['store']}")
    page.get_by_role("button", name="Last 3 months", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preparing your report")
    shots("preparing", page)
    deadline = time.time() + 60
    while huey.storage.queue_size() == 0 and time.time() < deadline:
        time.sleep(0.05)  # the web process's driver thread enqueues the render
    task = huey.dequeue()
    assert task is not None
    with page.expect_download(timeout=60_000) as download:
        huey.execute(task)  # ... the page refreshes itself, then starts the download
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Period Store" in text
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report is ready")
    expect(page).to_have_title(re.compile("Your report is ready"))
    shots("ready", page)
