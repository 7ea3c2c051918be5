"""Inputs a user can send that answered 500 or left a job running for ever (issue 25 item 11)."""

from __future__ import annotations

import pytest
from conftest import make_store, make_visit

from reports.aggregate import Period, PeriodError

HUGE = "9" * 20  # past SQLite's largest integer


def post_json(client, url, body):
    """POST a JSON body with the CSRF header, as the phone's script does."""
    return client.http.post(url, json=body, headers={"X-CSRFToken": client.token(),
                                                      "Accept": "application/json"})


@pytest.mark.parametrize("value", ["1e308", 1e308, "1e400", "-1e308", "nan", "inf", "1e15"])
@pytest.mark.parametrize("part", ["min", "sec"])
def test_an_absurd_duration_in_a_draft_is_refused_not_a_500(login, db, sample, value, part):
    client = login("shopper")
    response = post_json(client, f"/shopper/visits/{sample['visit_id']}/draft",
                         {"fields": {f"a-time_to_approach-{part}": value}})
    assert response.status_code < 500, response.text
    assert "time_to_approach" in response.json["errors"]
    page = client.get(f"/shopper/visits/{sample['visit_id']}/sections/1")
    assert page.status_code == 200


@pytest.mark.parametrize(("who", "url"), [
    ("shopper", f"/shopper/visits/{HUGE}"),
    ("shopper", f"/photos/{HUGE}"),
    ("manager", f"/manager/stores/{HUGE}"),
    ("manager", f"/manager/answers.csv?store_id={HUGE}"),
    ("admin", f"/admin/stores/{HUGE}"),
    ("admin", f"/admin/criteria/versions/{HUGE}/export"),
    ("shopper", f"/?page={HUGE}"),
    ("shopper", f"/shopper/?page={HUGE}"),
])
def test_a_20_digit_id_is_not_found_not_a_500(login, sample, who, url):
    assert login(who).get(url).status_code < 500


@pytest.mark.parametrize("start", ["0001-01-01", "1899-12-31", "1000-06-01"])
def test_a_summary_before_1900_is_refused_with_a_reason(login, start):
    response = login("admin").get(f"/admin/reports/summary.pdf?start={start}&end=2026-01-31")
    assert response.status_code == 400
    assert "A report covers days from 2000-01-01 to 2099-12-31." in response.text


def test_a_period_before_2000_cannot_be_parsed():
    with pytest.raises(PeriodError, match="covers days from 2000-01-01"):
        Period.parse("0001-01-01", "0001-12-31")


def test_the_longest_period_allowed_renders_its_summary(login):
    response = login("admin").get("/admin/reports/summary.pdf?start=2000-01-01&end=2099-12-31")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_report_run_from_year_1_is_refused_and_starts_no_job(login, db):
    before = db["jobs"].count
    response = login("admin").post("/admin/reports/runs",
                                   {"start": "0001-01-01", "end": "0001-02-01", "region": ""})
    assert response.status_code == 400
    assert "A report covers days from 2000-01-01" in response.text
    assert db["jobs"].count == before


def test_a_store_report_from_year_1_is_refused(login, db, people):
    store_id = make_store(db, "Y1-1")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    make_visit(db, store_id, people["shopper"], "published")
    response = login("manager").get(f"/manager/stores/{store_id}/report.pdf"
                                    "?start=0001-01-01&end=0001-12-31")
    assert response.status_code == 400


def test_the_report_cli_refuses_year_1_with_a_usage_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=[
        "report", "all", "--from", "0001-01-01", "--to", "0001-12-31", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "A report covers days from 2000-01-01 to 2099-12-31." in result.output
