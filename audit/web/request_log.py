"""One log line per request, and a request id on every line, every response and the error page.

The line carries the method, the path (never the query string, never a form field: no password
or token reaches the log), the status, the time taken, the request id and the user id. It is
written by our after_request hook, so it looks the same under `flask run` and gunicorn (whose
own access log can stay off). Errors are logged by Flask with their traceback on the same
logger ("audit", the app's logger), and carry the request id too.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

from reports import log_format

HEADER = "X-Request-ID"
# An id a proxy in front already gave the request is kept, so both logs can be joined;
# anything else (too long, odd characters that could forge a log line) is replaced.
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
log = logging.getLogger("audit.request")


class RequestContext(logging.Filter):
    """Adds the current request's id and user id to every record logged during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only adds fields."""
        if has_request_context() and "request_id" in g and not hasattr(record, "request_id"):
            record.request_id = g.request_id
            record.user_id = _user_id()
        return True


class NoDevServerAccessLines(logging.Filter):
    """Drops the development server's own line per request: ours says more, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for werkzeug's access line (its template ends in '"%s" %s %s')."""
        return not str(record.msg).rstrip().endswith('"%s" %s %s')


def _user_id() -> int | str:
    """The signed-in user's id, or "-"; never loads the user just to log it."""
    user = g.get("_login_user")  # set by Flask-Login once a view or guard asked for the user
    return getattr(user, "id", None) or "-"


def _start() -> None:
    """Give the request its id and note when it started."""
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if _GOOD_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Return the request id in a header and write the request's line."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[HEADER] = request_id
    started = g.get("request_started")
    ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    log.info("%s %s %s %s ms", request.method, request.path, response.status_code, ms,
             extra={"request_id": request_id, "user_id": _user_id(), "method": request.method,
                    "path": request.path, "status": response.status_code, "ms": ms,
                    "_in_message": ("method", "path", "status", "ms")})
    return response


def init_app(app: Flask) -> None:
    """Log to standard error in AUDIT_LOG_FORMAT; register the hooks (first, so they wrap all)."""
    logger = log_format.setup("audit", app.config["LOG_FORMAT"],
                              filters=[RequestContext()])
    logger.removeHandler(default_handler)  # Flask's own would write each error twice
    log_format.setup("reports", app.config["LOG_FORMAT"])  # renders here (CLI, tests) alike
    dev_server = logging.getLogger("werkzeug")  # `flask run` (make run); gunicorn has none
    if not any(isinstance(f, NoDevServerAccessLines) for f in dev_server.filters):
        dev_server.addFilter(NoDevServerAccessLines())
    app.before_request(_start)
    app.after_request(_finish)
