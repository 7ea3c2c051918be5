"""GET /healthz: the app is up, its database answers and its disk has room to write."""

from flask import Blueprint, Flask, current_app, jsonify

from audit.web.database import get_db
from audit.web.unavailable import disk_problem

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """Answer {"status": "ok"} after a query against the database."""
    try:
        get_db().execute("SELECT 1 FROM users LIMIT 1").fetchall()
    except Exception as exc:  # any database failure means "not healthy"
        return jsonify({"status": "error", "error": type(exc).__name__}), 503
    problem = disk_problem(current_app.config["DATABASE"])  # reads work on a full disk; writes not
    if problem:
        return jsonify({"status": "error", "error": problem}), 503
    return jsonify({"status": "ok"})


def init_app(app: Flask) -> None:
    """Register the route."""
    app.register_blueprint(bp)
