"""Login rate limits (Flask-Limiter): failed attempts per account and per address.

Only failed logins count: the limits are tested before the view runs and charged after it, when
the view has called note_failed_login(). A shopper on a flaky connection who resends a correct
login is never locked out; someone guessing passwords is, for the rest of the window.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, current_app, flash, g, render_template, request
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.exceptions import TooManyRequests

from audit.web.login_form import LoginForm

LOGIN_ENDPOINT = "auth.login"
EXTENSION = "login_limiter"


def note_failed_login() -> None:
    """Mark this request as a failed login, so that it counts against the limits."""
    g.login_failed = True


def _failed(_response: Response) -> bool:
    """Charge the limits only for a login the view marked as failed."""
    return bool(g.get("login_failed"))


def _email_key() -> str:
    """Per account: the e-mail as typed, case-folded like the users.email column (NOCASE)."""
    return "email:" + request.form.get("email", "").strip().casefold()[:254]


def _address_key() -> str:
    """Per address: the client's IP (behind a proxy, ProxyFix must set remote_addr)."""
    return "addr:" + (request.remote_addr or "unknown")


def _minutes_left(limiter: Limiter) -> int:
    """Whole minutes until the breached limit lets the next attempt through (at least 1)."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    return max(1, math.ceil((breached.window.reset_time - time.time()) / 60))


def _too_many(error: TooManyRequests) -> tuple[str, int, dict[str, str]]:
    """429 on the login page, in our layout, saying when to try again."""
    minutes = _minutes_left(current_app.extensions[EXTENSION])
    message = ngettext(
        "Too many attempts. Try again in %(num)d minute.",
        "Too many attempts. Try again in %(num)d minutes.",
        minutes,
    )
    headers = {"Retry-After": str(minutes * 60)}
    if request.endpoint == LOGIN_ENDPOINT:
        flash(message, "error")
        return render_template("auth/login.html", form=LoginForm()), 429, headers
    return render_template("errors/error.html", code=429, message=message), 429, headers


def reset_login_limits(app: Flask) -> None:
    """Forget every counted attempt (tests, or an admin unlocking after an incident)."""
    limiter = app.extensions[EXTENSION]
    if limiter.enabled:
        limiter.reset()


def init_app(app: Flask) -> None:
    """One limiter per app (so tests never share counts), wrapped around the login view."""
    limiter = Limiter(
        key_func=_address_key,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        strategy="moving-window",
        enabled=app.config["RATELIMIT_ENABLED"],
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    view = app.view_functions[LOGIN_ENDPOINT]
    for rule, key in (
        (app.config["LOGIN_LIMIT_PER_EMAIL"], _email_key),
        (app.config["LOGIN_LIMIT_PER_ADDRESS"], _address_key),
    ):
        view = limiter.limit(rule, key_func=key, methods=["POST"], deduct_when=_failed)(view)
    app.view_functions[LOGIN_ENDPOINT] = view
    app.register_error_handler(RateLimitExceeded, _too_many)
