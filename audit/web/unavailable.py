"""503 answers: the app fenced for a restore, or the database's disk full.

Both mean "nothing was saved, send it again later": the phone's script keeps what it holds on a
503 and retries, and a person reads why. A full disk is logged, and /healthz reports it.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import threading
import time
from pathlib import Path

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from audit.storage.maintenance import UnderMaintenance, is_fenced

MAINTENANCE = _l("The app is being restored from a backup. Nothing you sent just now was "
                 "saved; try again in a few minutes (the phone app sends it again by itself).")
DISK_FULL = _l("The server's disk is full, so nothing could be saved. The administrator can "
               "see it in the log; try again later (the phone app sends it again by itself).")
# A disk-full error seen this recently still makes /healthz unhealthy (per process).
FULL_REMEMBERED_SECONDS = 60
# Less free space than this beside the database: /healthz says the disk is full.
MIN_FREE_BYTES = 1024 * 1024

_last_full = {"at": 0.0}
_last_full_guard = threading.Lock()


def is_disk_full(error: BaseException) -> bool:
    """Whether an error says the disk (or the database's size limit) is full."""
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                or "database or disk is full" in str(error))
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_problem(db_path: str | Path) -> str | None:
    """'disk_full' when the database's disk is (or just was) full, else None; for /healthz."""
    with _last_full_guard:
        recent = time.monotonic() - _last_full["at"] < FULL_REMEMBERED_SECONDS and _last_full["at"]
    try:
        free = shutil.disk_usage(Path(db_path).parent).free
    except OSError:
        free = 0
    return "disk_full" if recent or free < MIN_FREE_BYTES else None


def _answer(code: str, text, retry_after: int):
    """The 503: JSON for the phone's script, the error page for a person."""
    if request.is_json or request.accept_mimetypes.best == "application/json":
        response = jsonify(error=code, message=str(text))
    else:
        response = current_app.make_response(
            render_template("errors/error.html", code=503, message=text))
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    return response


def _fence():
    """Refuse every request but static files while a restore holds the fence."""
    if request.endpoint != "static" and is_fenced(current_app.config["DATABASE"]):
        return _answer("maintenance", MAINTENANCE, 30)
    return None


def _maintenance(_error: UnderMaintenance):
    """A write that found the fence up (the request began just before it went up)."""
    return _answer("maintenance", MAINTENANCE, 30)


def _storage_error(error: Exception):
    """A full disk answers 503 and is logged; any other error goes on to the 500 page."""
    if not is_disk_full(error):
        raise error
    with _last_full_guard:
        _last_full["at"] = time.monotonic()
    current_app.logger.error("Disk full, nothing saved (%s %s): %s", request.method,
                             request.path, error)
    return _answer("disk_full", DISK_FULL, 60)


def init_app(app: Flask) -> None:
    """Register the fence check and the handlers."""
    app.before_request(_fence)
    app.register_error_handler(UnderMaintenance, _maintenance)
    app.register_error_handler(sqlite3.OperationalError, _storage_error)
    app.register_error_handler(OSError, _storage_error)
