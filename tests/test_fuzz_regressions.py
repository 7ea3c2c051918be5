"""The 500s tests/test_fuzz_forms.py found, pinned down as plain cases so they stay fixed."""

from __future__ import annotations

import pytest
from table_dump import changed_tables, table_dump

from criteria import CriteriaError, load_set


@pytest.mark.parametrize(("fmt", "text"), [
    ("yaml", "key: " + "9" * 5000),
    ("json", '{"key": ' + "9" * 5000 + "}"),
])
def test_a_number_past_pythons_digit_limit_is_a_problem_not_a_crash(fmt, text):
    with pytest.raises(CriteriaError, match="a number has too many digits"):
        load_set(text, fmt)


def test_criteria_yaml_page_answers_a_huge_number_with_a_message(login, sample):
    client = login("admin")
    response = client.post(f"/admin/criteria/versions/{sample['version_id']}/yaml",
                           {"yaml": "key: " + "9" * 5000})
    assert response.status_code < 500


def post_json(client, url, body):
    """POST a JSON body with the CSRF header, as a script would."""
    return client.http.post(url, json=body, headers={"X-CSRFToken": client.token(),
                                                      "Accept": "application/json"})


@pytest.mark.parametrize("body", [{"name": 5, "code": {"": None}}, {"address": True}, [1, 2]])
def test_json_to_a_plain_form_is_400_and_writes_nothing(login, db, body):
    client = login("plain_admin")
    before = table_dump(db)
    assert post_json(client, "/admin/stores/new", body).status_code == 400
    assert changed_tables(before, table_dump(db)) == []


@pytest.mark.parametrize("body", ["false", "[1]", '"text"', "null", "{broken"])
def test_the_phones_json_routes_refuse_a_body_that_is_not_an_object(login, sample, body):
    client = login("shopper")
    response = client.http.post(f"/shopper/visits/{sample['visit_id']}/end", data=body,
                                content_type="application/json",
                                headers={"X-CSRFToken": client.token()})
    assert response.status_code == 400


@pytest.mark.parametrize("body", [{"uuid": 5, "photos": 7, "ended_at": []},
                                  {"uuid": "x", "photos": {"a": 1}}])
def test_odd_json_values_on_submit_are_a_4xx(login, sample, body):
    response = post_json(login("shopper"), f"/shopper/visits/{sample['visit_id']}/submit", body)
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("body", [{"started_at": 5, "lat": [1], "accuracy": None},
                                  {"started_at": {"a": 1}, "online_url": 7}])
def test_odd_json_values_on_start_are_a_validation_answer(login, db, people, body):
    from conftest import make_store, make_visit

    visit = make_visit(db, make_store(db, "JS-1"), people["shopper"])
    response = post_json(login("shopper"), f"/shopper/visits/{visit}/start", body)
    assert response.status_code in (200, 422), response.text
