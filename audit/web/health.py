"""GET /healthz: the database, its disk, the render queue and the render workers, one check each.

Each check returns a dict with "ok" and what it saw; the answer is 200 when every check is ok,
else 503, with every check's dict under "checks". A new check is one function in CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify

from audit import report_runs
from audit.web.database import get_db
from audit.web.unavailable import disk_problem
from reports import queue

bp = Blueprint("health", __name__)


def database_check() -> dict:
    """A query against the database answers."""
    try:
        get_db().execute("SELECT 1 FROM users LIMIT 1").fetchall()
    except Exception as exc:  # any database failure means "not healthy"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def queue_check() -> dict:
    """The render queue answers, and how many renders wait in it."""
    huey = report_runs.queue_for(current_app.config)
    try:
        waiting = huey.storage.queue_size()
    except queue.queue_errors() as exc:
        return {"ok": False, "error": type(exc).__name__, "where": huey.settings.where}
    return {"ok": True, "waiting": waiting}


def worker_check() -> dict:
    """A render worker beat lately, or no render waits for one.

    Not ok only when renders wait and no worker has been seen for WORKER_TIMEOUT seconds: an
    idle site with its worker stopped is healthy, a manager waiting for a PDF nobody renders
    is not.
    """
    huey = report_runs.queue_for(current_app.config)
    if huey.immediate:
        return {"ok": True, "mode": "in-process"}
    timeout = current_app.config["WORKER_TIMEOUT"]
    try:
        age = queue.worker_age(huey)
        waiting = huey.storage.queue_size() + report_runs.renders_pending(get_db())
    except queue.queue_errors() as exc:
        return {"ok": False, "error": type(exc).__name__}
    seen = age is not None and age <= timeout
    return {"ok": seen or not waiting, "last_heartbeat_s": None if age is None else round(age, 1),
            "timeout_s": timeout, "renders_waiting": waiting}


def disk_check() -> dict:
    """Room to write beside the database (reads still work on a full disk; writes do not)."""
    problem = disk_problem(current_app.config["DATABASE"])
    return {"ok": False, "error": problem} if problem else {"ok": True}


CHECKS: dict[str, Callable[[], dict]] = {
    "database": database_check,
    "disk": disk_check,
    "queue": queue_check,
    "worker": worker_check,
}


@bp.route("/healthz")
def healthz():
    """Every check's result; 200 when all are ok, 503 when one is not."""
    checks = {name: check() for name, check in CHECKS.items()}
    ok = all(c["ok"] for c in checks.values())
    return jsonify({"status": "ok" if ok else "error", "checks": checks}), 200 if ok else 503


def init_app(app: Flask) -> None:
    """Register the route."""
    app.register_blueprint(bp)
