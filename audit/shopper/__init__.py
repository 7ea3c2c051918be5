"""The shopper's field app: my visits, the checklist, submission."""

from flask import Blueprint, Flask

from audit.web.auth import guard

bp = Blueprint("shopper", __name__, url_prefix="/shopper")
guard(bp, "shopper")


def init_app(app: Flask) -> None:
    """Register the shopper routes."""
    from audit.shopper import views  # noqa: F401

    app.register_blueprint(bp)
