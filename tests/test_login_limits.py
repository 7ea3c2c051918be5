"""Failed logins earn growing waits, counted per account and address in the database; correct
logins never count, and a browser that logged in before is never locked out by others."""

import re

import pytest
from conftest import PASSWORD, make_user

from audit import create_app
from audit.login_limits import FIRST_WAIT, wait_after
from audit.storage.db import open_db
from audit.web.ratelimit import DEVICE_COOKIE, reset_login_limits

WRONG = "wrong-password-123"


class Browser:
    """A browser at one address that posts the login form with a real CSRF token; it keeps its
    cookies between logins (the device cookie among them), as a real one does."""

    def __init__(self, app, address="192.0.2.1", headers=None):
        self.app = app
        self.environ = {"REMOTE_ADDR": address}
        self.headers = headers or {}
        self.http = app.test_client()
        self.start()

    def start(self):
        """Drop the session (as after logging out) and read a CSRF token from the login page."""
        self.http.delete_cookie("session")
        page = self.http.get("/login", environ_base=self.environ, headers=self.headers)
        self.token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                               page.text)[1]

    def login(self, email, password):
        """POST the login form (no redirect followed)."""
        response = self.http.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.token},
            environ_base=self.environ, headers=self.headers,
        )
        if response.status_code == 302:  # logged in: start over so the next try is a login
            self.start()
        return response


def fail(browser, email, times):
    """Send `times` wrong passwords for email; each must be an ordinary failure (200)."""
    for _ in range(times):
        assert browser.login(email, WRONG).status_code == 200


def wait(db, seconds):
    """Let time pass for the limits: move every counted failure back by `seconds`."""
    db.execute("UPDATE login_failures SET at = at - ?", [seconds])
    db.conn.commit()


def test_waits_start_after_five_failures_and_double_with_each_further_one():
    assert [wait_after(n, 5) for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 900, 900]


def test_sixth_attempt_waits_thirty_seconds_even_with_the_right_password(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 5)
    response = browser.login("shopper@example.com", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts. Try again in 30 seconds." in response.text
    assert 'name="password"' in response.text and "Mystery audit" in response.text  # our layout
    assert 25 <= int(response.headers["Retry-After"]) <= FIRST_WAIT


def test_after_the_wait_the_right_password_logs_in(app, people, db):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 5)
    wait(db, FIRST_WAIT + 1)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302


def test_each_further_failure_doubles_the_wait(app, people, db):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 5)
    wait(db, FIRST_WAIT + 1)
    fail(browser, "shopper@example.com", 1)
    response = browser.login("shopper@example.com", PASSWORD)
    assert response.status_code == 429
    assert "Try again in 1 minute." in response.text
    assert 55 <= int(response.headers["Retry-After"]) <= 60


def test_failures_older_than_fifteen_minutes_are_forgotten(app, people, db):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 5)
    wait(db, 15 * 60 + 1)
    fail(browser, "shopper@example.com", 4)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302


def test_e_mail_case_does_not_escape_the_count(app, people):
    browser = Browser(app)
    fail(browser, "Shopper@Example.COM", 3)
    fail(browser, " shopper@example.com", 2)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 429


def test_other_accounts_still_log_in_while_one_waits(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 5)
    assert browser.login("shopper2@example.com", PASSWORD).status_code == 302


def test_repeated_correct_logins_never_count(app, people):
    browser = Browser(app)
    for _ in range(35):  # more than every limit
        assert browser.login("shopper@example.com", PASSWORD).status_code == 302


def test_guesses_from_many_addresses_slow_down_unknown_browsers_on_that_account(app, people):
    for n in range(20):
        fail(Browser(app, f"198.51.100.{n}"), "manager@example.com", 1)
    assert Browser(app, "192.0.2.77").login("manager@example.com", PASSWORD).status_code == 429


