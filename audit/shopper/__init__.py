"""The shopper's field app: my visits, the checklist, submission."""

from flask import Blueprint, Flask

from audit.web.auth import guard
from audit.web.revalidation import revalidate, steady_csrf_token

bp = Blueprint("shopper", __name__, url_prefix="/shopper")
guard(bp, "shopper")
# The phone revalidates its pages on each open: an unchanged page costs a 304, not a download.
bp.before_request(steady_csrf_token)
bp.after_request(revalidate)


def init_app(app: Flask) -> None:
    """Register the shopper routes."""
    from audit.shopper import views  # noqa: F401

    app.register_blueprint(bp)
