"""Sessions live on the server: logout, a new password, deactivation and "log out everywhere"
end them, and a copy of the cookie taken before no longer opens anything (issue 25, item 1)."""

from datetime import UTC, datetime, timedelta

from conftest import PASSWORD, Client

from audit.users import update_user

NEW_PASSWORD = "another-horse-staple-42"


def cookie_copy(client, app):
    """A second browser holding a copy of the client's session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.http.get_cookie("session").value)
    return thief


def sent_to_login(response):
    """Whether the answer is the redirect to the login page."""
    return response.status_code == 302 and "/login" in response.location


def test_cookie_copied_before_logout_no_longer_opens_the_store_pages(app, people):
    manager = Client(app, "manager@example.com")
    thief = cookie_copy(manager, app)
    assert thief.get("/manager/").status_code == 200
    assert manager.post("/logout").status_code == 302
    assert sent_to_login(thief.get("/manager/"))


def test_logout_on_one_device_keeps_the_other_logged_in(app, people):
    phone = Client(app, "shopper@example.com")
    laptop = Client(app, "shopper@example.com")
    phone.post("/logout")
    assert laptop.get("/shopper/").status_code == 200


def test_a_password_changed_by_an_admin_ends_the_users_sessions(app, people, login):
    shopper = Client(app, "shopper@example.com")
    assert shopper.get("/shopper/").status_code == 200
    response = login("admin").post(f"/admin/users/{people['shopper']}", {
        "name": "Shopper", "email": "shopper@example.com", "role": "shopper", "active": "y",
        "password": NEW_PASSWORD,
    })
    assert response.status_code == 302
    ended = shopper.get("/shopper/")
    assert sent_to_login(ended)
    page = shopper.get(ended.location)
    assert "Your session has ended. Please log in again." in page.text
    assert Client(app, "shopper@example.com", NEW_PASSWORD).get("/shopper/").status_code == 200


def test_a_password_changed_in_the_database_layer_ends_sessions_too(app, people, db):
    shopper = Client(app, "shopper@example.com")
    update_user(db, people["shopper"], password=NEW_PASSWORD)
    assert sent_to_login(shopper.get("/shopper/"))


def test_an_admin_who_changes_his_own_password_stays_logged_in_there_only(app, people, login):
    admin = login("admin")
    elsewhere = Client(app, "admin@example.com")
    response = admin.post(f"/admin/users/{people['admin']}", {
        "name": "Admin", "email": "admin@example.com", "role": "admin", "is_reviewer": "y",
        "active": "y", "password": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert admin.get("/admin/").status_code == 200
    assert sent_to_login(elsewhere.get("/admin/"))


def test_deactivation_ends_the_sessions_for_good(app, people, db):
    shopper = Client(app, "shopper@example.com")
    update_user(db, people["shopper"], active=False)
    update_user(db, people["shopper"], active=True)  # reactivated: the old cookie stays dead
    assert sent_to_login(shopper.get("/shopper/"))
    assert db["sessions"].count_where("user_id = ?", [people["shopper"]]) == 0


def test_log_out_everywhere_ends_every_session_of_the_reader_only(app, people):
    phone = Client(app, "shopper@example.com")
    laptop = Client(app, "shopper@example.com")
    other = Client(app, "shopper2@example.com")
    response = laptop.post("/logout/everywhere", follow_redirects=True)
    assert "You are logged out on every device." in response.text
    assert sent_to_login(phone.get("/shopper/"))
    assert sent_to_login(laptop.get("/shopper/"))
    assert other.get("/shopper/").status_code == 200


def test_every_page_offers_log_out_everywhere(app, people):
    page = Client(app, "shopper@example.com").get("/shopper/")
    assert 'formaction="/logout/everywhere"' in page.text
    assert "Log out everywhere" in page.text


def test_an_admin_logs_a_user_out_everywhere_and_it_is_logged(app, people, login, db):
    shopper = Client(app, "shopper@example.com")
    response = login("plain_admin").post(f"/admin/users/{people['shopper']}/logout")
    assert response.status_code == 302
    assert sent_to_login(shopper.get("/shopper/"))
    entry = next(db.query("SELECT * FROM user_log WHERE user_id = ? ORDER BY id DESC LIMIT 1",
                          [people["shopper"]]))
    assert entry["actor_id"] == people["plain_admin"] and '"sessions"' in entry["changes"]


def test_the_database_keeps_only_a_hash_of_the_session_token(app, people, db):
    client = Client(app, "shopper@example.com")
    with client.http.session_transaction() as session:
        token = session["_user_id"]
    stored = [row["token_hash"] for row in db["sessions"].rows]
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_a_cookie_from_before_the_server_side_sessions_is_logged_out(app, people):
    client = app.test_client()
    with client.session_transaction() as session:  # the old cookie named the user's id
        session["_user_id"] = str(people["admin"])
        session["_fresh"] = True
    assert sent_to_login(client.get("/admin/"))


def test_login_after_an_ended_session_works_again(app, people):
    client = Client(app, "shopper@example.com")
    client.post("/logout/everywhere")
    assert client.post("/login", {"email": "shopper@example.com",
                                  "password": PASSWORD}).status_code == 302
    assert client.get("/shopper/").status_code == 200


def _age_sessions(db, user_id, **delta):
    """Make the user's sessions look last used this long ago."""
    when = (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="seconds")
    with db.atomic():
        db.execute("UPDATE sessions SET seen_at = ? WHERE user_id = ?", [when, user_id])
    return when


def test_a_session_not_used_for_the_idle_days_ends(app, people, db):
    shopper = Client(app, "shopper@example.com")
    _age_sessions(db, people["shopper"], days=app.config["SESSION_IDLE_DAYS"], minutes=1)
    ended = shopper.get("/shopper/")
    assert sent_to_login(ended)
    assert "Your session has ended. Please log in again." in shopper.get(ended.location).text


def test_a_session_used_within_the_idle_days_stays(app, people, db):
    shopper = Client(app, "shopper@example.com")
    _age_sessions(db, people["shopper"], days=app.config["SESSION_IDLE_DAYS"] - 1)
    assert shopper.get("/shopper/").status_code == 200


def test_a_login_deletes_the_sessions_idle_too_long(app, people, db):
    Client(app, "shopper@example.com")
    Client(app, "manager@example.com")
    _age_sessions(db, people["shopper"], days=app.config["SESSION_IDLE_DAYS"] + 1)
    Client(app, "admin@example.com")
    owners = sorted(row["user_id"] for row in db["sessions"].rows)
    assert owners == sorted([people["manager"], people["admin"]])


def test_use_is_noted_at_most_once_an_hour(app, people, db):
    shopper = Client(app, "shopper@example.com")
    recent = _age_sessions(db, people["shopper"], minutes=10)
    shopper.get("/shopper/")
    assert db.execute("SELECT seen_at FROM sessions").fetchone()[0] == recent  # no write
    stale = _age_sessions(db, people["shopper"], hours=2)
    shopper.get("/shopper/")
    assert db.execute("SELECT seen_at FROM sessions").fetchone()[0] > stale
