"""Admins create, edit and deactivate users in the web UI."""

import pytest


def test_admin_creates_a_shopper(login, db):
    admin = login("admin")
    response = admin.post("/admin/users/new", {
        "name": "Jan Kowalski", "email": "jan@example.com", "role": "shopper",
        "password": "long-enough-pass",
    })
    assert response.status_code == 302
    row = next(db.query("SELECT * FROM users WHERE email = 'jan@example.com'"))
    assert row["role"] == "shopper" and row["active"] == 1 and row["is_reviewer"] == 0


def test_duplicate_email_is_shown_at_the_field_and_nothing_written(login, db):
    before = db["users"].count
    response = login("admin").post("/admin/users/new", {
        "name": "Copy", "email": "SHOPPER@example.com", "role": "shopper",
        "password": "long-enough-pass",
    })
    assert response.status_code == 422
    assert 'id="email-error">A user with this e-mail already exists.' in response.text
    assert db["users"].count == before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters."),
        ("new@example.com", "The password must not be your e-mail."),
        ("", "Set a password for the new user."),
    ],
)
def test_bad_password_is_refused_at_the_field(login, db, password, message):
    before = db["users"].count
    response = login("admin").post("/admin/users/new", {
        "name": "New", "email": "new@example.com", "role": "shopper", "password": password,
    })
    assert response.status_code == 422
    assert message in response.text
    assert db["users"].count == before


def test_admin_deactivates_a_user_who_is_then_logged_out(app, login, db, people):
    shopper = login("shopper")
    assert shopper.get("/shopper/").status_code == 200
    response = login("admin").post(f"/admin/users/{people['shopper']}", {
        "name": "Shopper", "email": "shopper@example.com", "role": "shopper",
    })
    assert response.status_code == 302
    assert db["users"].get(people["shopper"])["active"] == 0
    assert shopper.get("/shopper/").status_code == 302


def test_manager_gets_regions(login, db, people):
    from conftest import make_store

    make_store(db, "N-1", region="North")
    make_store(db, "S-1", region="South")
    response = login("admin").post(f"/admin/users/{people['manager']}", {
        "name": "M", "email": "manager@example.com", "role": "manager", "active": "y",
        "regions": ["South"],
    })
    assert response.status_code == 302
    page = login("manager").get("/manager/")
    assert "S-1" in page.text and "N-1" not in page.text


def test_reviewer_flag_only_sticks_to_admins(login, db, people):
    login("admin").post(f"/admin/users/{people['shopper']}", {
        "name": "S", "email": "shopper@example.com", "role": "shopper", "active": "y",
        "is_reviewer": "y",
    })
    assert db["users"].get(people["shopper"])["is_reviewer"] == 0


def test_unknown_user_is_404(login):
    assert login("admin").get("/admin/users/9999").status_code == 404
