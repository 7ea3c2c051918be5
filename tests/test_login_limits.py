"""Failed logins are limited per account and per address; correct logins never count."""

import re

import pytest
from conftest import PASSWORD, make_user

from audit import create_app
from audit.storage.db import open_db
from audit.web.ratelimit import reset_login_limits

WRONG = "wrong-password-123"


class Browser:
    """An anonymous browser at one address that posts the login form with a real CSRF token."""

    def __init__(self, app, address="192.0.2.1"):
        self.app = app
        self.environ = {"REMOTE_ADDR": address}
        self.start()

    def start(self):
        """A new cookie jar and the CSRF token from the login page."""
        self.http = self.app.test_client()
        page = self.http.get("/login", environ_base=self.environ)
        self.token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                               page.text)[1]

    def login(self, email, password):
        """POST the login form (no redirect followed)."""
        response = self.http.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.token},
            environ_base=self.environ,
        )
        if response.status_code == 302:  # logged in: start over so the next try is a login
            self.start()
        return response


def fail(browser, email, times):
    """Send `times` wrong passwords for email; each must be an ordinary failure (200)."""
    for _ in range(times):
        assert browser.login(email, WRONG).status_code == 200


def test_eleventh_attempt_after_ten_failures_is_refused_even_with_the_right_password(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 10)
    response = browser.login("shopper@example.com", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts. Try again in 15 minutes." in response.text
    assert 'name="password"' in response.text and "Mystery audit" in response.text  # our layout
    assert 600 < int(response.headers["Retry-After"]) <= 900


def test_account_lock_holds_from_another_address(app, people):
    fail(Browser(app, "192.0.2.1"), "shopper@example.com", 10)
    assert Browser(app, "198.51.100.7").login("shopper@example.com", PASSWORD).status_code == 429


def test_e_mail_case_does_not_escape_the_account_limit(app, people):
    browser = Browser(app)
    fail(browser, "Shopper@Example.COM", 5)
    fail(browser, " shopper@example.com", 5)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 429


def test_other_accounts_still_log_in_while_one_is_locked(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 10)
    assert browser.login("shopper2@example.com", PASSWORD).status_code == 302


def test_nine_failures_then_the_right_password_logs_in(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 9)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302


def test_repeated_correct_logins_never_lock_the_account(app, people):
    browser = Browser(app)
    for _ in range(40):  # more than both limits
        assert browser.login("shopper@example.com", PASSWORD).status_code == 302


def test_thirty_failures_from_one_address_block_that_address_only(app, people):
    attacker = Browser(app, "203.0.113.9")
    for n in range(30):  # three failures on each of ten e-mails: no account limit is reached
        assert attacker.login(f"guess{n // 3}@example.com", WRONG).status_code == 200
    refused = attacker.login("manager@example.com", PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts." in refused.text
    assert Browser(app, "192.0.2.50").login("manager@example.com", PASSWORD).status_code == 302


def test_login_page_still_opens_while_locked(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 10)
    assert browser.http.get("/login", environ_base=browser.environ).status_code == 200


def test_invalid_form_does_not_count_as_a_failed_attempt(app, people):
    browser = Browser(app)
    for _ in range(12):
        assert browser.login("shopper@example.com", "").status_code == 200
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302


def test_reset_forgets_the_failures(app, people):
    browser = Browser(app)
    fail(browser, "shopper@example.com", 10)
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
    fail(browser, "shopper@example.com", 12)
    assert browser.login("shopper@example.com", PASSWORD).status_code == 302
    reset_login_limits(unlimited_app)  # harmless when off