def test_a_browser_that_logged_in_before_is_not_locked_out_by_guessers(app, people):
    phone = Browser(app, "192.0.2.5")
    assert phone.login("manager@example.com", PASSWORD).status_code == 302
    assert phone.http.get_cookie(DEVICE_COOKIE) is not None
    for n in range(25):  # the account limit and more, from elsewhere (the last ones wait)
        Browser(app, f"198.51.100.{n}").login("manager@example.com", WRONG)
    assert phone.login("manager@example.com", PASSWORD).status_code == 302


def test_a_known_browser_is_still_slowed_down_by_its_own_failures(app, people):
    phone = Browser(app)
    assert phone.login("manager@example.com", PASSWORD).status_code == 302
    fail(phone, "manager@example.com", 5)
    assert phone.login("manager@example.com", PASSWORD).status_code == 429


def test_a_forged_device_cookie_counts_as_an_unknown_browser(app, people):
    browser = Browser(app)
    browser.http.set_cookie(DEVICE_COOKIE, "eyJhY2NvdW50IjoibWFuYWdlckBleGFtcGxlLmNvbSJ9.forged")
    fail(browser, "manager@example.com", 5)
    assert browser.login("manager@example.com", PASSWORD).status_code == 429


def test_fifty_failures_behind_one_proxy_address_do_not_lock_out_returning_users(app, people):
    """The issue's finding: 50 failures from one address made three other users' logins 429."""
    users = ["manager@example.com", "manager2@example.com", "shopper2@example.com"]
    browsers = [Browser(app, "10.0.0.1") for _ in users]
    for browser, email in zip(browsers, users, strict=True):  # each logged in before
        assert browser.login(email, PASSWORD).status_code == 302
    attacker = Browser(app, "10.0.0.1")
    for n in range(50):
        attacker.login(f"guess{n % 10}@example.com", WRONG)
    for browser, email in zip(browsers, users, strict=True):
        assert browser.login(email, PASSWORD).status_code == 302
    assert attacker.login("guess0@example.com", WRONG).status_code == 429


@pytest.fixture
def proxied_app(tmp_path):
    """The app behind one proxy (AUDIT_PROXY_HOPS=1, as in the README's nginx example)."""
    return create_app({"TESTING": True, "SECRET_KEY": "t", "PROXY_HOPS": 1,
                       "DATABASE": str(tmp_path / "audit.db")})


def test_behind_the_proxy_each_client_is_counted_at_its_own_address(proxied_app):
    db = open_db(proxied_app.config["DATABASE"])
    make_user(db, "manager", "manager@example.com")
    attacker = Browser(proxied_app, "127.0.0.1", {"X-Forwarded-For": "203.0.113.9"})
    for n in range(50):
        attacker.login(f"guess{n % 10}@example.com", WRONG)
    newcomer = Browser(proxied_app, "127.0.0.1", {"X-Forwarded-For": "192.0.2.60"})
    assert newcomer.login("manager@example.com", PASSWORD).status_code == 302
    addresses = {row["address"] for row in db["login_failures"].rows}
    assert addresses == {"203.0.113.9"}
    db.close()


def test_login_page_still_opens_while_waiting(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 5)
    assert browser.http.get("/login", environ_base=browser.environ).status_code == 200


def test_invalid_form_does_not_count_as_a_failed_attempt(app, people):
    browser = Browser(app)
    for _ in range(8):
        assert browser.login("shopper@example.com", "").status_code == 200
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302


def test_reset_forgets_the_failures(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 5)
    reset_login_limits(app)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302


@pytest.fixture
def unlimited_app(tmp_path):
    """An app with the login limits switched off, as a test suite may want."""
    return create_app({"TESTING": True, "SECRET_KEY": "t", "RATELIMIT_ENABLED": False,
                       "DATABASE": str(tmp_path / "audit.db")})


def test_limits_can_be_switched_off_by_config(unlimited_app):
    db = open_db(unlimited_app.config["DATABASE"])
    make_user(db, "shopper", "shopper@example.com")
    db.close()
    browser = Browser(unlimited_app)
    fail(browser, "shopper@example.com", 8)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302
    reset_login_limits(unlimited_app)  # harmless when off
