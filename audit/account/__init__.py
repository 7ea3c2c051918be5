"""Every user's own settings: which e-mails they receive; and the one-click unsubscribe link,
which works without logging in (its token is signed)."""

from flask import Blueprint, Flask

bp = Blueprint("account", __name__)


def init_app(app: Flask) -> None:
    """Register the account routes."""
    from audit.account import views  # noqa: F401

    app.register_blueprint(bp)
