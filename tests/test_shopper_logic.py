"""The phone without JavaScript follows show_if: the server asks what earlier answers open."""

import json
import re

import pytest
from conftest import make_store, make_visit

from audit.criteria_sets.versions import version_set
from audit.visits.scores import compute


@pytest.fixture
def visit(db, people):
    """A started visit of 'shopper' to a physical store (the built-in physical set)."""
    return make_visit(db, make_store(db, "LOGIC-1"), people["shopper"])


def number_of(db, visit_id, section_key) -> int:
    """The page number of a section of the visit's checklist."""
    cs = version_set(db, db["visits"].get(visit_id)["version_id"])
    return [s.key for s in cs.sections].index(section_key) + 1


def stored(db, visit_id, key):
    """A stored answer's value, decoded (None when there is none)."""
    rows = list(db.query("SELECT value FROM answers WHERE visit_id = ? AND criterion_key = ?",
                         [visit_id, key]))
    return json.loads(rows[0]["value"]) if rows and rows[0]["value"] else None


def asked(page: str, key: str) -> bool:
    """Whether the page shows criterion `key`'s question (drawn and not hidden)."""
    tag = re.search(rf'<fieldset [^>]*id="q-{key}"[^>]*>', page)
    return bool(tag) and " hidden" not in tag.group(0)


def test_a_purchase_opens_the_payment_questions_on_the_same_page(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    url = f"/shopper/visits/{visit}/sections/{number_of(db, visit, 'transparency')}"
    page = client.get(url).text
    assert not asked(page, "overcharged") and 'name="a-overcharged"' in page  # for the script
    response = client.post(url, {"a-bought": "yes", "a-prices_labelled": "yes", "go": "next"})
    assert response.status_code == 302 and response.location.endswith(url)
    page = client.get(url).text
    assert asked(page, "overcharged") and asked(page, "payment_methods")
    assert json.loads(re.search(r'data-logic>(.*?)</script>', page).group(1))["types"][
        "bought"] == "yes_no"
    assert 'name="a-receipt_amount"' in page and 'step="0.01"' in page


def test_new_answer_types_are_read_from_plain_form_fields(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    prices = f"/shopper/visits/{visit}/sections/{number_of(db, visit, 'transparency')}"
    client.post(prices, {"a-bought": "yes", "go": "stay"})
    response = client.post(prices, {"a-bought": "yes", "a-payment_methods-o-card": "1",
                                     "a-payment_methods-o-phone": "1",
                                     "a-receipt_amount": "42,5", "go": "stay"})
    assert response.status_code == 302
    assert stored(db, visit, "payment_methods") == ["card", "phone"]
    assert stored(db, visit, "receipt_amount") == 42.5
    after = f"/shopper/visits/{visit}/sections/{number_of(db, visit, 'after_sale')}"
    client.post(after, {"a-recommend": "9", "go": "stay"})
    assert stored(db, visit, "recommend") == 9
    assert compute(db, visit).criteria["payment_methods"].points == pytest.approx(0.7)


@pytest.mark.parametrize(("fields", "message"), [
    ({"a-receipt_amount": "12.505"}, "at most two decimals"),
    ({"a-receipt_amount": "-3"}, "at most two decimals"),
    ({"a-receipt_amount": "a lot"}, "Enter an amount"),
])
def test_a_bad_amount_is_refused_with_a_message(login, db, visit, fields, message):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    prices = f"/shopper/visits/{visit}/sections/{number_of(db, visit, 'transparency')}"
    client.post(prices, {"a-bought": "yes", "go": "stay"})
    response = client.post(prices, {"a-bought": "yes", **fields, "go": "stay"})
    assert response.status_code == 422 and message in response.text
    assert stored(db, visit, "receipt_amount") is None


def test_none_of_these_is_an_answer_and_nothing_ticked_is_none(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    prices = f"/shopper/visits/{visit}/sections/{number_of(db, visit, 'transparency')}"
    client.post(prices, {"a-bought": "yes", "go": "stay"})
    client.post(prices, {"a-bought": "yes", "a-payment_methods-none": "1", "go": "stay"})
    assert stored(db, visit, "payment_methods") == []
    assert 'name="a-payment_methods-none" value="1" checked' in client.get(prices).text
    client.post(prices, {"a-bought": "yes", "go": "stay"})
    assert stored(db, visit, "payment_methods") is None


def test_a_hidden_questions_answer_is_kept_but_never_counted(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    prices = f"/shopper/visits/{visit}/sections/{number_of(db, visit, 'transparency')}"
    client.post(prices, {"a-bought": "yes", "go": "stay"})
    client.post(prices, {"a-bought": "yes", "a-overcharged": "yes", "go": "stay"})
    assert compute(db, visit).knocked_out == ["overcharged"]
    # Without JavaScript the page still holds the ticked "yes" when "no purchase" is chosen.
    client.post(prices, {"a-bought": "no", "a-overcharged": "yes", "go": "stay"})
    assert not asked(client.get(prices).text, "overcharged")
    client.post(prices, {"a-bought": "no", "go": "stay"})  # the page without the question
    assert stored(db, visit, "overcharged") is True  # kept in the database
    result = compute(db, visit)
    assert result.knocked_out == [] and "overcharged" in result.hidden
    row = db["answers"].get((visit, "overcharged"))
    assert row["earned"] is None and row["possible"] is None


def test_the_summary_does_not_ask_for_hidden_questions(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    first = f"/shopper/visits/{visit}/sections/{number_of(db, visit, 'first_contact')}"
    summary = f"/shopper/visits/{visit}/summary"
    item = r'<li data-req="promised_to_come"[^>]*>'
    client.post(first, {"a-staff_free": "no", "go": "stay"})
    tag = re.search(item, client.get(summary).text).group(0)
    assert " hidden" not in tag  # asked and not answered: missing
    client.post(first, {"a-staff_free": "yes", "go": "stay"})
    tag = re.search(item, client.get(summary).text).group(0)
    assert " hidden" in tag and "data-logic-hidden" in tag
