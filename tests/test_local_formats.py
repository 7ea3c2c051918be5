"""Times in the app's zone, the locale's decimals, half-up points, words instead of keys
(issue 21, items 7-10): on the pages and in the PDFs."""

from __future__ import annotations

import html

from conftest import make_store, make_visit

from reports import aggregate, render
from reports.text import moment_text, one_decimal, points_text

# make_visit stamps every visit 2026-11-02T10:00:00+00:00: 11:00 in Warsaw (CET, UTC+1).
UTC_CLOCK, WARSAW_CLOCK = "10:00", "11:00"


def page(client, url: str, **headers: str) -> str:
    """A page's HTML with entities resolved, after checking it was served."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.text)


def test_the_shoppers_visit_page_shows_the_start_in_the_apps_time_zone(db, login, people):
    visit = make_visit(db, make_store(db), people["shopper"], status="in_progress")
    text = page(login("shopper"), f"/shopper/visits/{visit}")
    assert f"11/2/26, {WARSAW_CLOCK}" in text
    assert f", {UTC_CLOCK}" not in text


def test_an_en_gb_browser_gets_day_month_year_with_the_english_words(db, login, people):
    visit = make_visit(db, make_store(db), people["shopper"], status="in_progress")
    text = page(login("shopper"), f"/shopper/visits/{visit}",
                **{"Accept-Language": "en-GB,en;q=0.8"})
    assert f"Started: 02/11/2026, {WARSAW_CLOCK}" in text
    assert '<html lang="en">' in text


def test_a_configured_zone_moves_the_times_on_the_pages(app, db, login, people):
    app.config["TIMEZONE"] = "Asia/Tokyo"
    visit = make_visit(db, make_store(db), people["shopper"], status="in_progress")
    assert "19:00" in page(login("shopper"), f"/shopper/visits/{visit}",
                           **{"Accept-Language": "en-GB"})


def test_the_review_change_log_shows_times_in_the_apps_zone(db, login, people):
    visit = make_visit(db, make_store(db), people["shopper"], status="submitted",
                       answers={"time_to_approach": 40})
    db["visit_log"].insert({"visit_id": visit, "user_id": people["admin"],
                            "at": "2026-11-02T10:05:00+00:00", "action": "answer_corrected",
                            "criterion_key": "time_to_approach", "old_value": "40",
                            "new_value": "30"})
    text = page(login("admin"), f"/review/visits/{visit}", **{"Accept-Language": "en-GB"})
    assert "02/11/2026, 11:05" in text and "10:05" not in text


def test_the_review_change_log_names_the_criterion_by_its_text(db, login, people):
    visit = make_visit(db, make_store(db), people["shopper"], status="submitted",
                       answers={"time_to_approach": 40})
    reviewer = login("admin")
    assert reviewer.post(f"/review/visits/{visit}/correct?criterion=time_to_approach",
                         {"number": "30", "reason": "Receipt time"}).status_code == 302
    text = page(reviewer, f"/review/visits/{visit}")
    assert "· How long until a staff member offered help?" in text
    assert "· time_to_approach" not in text


def test_the_visit_pdf_prints_the_start_in_the_apps_zone(db, people):
    visit = make_visit(db, make_store(db), people["shopper"], status="published")
    data = aggregate.visit_report(db, visit, "pl")
    out = render.visit_html(data, zone="Europe/Warsaw")
    assert f"2 lis 2026, {WARSAW_CLOCK}" in out
    assert "UTC" not in out


def test_polish_review_pages_write_points_with_a_decimal_comma(db, login, people):
    visit = make_visit(db, make_store(db), people["shopper"], status="submitted",
                       answers={"queue_length": 3})
    db["users"].update(people["admin"], {"language": "pl"})
    text = page(login("admin"), f"/review/visits/{visit}")
    assert "(0,5 / 1)" in text and "(0.5 / 1)" not in text


def test_polish_and_russian_pdfs_write_points_with_a_decimal_comma(db, people):
    visit = make_visit(db, make_store(db), people["shopper"], status="published",
                       answers={"queue_length": 3})
    for lang in ("pl", "ru"):
        out = render.visit_html(aggregate.visit_report(db, visit, lang))
        assert "0,5 / 1" in out and "0.5 / 1" not in out


def test_points_round_half_up():
    assert points_text(2.25, "en") == "2.3"
    assert points_text(0.45, "en") == "0.5"
    assert points_text(2.0, "en") == "2"
    assert one_decimal(2.25, "en") == "2.3"
    assert one_decimal(-2.25, "en") == "-2.3"


def test_numbers_use_the_locales_separators():
    assert one_decimal(1234.5, "pl") == "1\u00a0234,5"
    assert one_decimal(1.5, "ru") == "1,5"
    assert one_decimal(1.5, "en_GB") == "1.5"
    assert points_text(1.5, "pl") == "1,5"


def test_moment_text_converts_a_stored_utc_stamp_to_the_zone():
    assert moment_text("2026-07-03T13:28:00+00:00", "en_GB", "Europe/London") == \
        "3 Jul 2026, 14:28"
    assert moment_text(None, "en", "Europe/Warsaw") == ""


def test_a_browser_naming_a_region_still_gets_its_languages_words(app):
    for accept, word in (("pl-PL,pl;q=0.9", "Zaloguj"), ("ru-RU", "Войти")):
        response = app.test_client().get("/login", headers={"Accept-Language": accept})
        assert word in response.text, accept
