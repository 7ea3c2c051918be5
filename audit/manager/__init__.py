"""The manager's portal: their stores, scores, reports."""

from flask import Blueprint, Flask

from audit.web.auth import guard

bp = Blueprint("manager", __name__, url_prefix="/manager")
guard(bp, "manager")


def init_app(app: Flask) -> None:
    """Register the manager routes."""
    from audit.manager import (
        actions_views,  # noqa: F401
        views,  # noqa: F401
    )

    app.register_blueprint(bp)
