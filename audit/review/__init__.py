"""Review: admins with the reviewer permission approve, return, correct and publish visits."""

from flask import Blueprint, Flask

from audit.web.auth import guard

bp = Blueprint("review", __name__, url_prefix="/review")
guard(bp, "admin", reviewer=True)


def init_app(app: Flask) -> None:
    """Register the review routes."""
    from audit.review import views  # noqa: F401

    app.register_blueprint(bp)
