"""Admins create, edit and archive stores; managers see only theirs."""

import pytest
from conftest import make_store

GOOD = {"code": "waw-9", "name": "Warszawa Nowa", "channel": "physical", "region": "Mazowieckie",
        "address": "ul. Nowa 1, Warszawa", "latitude": "52.2", "longitude": "21.0"}


def test_admin_creates_a_store_with_its_manager(login, db, people):
    response = login("admin").post("/admin/stores/new", {**GOOD, "managers": [people["manager"]]})
    assert response.status_code == 302
    store = next(db.query("SELECT * FROM stores WHERE code = 'WAW-9'"))
    assert store["latitude"] == pytest.approx(52.2)
    assert login("manager").get("/manager/").text.count("WAW-9") == 1
    assert "WAW-9" not in login("manager2").get("/manager/").text


def test_duplicate_store_code_is_shown_at_the_field(login, db):
    make_store(db, "WAW-9")
    before = db["stores"].count
    response = login("admin").post("/admin/stores/new", GOOD)
    assert response.status_code == 422
    assert 'id="code-error">Another store already uses this code.' in response.text
    assert db["stores"].count == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"channel": "online", "address": ""}, "url", "An online shop needs its web address."),
        ({"address": ""}, "address", "A physical shop needs an address."),
        ({"latitude": "123"}, "latitude", "Number must be between -90 and 90."),
        ({"code": "bad code!"}, "code", 'Letters, digits and "-" only.'),
        ({"url": "not a url", "channel": "online"}, "url", "Invalid URL."),
    ],
)
def test_bad_store_input_is_shown_at_the_field(login, db, change, field, message):
    response = login("admin").post("/admin/stores/new", {**GOOD, **change})
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in response.text
    assert db["stores"].count == 0


def test_archive_and_restore(login, db):
    store_id = make_store(db, "A-1")
    admin = login("admin")
    assert admin.post(f"/admin/stores/{store_id}/archive").status_code == 302
    assert db["stores"].get(store_id)["archived"] == 1
    admin.post(f"/admin/stores/{store_id}/archive")
    assert db["stores"].get(store_id)["archived"] == 0


def test_editing_keeps_the_id(login, db):
    store_id = make_store(db, "E-1")
    response = login("admin").post(f"/admin/stores/{store_id}", {**GOOD, "code": "E-1"})
    assert response.status_code == 302
    assert db["stores"].get(store_id)["name"] == "Warszawa Nowa"
