"""Security headers on every response, a fresh session at each login and logout, and JSON
bodies only where the phone's script sends them."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, g, request, session

# No inline script or style anywhere: JS lives in static/js, CSS in static/css. Photos preview
# from data:/blob: URLs; the service worker and the manifest come from this site only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

# Shoppers check in with their location and photograph evidence; nothing else is needed, so
# the other powerful features are switched off for this site and anything it could embed.
PERMISSIONS_POLICY = ", ".join(
    [
        "geolocation=(self)",
        "camera=(self)",
        "microphone=()",
        "payment=()",
        "usb=()",
        "display-capture=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}

HSTS = "max-age=31536000; includeSubDomains"

# Session keys that survive login (audit/i18n.py: the language chosen before logging in).
KEPT_AT_LOGIN = ("lang",)
# The routes that take a JSON body (each reads it itself, or through shopper.forms.json_form).
JSON_ENDPOINTS = frozenset({"shopper.start", "shopper.draft", "shopper.end", "shopper.submit"})


def add_security_headers(response: Response) -> Response:
    """Set our headers unless the view chose its own; HSTS only when served over HTTPS."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # SESSION_COOKIE_SECURE is True exactly when AUDIT_HTTPS=1 (audit/config.py). Sending HSTS
    # over plain HTTP would lock browsers out of a site that has no certificate.
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def new_session() -> None:
    """Start the login with an empty session, so nothing from before it carries over.

    Flask keeps the whole session in a signed cookie; there is no server-side session id to
    rotate. A "new session" therefore means: drop every key the old cookie carried (an old
    CSRF token, flashes, anything an attacker may have planted by handing the victim a cookie
    signed for his own visit) and let the response send a cookie with only what login_user()
    writes. The CSRF token is dropped too and Flask-WTF makes a new one on the next page. Only
    the language picked on the login page stays: a display choice, checked wherever it is read.
    """
    kept = {key: session[key] for key in KEPT_AT_LOGIN if key in session}
    session.clear()
    session.update(kept)
    g.pop("csrf_token", None)  # Flask-WTF caches this request's token on g


def end_session() -> None:
    """Forget everything at logout; call before logout_user(), which may mark a cookie to clear."""
    session.clear()


def refuse_unexpected_json() -> None:
    """400 for a JSON body where no script sends one, or one that is not a JSON object.

    Flask-WTF reads any JSON body as a form's data, and its fields and validators fail with a
    500 on numbers, lists or null where a browser only ever posts text (found by
    tests/test_fuzz_forms.py). Only the phone's script (static/js/sync.js) posts JSON.
    """
    if not request.is_json or request.endpoint is None:
        return
    if request.endpoint not in JSON_ENDPOINTS:
        abort(400)
    if not isinstance(request.get_json(silent=True), dict):
        abort(400)


def init_app(app: Flask) -> None:
    """Add the headers to every response, error pages and static files included."""
    app.before_request(refuse_unexpected_json)
    app.after_request(add_security_headers)
