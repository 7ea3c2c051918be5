"""The read-only JSON API under /api/v1/: bearer tokens only, rate-limited per token.

Two blueprints: `api` (the JSON resources, no cookies, no CSRF) and `api_tokens` (the page where
a manager or admin makes and revokes their own tokens, a normal logged-in page with CSRF).
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, current_app, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from audit.api.bearer import authenticate, rate_key
from audit.web.csrf import csrf
from audit.web.errors import render_http_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")
LIMITER = "api_limiter"  # app.extensions key of the API's own limiter
PUBLIC = {"api.openapi"}  # the document describes the API and holds no data

MESSAGES = {
    "token_missing": (401, "Send a token: Authorization: Bearer <token>."),
    "token_invalid": (401, "This token is unknown or revoked."),
    "forbidden": (403, "This user's role has no access to the API."),
    "not_found": (404, "Nothing here, or it is not yours to see."),
    "method_not_allowed": (405, "The API is read-only: use GET."),
    "rate_limited": (429, "Too many requests: slow down and retry after Retry-After seconds."),
}


def api_error(code: str, message: str | None = None, status: int | None = None):
    """A JSON refusal {error, message} with its status (401 says how to authenticate).

    In English for every reader: its readers are programs and the people who write them.
    """
    known_status, known_message = MESSAGES.get(code, (400, code))
    response = jsonify({"error": code, "message": message or known_message})
    response.status_code = status or known_status
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.before_request
def _authenticate():
    """Every resource needs a valid token of an admin or a manager."""
    if request.endpoint in PUBLIC:
        return None
    refused = authenticate()
    return api_error(refused) if refused else None


@bp.after_request
def _no_store(response):
    """Answers hold scores for one user: no shared cache may keep them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(_error: RateLimitExceeded):
    """429 as JSON, with Retry-After."""
    response = api_error("rate_limited")
    breached = current_app.extensions[LIMITER].current_limit
    wait = breached.window.reset_time - time.time() if breached else 1
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """Any other HTTP error of the API as JSON."""
    codes = {404: "not_found", 405: "method_not_allowed"}
    code = codes.get(error.code or 400, "bad_request")
    return api_error(code, None if code in MESSAGES else error.description, error.code)


def _unrouted(error: HTTPException):
    """A URL or method no route takes: JSON under /api/, the usual page elsewhere (no
    blueprint's handlers run for it, as no blueprint matched)."""
    if request.path.startswith(bp.url_prefix + "/"):
        return _http_error(error)
    return render_http_error(error)


def init_app(app: Flask) -> None:
    """Register the API (exempt from CSRF, limited per token) and the tokens page."""
    from audit.api import tokens_views, views  # noqa: F401

    csrf.exempt(bp)
    # Its own limiter (one per app, so tests never share counts): the login limits count in the
    # database (audit/login_limits.py); a request of the API is too cheap to write for.
    limiter = Limiter(key_func=rate_key, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      strategy="moving-window", enabled=app.config["RATELIMIT_ENABLED"])
    limiter.init_app(app)
    app.extensions[LIMITER] = limiter
    limiter.limit(app.config["API_RATE_LIMIT"], key_func=rate_key)(bp)
    app.register_blueprint(bp)
    app.register_error_handler(NotFound, _unrouted)
    app.register_error_handler(MethodNotAllowed, _unrouted)
    app.register_blueprint(tokens_views.tokens_bp)
