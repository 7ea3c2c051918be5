"""Downloads: CSV safe in any spreadsheet's dialect, the Excel form, non-Latin file names, no
caching (issue 25 items 10, 11, 12; issue 24's CSV item)."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import make_store, make_visit

from audit.web.downloads import content_disposition

PERIOD = "start=2026-01-01&end=2026-12-31"
ANSWERS = {"greeted_on_entry": False, "served_at_all": True, "friendliness": 4}
# Each is harmless in a comma reader, but a `;` or tab reader starts a cell at the separator.
ATTACKS = ["note;=cmd|' /C calc'!A0", "a\t+cmd|' /C calc'!A0", "b; \"@SUM(1+1)*cmd|' /C x'!A0\"",
           "c,-cmd|' /C calc'!A0"]


@pytest.fixture
def region_store(db, people):
    """A Małopolskie store of 'manager' with a published visit whose comments are attacks."""
    store_id = make_store(db, "MP-1", region="Małopolskie")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    visit_id = make_visit(db, store_id, people["shopper"], "published", answers=ANSWERS)
    for key, comment in zip(ANSWERS, ATTACKS[:3], strict=True):
        db.execute("UPDATE answers SET comment = ? WHERE visit_id = ? AND criterion_key = ?",
                   [comment, visit_id, key])
    db.execute("UPDATE answers SET comment = ? WHERE visit_id = ? AND comment IS NULL",
               [ATTACKS[3], visit_id])
    return store_id


def cells(body: str, delimiter: str) -> list[str]:
    """Every cell as a spreadsheet splitting on `delimiter` would see it."""
    return [cell for row in csv.reader(io.StringIO(body), delimiter=delimiter) for cell in row]


@pytest.mark.parametrize("excel", ["", "&excel=1"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_runs_no_formula_in_any_separator_a_spreadsheet_may_use(login, region_store,
                                                                   excel, delimiter):
    response = login("manager").get(f"/manager/answers.csv?{PERIOD}{excel}")
    assert response.status_code == 200
    body = response.data.decode("utf-8-sig")
    assert "cmd|" in body
    started = [c for c in cells(body, delimiter) if c.lstrip(' "').startswith(("=", "+", "@"))
               or c.lstrip(' "').startswith("-cmd")]
    assert started == []


def test_csv_and_zip_downloads_are_not_cached(login, region_store):
    client = login("manager")
    for url in (f"/manager/answers.csv?{PERIOD}", f"/manager/answers.csv?{PERIOD}&excel=1"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store"
    admin = login("plain_admin").get(f"/admin/reports/answers.csv?{PERIOD}")
    assert admin.headers["Cache-Control"] == "private, no-store"


def test_excel_form_has_a_bom_semicolons_decimal_commas_and_polish_answers(login, region_store):
    response = login("manager").get(f"/manager/answers.csv?{PERIOD}&excel=1&lang=pl")
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeffstore_code;store_name;region;visit_ref;")
    rows = list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))
    assert {r["answer"] for r in rows if r["criterion_key"] == "greeted_on_entry"} == {"Nie"}
    assert {r["answer"] for r in rows if r["criterion_key"] == "served_at_all"} == {"Tak"}
    score = rows[0]["visit_score"]
    assert "," in score and "." not in score
    assert 'filename*=UTF-8' in response.headers["Content-Disposition"]


def test_plain_csv_answers_are_in_the_reports_language(login, region_store):
    body = login("manager").get(f"/manager/answers.csv?{PERIOD}&lang=ru").text
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {r["answer"] for r in rows if r["criterion_key"] == "served_at_all"} == {"Да"}
    assert "." in rows[0]["visit_score"] or rows[0]["visit_score"].isdigit()


def test_a_non_latin_file_name_is_sent_as_rfc_5987(login, region_store):
    response = login("plain_admin").get(f"/admin/reports/summary.pdf?{PERIOD}&region=Małopolskie")
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")  # what gunicorn writes; "ł" made it answer 500
    assert "filename*=UTF-8''summary-Ma%C5%82opolskie-2026-01-01-2026-12-31.pdf" in header
    assert 'filename="summary-Maopolskie-2026-01-01-2026-12-31.pdf"' in header


@pytest.mark.parametrize(("name", "plain"), [
    ("Квартал.csv", "download.csv"), ('a"b\\c.pdf', "a_b_c.pdf"), ("Żółć 1.pdf", "Zoc_1.pdf")])
def test_content_disposition_always_has_an_ascii_fallback(name, plain):
    header = content_disposition(name)
    header.encode("ascii")
    assert f'filename="{plain}"' in header
