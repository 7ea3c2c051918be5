"""The manager's portal: own stores only, published visits only, never the shopper."""

from __future__ import annotations

import io

import pytest
from conftest import make_store, make_user, make_visit
from pypdf import PdfReader


def ref(db, visit_id: int) -> str:
    """The visit's public reference, which the manager's URLs carry instead of its id."""
    return db["visits"].get(visit_id)["ref"]


SHOPPER = "Zofia Tajemnicza"


@pytest.fixture
def stores(db, people):
    """'manager' has OWN-2 (two published visits, one submitted); 'manager2' has THEIRS-1."""
    shopper = make_user(db, "shopper", "zofia@example.com", name=SHOPPER)
    own = make_store(db, "OWN-2", name="Own Store")
    theirs = make_store(db, "THEIRS-1", name="Their Store")
    db["store_managers"].insert({"store_id": own, "user_id": people["manager"]})
    db["store_managers"].insert({"store_id": theirs, "user_id": people["manager2"]})
    ans = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}
    v1 = make_visit(db, own, shopper, "published", answers=ans,
                    started_at="2026-09-01T10:00:00+00:00")
    v2 = make_visit(db, own, shopper, "published", answers={**ans, "friendliness": 2},
                    started_at="2026-10-01T10:00:00+00:00")
    hidden = make_visit(db, own, shopper, "submitted", answers=ans,
                        started_at="2026-10-05T10:00:00+00:00")
    other = make_visit(db, theirs, shopper, "published", answers=ans,
                       started_at="2026-10-01T10:00:00+00:00")
    return {"own": own, "theirs": theirs, "visits": [v1, v2], "hidden": hidden, "other": other}


def test_index_lists_own_stores_with_score_trend_and_last_visit(login, stores):
    page = login("manager").get("/manager/").text
    assert "OWN-2" in page and "THEIRS-1" not in page
    assert "<svg" in page and "Oct 1, 2026" in page and "trend-down" in page
    assert SHOPPER not in page


def test_store_page_shows_published_visits_and_one_tap_reports(db, login, stores):
    page = login("manager").get(f"/manager/stores/{stores['own']}").text
    assert page.count('name="preset"') == 4 and "/report.pdf" in page
    assert f"/manager/visits/{ref(db, stores['visits'][0])}/report.pdf" in page
    assert f"/manager/visits/{stores['hidden']}/" not in page
    assert SHOPPER not in page


def test_report_presets_are_buttons_of_the_form_that_chooses_the_language(login, stores):
    page = login("manager").get(f"/manager/stores/{stores['own']}").text
    form = page[page.index('class="period-form"'):]
    form = form[:form.index("</form>")]
    assert 'name="lang"' in form
    assert all(f'name="preset" value="{key}"' in form for key in ("3m", "6m", "12m", "year"))


def test_a_preset_report_keeps_the_chosen_language_and_its_period(login, stores):
    from datetime import date, timedelta

    response = login("manager").get(
        f"/manager/stores/{stores['own']}/report.pdf?preset=3m&lang=pl&start=2026-13&end=")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    start = date.today() - timedelta(days=90)
    assert f"audit-OWN-2-{start}-{date.today()}.pdf" in response.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Okres audytu" in text


def test_an_unknown_preset_is_400_with_a_message(login, stores):
    response = login("manager").get(f"/manager/stores/{stores['own']}/report.pdf?preset=5y")
    assert response.status_code == 400 and "Choose one of the periods offered." in response.text


def test_manager_cannot_see_other_managers_store(db, login, stores):
    client = login("manager")
    assert client.get(f"/manager/stores/{stores['theirs']}").status_code == 403
    assert client.get(f"/manager/stores/{stores['theirs']}/report.pdf").status_code == 403
    assert client.get(f"/manager/visits/{ref(db, stores['other'])}/report.pdf").status_code == 403
    assert client.get(f"/manager/answers.csv?store_id={stores['theirs']}").status_code == 403
    assert client.get("/manager/stores/99999").status_code == 404


def test_manager_cannot_download_unpublished_visit(db, login, stores):
    response = login("manager").get(f"/manager/visits/{ref(db, stores['hidden'])}/report.pdf")
    assert response.status_code == 404


def test_store_report_downloads_a_pdf_without_shopper(login, stores):
    response = login("manager").get(
        f"/manager/stores/{stores['own']}/report.pdf?start=2026-08-01&end=2026-10-31")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Own Store" in text and "OWN-2" in text and SHOPPER not in text
    assert "October 5, 2026" not in text  # the submitted visit is not in the report


