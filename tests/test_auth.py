"""Login, logout and deactivation."""

from conftest import PASSWORD, Client


def test_login_then_lands_on_role_home(app, people):
    client = Client(app, "shopper@example.com")
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert "My visits" in response.text


def test_wrong_password_and_unknown_email_give_the_same_message(app, people, db):
    before = db["users"].count
    anon = Client(app, None)
    wrong = anon.post("/login", {"email": "shopper@example.com", "password": "nope-nope-nope"})
    unknown = anon.post("/login", {"email": "ghost@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 200
    assert "Wrong e-mail or password." in wrong.text
    assert "Wrong e-mail or password." in unknown.text
    assert "ghost" not in unknown.text.replace('value="ghost@example.com"', "")
    assert db["users"].count == before


def test_login_without_csrf_token_is_refused(app, people):
    response = app.test_client().post(
        "/login", data={"email": "shopper@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "The form expired" in response.text


def test_logout_ends_the_session(app, people):
    client = Client(app, "manager@example.com")
    assert client.get("/manager/").status_code == 200
    assert client.post("/logout").status_code == 302
    response = client.get("/manager/")
    assert response.status_code == 302 and "/login" in response.location


def test_deactivated_user_is_logged_out_at_next_request(app, people, db):
    client = Client(app, "shopper@example.com")
    assert client.get("/shopper/").status_code == 200
    db["users"].update(people["shopper"], {"active": 0})
    response = client.get("/shopper/")
    assert response.status_code == 302 and "/login" in response.location


def test_deactivated_user_cannot_log_in(app, people, db):
    db["users"].update(people["shopper"], {"active": 0})
    response = Client(app, None).post(
        "/login", {"email": "shopper@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.text


def test_login_ignores_a_next_url_on_another_host(app, people):
    client = Client(app, None)
    response = client.post(
        "/login?next=https://evil.example/x", {"email": "admin@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "evil.example" not in response.location


def test_passwords_are_stored_hashed_with_scrypt(db, people):
    row = db["users"].get(people["admin"])
    assert row["password_hash"].startswith("scrypt:")
    assert PASSWORD not in row["password_hash"]


def test_healthz_checks_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["checks"]["database"] == {"ok": True}


def test_session_cookie_is_httponly_and_lax(app, people):
    client = app.test_client()
    page = client.get("/login")
    cookie = page.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_favicon_ico_answers_with_the_app_icon(app):
    response = app.test_client().get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")
