"""The menu: each role sees only what it may use."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, roles, needs the reviewer permission)
MENU = [
    ("shopper.index", _l("My visits"), {"shopper"}, False),
    ("manager.index", _l("My stores"), {"manager"}, False),
    ("manager.actions", _l("Actions"), {"manager"}, False),
    ("admin.index", _l("Overview"), {"admin"}, False),
    ("review.index", _l("Review"), {"admin"}, True),
    ("admin.visits", _l("Visits"), {"admin"}, False),
    ("admin.criteria_sets", _l("Criteria sets"), {"admin"}, False),
    ("admin.stores", _l("Stores"), {"admin"}, False),
    ("admin.users", _l("Users"), {"admin"}, False),
    ("admin.reports", _l("Reports"), {"admin"}, False),
    ("api_tokens.index", _l("API tokens"), {"manager", "admin"}, False),
    ("admin.outbox_page", _l("Outbox"), {"admin"}, False),
    ("account.notifications", _l("E-mails"), {"shopper", "manager", "admin"}, False),
]


def nav_items() -> list[tuple[str, str]]:
    """The menu entries for the current user (routes not built yet are left out)."""
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [
        (endpoint, label)
        for endpoint, label, roles, reviewer in MENU
        if current_user.role in roles
        and (not reviewer or current_user.can_review)
        and endpoint in views
    ]


def init_app(app: Flask) -> None:
    """Make nav_items() available to every template."""
    app.jinja_env.globals["nav_items"] = nav_items