def test_visit_report_is_a_pdf_of_that_visit(db, login, stores):
    response = login("manager").get(f"/manager/visits/{ref(db, stores['visits'][1])}/report.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "OWN-2" in text and "October 1, 2026" in text and SHOPPER not in text


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-13-01&end=2026-10-31", "From: give a date as YYYY-MM-DD."),
    ("start=2026-01-01&end=tomorrow", "To: give a date as YYYY-MM-DD."),
    ("start=2026-11-01&end=2026-10-31", "The start of the period is after its end."),
])
def test_bad_period_is_400_with_a_message(login, stores, query, message):
    client = login("manager")
    for url in (f"/manager/stores/{stores['own']}/report.pdf?{query}",
                f"/manager/answers.csv?{query}"):
        response = client.get(url)
        assert response.status_code == 400 and message in response.text


def test_csv_has_only_own_published_answers_without_shopper(db, login, stores):
    response = login("manager").get("/manager/answers.csv?start=2026-01-01&end=2026-12-31")
    body = response.text
    assert response.mimetype == "text/csv"
    assert "OWN-2" in body and "THEIRS-1" not in body and SHOPPER not in body
    refs = {line.split(",")[3] for line in body.splitlines()[1:]}
    assert refs == {ref(db, v) for v in stores["visits"]}  # the random reference, not the id
    assert response.headers["Cache-Control"] == "private, no-store"


def test_admin_gets_chain_summary_and_all_stores_csv(login, stores):
    client = login("plain_admin")
    response = client.get("/admin/reports/summary.pdf?start=2026-01-01&end=2026-12-31")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "OWN-2" in text and "THEIRS-1" in text and SHOPPER not in text
    body = client.get("/admin/reports/answers.csv?start=2026-01-01&end=2026-12-31").text
    assert "THEIRS-1" in body and SHOPPER not in body
    assert client.get("/admin/reports/summary.pdf?region=Nowhere").status_code == 404


def _plain_recent_scores(db, store_ids, count=6):
    """The store list's figures the straightforward way: every published visit, in Python."""
    from reports.aggregate import VISIT_DAY

    rows = db.execute(f"SELECT v.id, v.store_id, {VISIT_DAY}, v.score, v.version_id"  # noqa: S608
                      " FROM visits v WHERE v.status = 'published'").fetchall()
    out = {}
    for store_id in store_ids:
        mine = sorted((r for r in rows if r[1] == store_id), key=lambda r: (r[2], r[0]))
        out[store_id] = [{"day": r[2], "score": r[3], "version_id": r[4]} for r in mine[-count:]]
    return out


def test_store_list_figures_match_a_plain_computation_over_all_visits(db, people):
    """Latest six published visits per store, oldest first; same day: the later id is later."""
    from reports.aggregate import recent_scores

    shopper = make_user(db, "shopper", "list@example.com")
    busy, quiet, empty = (make_store(db, code) for code in ("BUSY", "QUIET", "EMPTY"))
    for n in range(9):  # more visits than the list shows, two on some days
        make_visit(db, busy, shopper, "published",
                   started_at=f"2026-10-{1 + n // 2:02d}T1{n % 2}:00:00+00:00",
                   answers={"greeted_on_entry": n % 3 != 0, "friendliness": 1 + n % 5})
    make_visit(db, busy, shopper, "submitted", started_at="2026-10-30T10:00:00+00:00",
               answers={"greeted_on_entry": True})  # not published: never shown
    make_visit(db, quiet, shopper, "published", started_at=None,
               submitted_at="2026-09-03T10:00:00+00:00", answers={"friendliness": 3})
    ids = [busy, quiet, empty]
    assert recent_scores(db, ids) == _plain_recent_scores(db, ids)
    assert len(recent_scores(db, ids)[busy]) == 6 and recent_scores(db, ids)[empty] == []


def test_store_list_writes_scores_and_changes_in_the_users_language(login, db, people, stores):
    db["users"].update(people["manager"], {"language": "pl"})
    page = login("manager").get("/manager/").text
    first, latest = (db["visits"].get(v)["score"] for v in stores["visits"])
    assert f"{round(latest, 1):.1f}".replace(".", ",") in page
    assert "▼ −" + f"{round(first - latest, 1):.1f}".replace(".", ",") in page
    assert "trend-down" in page and "1 paź 2026" in page


@pytest.mark.parametrize("locale", ["en", "pl", "ru"])
@pytest.mark.parametrize("value", [0.0, -0.0, 0.04, -0.04, 0.05, -0.06, 7.25, 86.35, 99.95,
                                   100.0, -12.349, 1234.56, -98765.4])
def test_store_list_numbers_are_written_as_babel_writes_them(locale, value):
    """one_decimal skips Babel's pattern parsing per number; the text must stay Babel's
    (rounded half up first, as the README promises)."""
    from babel.numbers import format_decimal

    from reports.text import half_up, one_decimal

    rounded = half_up(value)
    assert one_decimal(value, locale) == format_decimal(rounded, "#,##0.0", locale=locale)
    assert one_decimal(value, locale, signed=True) == format_decimal(
        rounded, "+#,##0.0;−#,##0.0", locale=locale)
