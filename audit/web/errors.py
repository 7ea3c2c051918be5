"""Error pages and domain errors: the right status, the reader's language, never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from audit.errors import Conflict, DomainError, Invalid, NotFound

MESSAGES = {
    400: _l("The request was not understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or it is not yours to see."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
}
STATUS = {Invalid: 422, Conflict: 409, NotFound: 404}


def http_status(error: DomainError) -> int:
    """The HTTP status a domain error answers with: 422 invalid, 409 conflict, 404 not found."""
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def message(error: DomainError) -> str:
    """The error's message in the reader's language, its parameters filled in."""
    text = gettext(error.template)  # marked with N_ where it is raised, so it is extracted
    return text % error.params if error.params else text


def _render(error: HTTPException):
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
    app.register_error_handler(HTTPException, _render)
