"""Error pages: a clear message in the layout, the right status, never a traceback."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: _l("The request was not understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or it is not yours to see."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
}


def _render(error: HTTPException):
    """Render any HTTP error with our layout."""
    code = error.code or 500
    message = MESSAGES.get(code, error.description)
    return render_template("errors/error.html", code=code, message=message), code


def _csrf(error: CSRFError):
    """An expired or missing CSRF token: say so plainly."""
    message = _l("The form expired. Go back, reload and try again.")
    return render_template("errors/error.html", code=400, message=message), 400


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _render)
