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


# Passwords (issue 25, item 15) ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("aaaaaaaaaa", "This password is too easy to guess"),
        ("1234567890", "This password is too easy to guess"),
        ("password12", "This password is too easy to guess"),
        ("qwertyuiop12", "This password is too easy to guess"),
        ("Zaq12wsxcde", "This password is too easy to guess"),
        (" " * 12, "The password must not be only spaces."),
    ],
)
def test_weak_or_blank_password_is_refused_with_a_message_at_the_field(login, db, password,
                                                                       message):
    before = db["users"].count
    response = login("admin").post("/admin/users/new", {
        "name": "New Person", "email": "newnewnew@example.com", "role": "shopper",
        "password": password,
    })
    assert response.status_code == 422
    assert 'id="password-error">' + message in response.text
    assert db["users"].count == before


def test_weak_new_password_of_an_existing_user_is_refused(login, db, people):
    before = db["users"].get(people["shopper"])["password_hash"]
    response = login("admin").post(f"/admin/users/{people['shopper']}", {
        "name": "Shopper", "email": "shopper@example.com", "role": "shopper", "active": "y",
        "password": "password12",
    })
    assert response.status_code == 422
    assert db["users"].get(people["shopper"])["password_hash"] == before


def test_weak_password_is_refused_in_polish_and_russian(login):
    admin = login("admin")
    for lang, words in (("pl", "Hasło jest zbyt łatwe do odgadnięcia"),
                        ("ru", "Этот пароль слишком легко угадать")):
        response = admin.post("/admin/users/new", {
            "name": "New", "email": "new@example.com", "role": "shopper",
            "password": "1234567890"}, headers={"Accept-Language": lang})
        assert response.status_code == 422
        assert words in response.text


def test_command_line_refuses_a_weak_password(runner, db):
    result = runner.invoke(args=["users", "create", "--role", "admin", "--email", "a@b.co",
                                 "--password-stdin"], input="password12\n")
    assert result.exit_code != 0
    assert db["users"].count_where("email = 'a@b.co'") == 0


# Who gives review, and the log of user changes (issue 25, item 13) ---------------------------

def edit_form(**changes):
    """The plain admin's own edit form, with changes."""
    return {"name": "plain-admin", "email": "plain-admin@example.com", "role": "admin",
            "active": "y", **changes}


def test_admin_without_review_cannot_grant_it_to_himself(login, db, people):
    response = login("plain_admin").post(f"/admin/users/{people['plain_admin']}",
                                         edit_form(is_reviewer="y"))
    assert response.status_code == 422
    assert "Only an admin who reviews visits may give or take the reviewer permission." \
        in response.text
    assert db["users"].get(people["plain_admin"])["is_reviewer"] == 0
    assert db["user_log"].count_where("user_id = ?", [people["plain_admin"]]) == 1  # creation


def test_admin_without_review_cannot_create_a_reviewer(login, db):
    response = login("plain_admin").post("/admin/users/new", {
        "name": "Accomplice", "email": "acc@example.com", "role": "admin", "is_reviewer": "y",
        "password": "long-enough-pass"})
    assert response.status_code == 422
    assert db["users"].count_where("email = 'acc@example.com'") == 0


def test_admin_without_review_cannot_take_it_away(login, db, people):
    response = login("plain_admin").post(f"/admin/users/{people['admin']}", {
        "name": "Admin", "email": "admin@example.com", "role": "admin", "active": "y"})
    assert response.status_code == 422
    assert db["users"].get(people["admin"])["is_reviewer"] == 1


def test_a_reviewer_grants_review_and_the_change_is_logged_with_who_did_it(login, db, people):
    import json

    response = login("admin").post(f"/admin/users/{people['plain_admin']}",
                                   edit_form(is_reviewer="y", password="fresh-staple-horse-9"))
    assert response.status_code == 302
    assert db["users"].get(people["plain_admin"])["is_reviewer"] == 1
    entry = next(db.query("SELECT * FROM user_log WHERE user_id = ? ORDER BY id DESC LIMIT 1",
                          [people["plain_admin"]]))
    assert entry["actor_id"] == people["admin"]
    assert json.loads(entry["changes"]) == {"is_reviewer": [0, 1], "password": "changed"}
    assert "fresh-staple" not in entry["changes"] and "scrypt" not in entry["changes"]


def test_plain_admin_still_edits_other_fields_and_every_change_is_logged(login, db, people):
    response = login("plain_admin").post(f"/admin/users/{people['shopper']}", {
        "name": "Renamed", "email": "shopper@example.com", "role": "shopper", "active": "y"})
    assert response.status_code == 302
    entry = next(db.query("SELECT * FROM user_log WHERE user_id = ? ORDER BY id DESC LIMIT 1",
                          [people["shopper"]]))
    assert entry["actor_id"] == people["plain_admin"] and '"name"' in entry["changes"]


def test_region_changes_are_logged_and_the_edit_page_shows_the_log(login, db, people):
    from conftest import make_store

    make_store(db, "N-1", region="North")
    admin = login("admin")
    response = admin.post(f"/admin/users/{people['manager']}", {
        "name": "Manager", "email": "manager@example.com", "role": "manager", "active": "y",
        "regions": ["North"]})
    assert response.status_code == 302
    entry = next(db.query("SELECT * FROM user_log WHERE user_id = ? ORDER BY id DESC LIMIT 1",
                          [people["manager"]]))
    assert '"regions": [[], ["North"]]' in entry["changes"]
    page = admin.get(f"/admin/users/{people['manager']}")
    assert "Changes" in page.text and "Regions" in page.text


def test_giving_and_taking_a_store_is_logged_in_the_managers_log(login, db, people):
    import json

    store = {"code": "waw-9", "name": "Warszawa Nowa", "channel": "physical",
             "region": "Mazowieckie", "address": "ul. Nowa 1", "latitude": "52.2",
             "longitude": "21.0"}
    admin = login("plain_admin")
    assert admin.post("/admin/stores/new", {**store, "managers": [people["manager"]]}) \
        .status_code == 302
    store_id = next(db.query("SELECT id FROM stores WHERE code = 'WAW-9'"))["id"]
    assert admin.post(f"/admin/stores/{store_id}", {**store, "managers": [people["manager2"]]}) \
        .status_code == 302
    logs = {who: [json.loads(r["changes"]) for r in db.query(
        "SELECT changes FROM user_log WHERE user_id = ? AND actor_id = ? ORDER BY id",
        [people[who], people["plain_admin"]])] for who in ("manager", "manager2")}
    assert logs == {"manager": [{"store": [None, "WAW-9"]}, {"store": ["WAW-9", None]}],
                    "manager2": [{"store": [None, "WAW-9"]}]}
