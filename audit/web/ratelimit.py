"""Login limits on the web: who is asking (address, known browser), the 429 page, the device
cookie. The counting itself is audit/login_limits.py, in the database, shared by every worker.

Only failed logins count. A browser that has logged in to an account before gets a signed
device cookie naming that account; with it, only its own failures slow it down, so a guesser
elsewhere (or behind the same proxy or office address) cannot lock its user out.
"""

from __future__ import annotations

import math
import secrets
import time

from flask import Flask, Response, current_app, flash, render_template, request
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeSerializer

from audit.login_limits import account_key, forget_failures, note_failure, seconds_to_wait
from audit.storage.db import open_db
from audit.web.database import get_db
from audit.web.login_form import LoginForm

DEVICE_COOKIE = "audit_device"
DEVICE_DAYS = 365
DEVICE_SALT = "login-device"


def _address() -> str:
    """The client's IP (behind a proxy, AUDIT_PROXY_HOPS lets ProxyFix set remote_addr)."""
    return request.remote_addr or "unknown"


def _signer() -> URLSafeSerializer:
    """Signs the device cookie with the app's secret key."""
    return URLSafeSerializer(current_app.secret_key, salt=DEVICE_SALT)


def _device(email: str) -> str | None:
    """This browser's device id when its cookie names the account being logged in to."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        value = _signer().loads(cookie)
    except BadSignature:
        return None
    if isinstance(value, dict) and value.get("account") == account_key(email):
        return str(value.get("device"))
    return None


def _enabled() -> bool:
    """Whether the limits are on (RATELIMIT_ENABLED; off for some test suites)."""
    return bool(current_app.config["RATELIMIT_ENABLED"])


def login_refused(email: str) -> tuple[str, int, dict[str, str]] | None:
    """The 429 page when this client must still wait before trying this account, else None."""
    if not _enabled():
        return None
    seconds = seconds_to_wait(get_db(), email, _address(), _device(email), time.time())
    if not seconds:
        return None
    flash(_wait_message(seconds), "error")
    headers = {"Retry-After": str(seconds)}
    return render_template("auth/login.html", form=LoginForm()), 429, headers


def _wait_message(seconds: int) -> str:
    """When to try again, in seconds under a minute and in whole minutes after."""
    if seconds < 60:
        return ngettext("Too many attempts. Try again in %(num)d second.",
                        "Too many attempts. Try again in %(num)d seconds.", seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("Too many attempts. Try again in %(num)d minute.",
                    "Too many attempts. Try again in %(num)d minutes.", minutes)


def note_failed_login(email: str) -> None:
    """Count this failed login against the limits."""
    if _enabled():
        note_failure(get_db(), email, _address(), _device(email), time.time())


def remember_device(response: Response, email: str) -> None:
    """After a correct login: this browser is known to this account from now on."""
    device = _device(email) or _new_device_id()
    value = _signer().dumps({"account": account_key(email), "device": device})
    config = current_app.config
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 24 * 3600, httponly=True,
                        samesite="Lax", secure=config["SESSION_COOKIE_SECURE"])


def _new_device_id() -> str:
    """A random id for a browser."""
    return secrets.token_urlsafe(16)


def reset_login_limits(app: Flask) -> None:
    """Forget every counted failure (tests, or an admin unlocking after an incident)."""
    db = open_db(app.config["DATABASE"])
    try:
        forget_failures(db)
    finally:
        db.close()


def init_app(app: Flask) -> None:
    """Nothing to wire: the login view asks login_refused() itself (kept for the factory)."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
