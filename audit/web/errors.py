"""Error pages and domain errors: the right status, the reader's language, never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from audit.errors import Conflict, DomainError, Invalid, NotFound
from audit.web.labels import word

MESSAGES = {
    400: _l("The request was not understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or it is not yours to see."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
    500: _l("Something went wrong on our side. Try again in a moment."),
}
STATUS = {Invalid: 422, Conflict: 409, NotFound: 404}
# Refusals the phone's API has always answered with another status: a malformed request (400),
# a picture too big to decode (413); kept so the phone's script sees what it always saw.
# Requests the phone's script should never make (no valid id, no file, not a picture): 400.
# A visit taken from the shopper (cancelled, given to someone else) is gone for them: 410, which
# the phone's script takes as "stop sending it and say why".
STATUS_BY_CODE = {"bad_uuid": 400, "bad_client_id": 400, "bad_criterion": 400, "no_file": 400,
                  "not_an_image": 400, "too_many": 400, "too_large": 413,
                  "visit_cancelled": 410, "visit_moved": 410,
                  # one user's render requests over AUDIT_RENDER_CAP: "too many requests"
                  "render_cap": 429,
                  "busy": 503, "bad_cursor": 400}


def http_status(error: DomainError) -> int:
    """The HTTP status a domain error answers with: 422 invalid, 409 conflict, 404 not found."""
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def message(error: DomainError) -> str:
    """The error's message in the reader's language, its parameters filled in.

    A parameter that is a vocabulary value (a status, a role) is shown as its word.
    """
    text = gettext(error.template)  # marked with N_ where it is raised, so it is extracted
    if not error.params:
        return text
    return text % {name: word(value) for name, value in error.params.items()}


def messages(errors: dict | list | None) -> dict | list | None:
    """Refusals by key (or a list), each domain error as its message; other values as they are.

    A domain error's `details` may hold one refusal per field (e.g. per criterion), and forms
    and the phone's JSON mix them with messages the web layer already wrote.
    """
    if isinstance(errors, dict):
        return {k: message(v) if isinstance(v, DomainError) else v for k, v in errors.items()}
    if isinstance(errors, list):
        return [message(v) if isinstance(v, DomainError) else v for v in errors]
    return errors


def render_http_error(error: HTTPException):
    """Render any HTTP error with our layout."""
    code = error.code or 500
    text = MESSAGES.get(code, error.description)
    return render_template("errors/error.html", code=code, message=text), code


def _domain(error: DomainError):
    """A domain error no view caught: its message in the layout, with its status."""
    code = http_status(error)
    return render_template("errors/error.html", code=code, message=message(error)), code


def _csrf(error: CSRFError):
    """An expired or missing CSRF token: say so plainly."""
    text = _l("The form expired. Go back, reload and try again.")
    return render_template("errors/error.html", code=400, message=text), 400


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(DomainError, _domain)
    app.register_error_handler(HTTPException, render_http_error)
