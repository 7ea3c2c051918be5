"""The web application: create_app() reads like a table of contents."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from audit import admin, cli, config, manager, review, shopper
from audit.criteria_sets import versions as criteria_store
from audit.storage import db
from audit.web import (
    auth,
    csrf,
    errors,
    formatting,
    health,
    i18n,
    navigation,
    photo_views,
    ratelimit,
    security,
)

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, database, extensions, blueprints, CLI groups."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load_config(app, test_config)
    db.init_app(app)
    criteria_store.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    ratelimit.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    formatting.init_app(app)
    health.init_app(app)
    admin.init_app(app)
    shopper.init_app(app)
    review.init_app(app)
    manager.init_app(app)
    photo_views.init_app(app)
    cli.init_app(app)
    return app
