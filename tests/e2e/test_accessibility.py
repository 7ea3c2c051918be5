"""Every page of every role at 320 px wide: axe-core finds no violation of impact serious or
critical, nothing scrolls sideways, touch targets are 44 px, input text is 16 px; then labels,
visible focus, and the stopwatch and counter by keyboard and screen reader."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from e2e.site_pages import MEASURE, build_world, log_in_as, pages


@pytest.fixture
def world(db, people, sample):
    return build_world(db, people, sample)


@pytest.mark.parametrize("role", ["anonymous", "shopper", "admin", "manager"])
def test_every_page_of_the_role_passes_axe_and_fits_320px(role, world, open_page, a11y_problems,
                                                          shots):
    # One walk for both checks: each page is loaded once, at the narrowest supported width.
    page = open_page("narrow")
    log_in_as(page, role)
    problems, layout = [], {}
    for path in pages(role, world):
        response = page.goto(path)
        assert response.status < 500, path  # a server error page would be checked in vain
        problems += a11y_problems(page)
        found = page.evaluate(MEASURE)
        if found["scroll"] > 0 or found["small"] or found["tinyText"]:
            layout[path] = found
            shots(path.strip("/").replace("/", "-").split("?")[0] or "home", page)
    assert problems == [], "\n".join(problems)
    assert layout == {}, "\n".join(f"{p}: {f}" for p, f in layout.items())


def test_login_errors_and_filled_forms_have_no_serious_axe_violation(open_page, people,
                                                                     a11y_problems):
    page = open_page("iphone_se")
    page.goto("/login")
    page.locator("main button[type=submit]").click()
    page.locator(".error").first.wait_for()
    assert a11y_problems(page) == []
    log_in_as(page, "admin")
    page.goto("/admin/stores/new")
    page.locator("main button[type=submit]").click()
    page.locator(".error").first.wait_for()
    assert a11y_problems(page) == []


def test_every_input_has_a_label_and_focus_is_visible(world, open_page):
    page = open_page("pixel7")
    log_in_as(page, "shopper")
    page.goto(f"/shopper/visits/{world['visit_id']}/sections/1")
    unlabeled = page.evaluate("""() => [...document.querySelectorAll(
        'main input:not([type=hidden]), main select, main textarea')]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                        && !el.getAttribute('aria-labelledby'))
        .map((el) => el.name)""")
    assert unlabeled == []
    # Keyboard focus draws a ring of at least 2 px on buttons and on the big answer choices.
    page.keyboard.press("Tab")
    outlines = []
    for _ in range(12):
        page.keyboard.press("Tab")
        outlines.append(page.evaluate("""() => {
            const el = document.activeElement;
            const target = el.matches('.choice input') ? el.nextElementSibling : el;
            const s = getComputedStyle(target);
            return [el.tagName, s.outlineStyle, parseFloat(s.outlineWidth)];
        }"""))
    assert all(style != "none" and width >= 2 for _, style, width in outlines), outlines


def test_stopwatch_and_counter_work_by_keyboard_and_speak_their_values(world, open_page):
    page = open_page("pixel7")
    log_in_as(page, "shopper")
    page.goto(f"/shopper/visits/{world['visit_id']}/sections/1")
    watch = page.locator("#q-time_to_approach")
    reading = watch.get_by_role("timer")
    expect(reading).to_have_attribute("aria-live", "polite")
    watch.get_by_role("button", name="Start", exact=True).focus()
    page.keyboard.press("Enter")
    # Quiet while it runs (aria-busy), so the screen reader speaks the reading once, when stopped.
    expect(reading).to_have_attribute("aria-busy", "true")
    page.keyboard.press("Tab")
    expect(watch.get_by_role("button", name="Stop", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    expect(reading).to_have_attribute("aria-busy", "false")
    expect(reading).to_have_text("0:00")
    expect(watch.locator("input[name$='-min']")).to_have_value("0")

    page.goto(f"/shopper/visits/{world['visit_id']}/sections/2")
    counter = page.locator("#q-queue_length")
    spoken = counter.locator("[aria-live=polite]")
    counter.get_by_role("button", name="One more").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    expect(spoken).to_have_text("2")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(counter.get_by_role("button", name="One less")).to_be_focused()
    page.keyboard.press("Enter")
    expect(spoken).to_have_text("1")
    expect(counter.get_by_role("spinbutton")).to_have_value("1")


def test_self_refreshing_pages_pass_axe_and_the_reader_can_pause_them(world, db, app, tmp_path,
                                                                       open_page, a11y_problems):
    # A queue nobody consumes keeps the manager's report "being prepared"; a run driven by
    # nobody (driver_until in the future) keeps the admin's run page going.
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_FILE=str(tmp_path / "queue.db"),
                      RENDER_LOST_AFTER=600)
    run = db["jobs"].insert({
        "kind": "store_reports", "params": '{"start": "2026-09-01", "end": "2026-11-30"}',
        "total": 4, "done": 1, "failed": 0, "status": "running",
        "created_at": "2026-07-01T00:00:00+00:00", "updated_at": "2026-07-01T00:00:00+00:00",
        "driver_until": time.time() + 600}).last_pk
    admin, manager = open_page("narrow"), open_page("narrow")
    log_in_as(admin, "admin")
    log_in_as(manager, "manager")
    admin.goto(f"/admin/reports/runs/{run}")
    manager.goto(f"/manager/stores/{world['store_id']}/report.pdf?start=2026-09-01&end=2026-11-30")
    expect(manager.get_by_role("heading", level=1)).to_have_text("Preparing your report")
    for page in (admin, manager):
        assert page.locator("meta[http-equiv=refresh]").count() == 0
        assert a11y_problems(page) == []
        page.get_by_role("button", name="Pause automatic refresh").click()
        expect(page.get_by_role("button", name="Resume automatic refresh")).to_be_visible()
        page.evaluate("window.stillHere = true")  # gone if the page loads again
    admin.wait_for_timeout(4000)  # longer than the 3 s between refreshes
    assert admin.evaluate("window.stillHere") and manager.evaluate("window.stillHere")
    # Resumed, the page loads itself again.
    with admin.expect_navigation(timeout=8000):
        admin.get_by_role("button", name="Resume automatic refresh").click()


def test_publish_confirmation_lists_missing_texts_and_passes_axe(world, db, open_page,
                                                                 a11y_problems):
    from audit.criteria_sets.versions import edit_version

    draft = edit_version(db, world["current_version"], lambda d: d["sections"][0]["criteria"][0]
                         .update(text={"en": "Only in English"}))
    page = open_page("narrow")
    log_in_as(page, "admin")
    page.goto(f"/admin/criteria/versions/{draft}/edit")
    page.locator("main form.inline button.primary").click()
    expect(page.get_by_role("button", name="Publish anyway")).to_be_visible()
    assert a11y_problems(page) == []
    page.get_by_role("button", name="Publish anyway").click()
    expect(page.locator("main")).to_contain_text("published")
