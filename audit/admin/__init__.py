"""The admin's blueprint: users, stores, criteria sets, visit schedules."""

from flask import Blueprint, Flask

from audit.web.auth import guard

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard(bp, "admin")


def init_app(app: Flask) -> None:
    """Register the admin routes (each module adds its own to bp)."""
    from audit.admin import (  # noqa: F401
        actions_views,
        criteria_views,
        outbox_views,
        reports_views,  # noqa: F401
        schedule_views,
        stores_views,
        users_views,
    )

    app.register_blueprint(bp)
