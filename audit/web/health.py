"""GET /healthz: the app is up and its database answers."""

from flask import Blueprint, Flask, jsonify

from audit.web.database import get_db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """Answer {"status": "ok"} after a query against the database."""
    try:
        get_db().execute("SELECT 1 FROM users LIMIT 1").fetchall()
    except Exception as exc:  # any database failure means "not healthy"
        return jsonify({"status": "error", "error": type(exc).__name__}), 503
    return jsonify({"status": "ok"})


def init_app(app: Flask) -> None:
    """Register the route."""
    app.register_blueprint(bp)
