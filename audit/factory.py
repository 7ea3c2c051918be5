"""create_app() reads like a table of contents: config, database, extensions, blueprints, CLI.

Imported on first use of `audit.create_app` (audit/__init__.py), never by `audit.storage`, the
domain packages or reports: a render worker or the CLI that needs the database loads no
blueprint, no Flask-Login and no forms (tests/test_layout.py holds it).
"""

from __future__ import annotations

from flask import Flask

from audit import account, admin, api, cli, config, manager, review, shopper
from audit.criteria_sets import versions as criteria_sets
from audit.storage import locations
from audit.web import (
    assets,
    auth,
    compression,
    csrf,
    database,
    errors,
    favicon,
    formatting,
    health,
    i18n,
    ids,
    labels,
    navigation,
    photo_views,
    ratelimit,
    request_log,
    security,
    unavailable,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, database, extensions, blueprints, CLI groups."""
    app = Flask(
        "audit",
        instance_path=str(locations.instance_dir()),
        template_folder=str(locations.TEMPLATES),
        static_folder=str(locations.STATIC),
    )
    config.load_config(app, test_config)
    ids.init_app(app)  # before any route is added: <int:...> takes only ids SQLite can hold
    request_log.init_app(app)  # first, so its hooks wrap every other one
    database.init_app(app)
    compression.init_app(app)  # first registered, so its after_request hook runs last
    assets.init_app(app)
    criteria_sets.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    ratelimit.init_app(app)
    errors.init_app(app)
    unavailable.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    formatting.init_app(app)
    labels.init_app(app)
    health.init_app(app)
    favicon.init_app(app)
    admin.init_app(app)
    shopper.init_app(app)
    review.init_app(app)
    manager.init_app(app)
    api.init_app(app)
    account.init_app(app)
    photo_views.init_app(app)
    cli.init_app(app)
    return app
