"""The request's database: this thread's kept connection, on g, closed after the request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlite_utils import Database

from audit.storage.db import forget_db, kept_db, obey_fence, upgrade


def get_db() -> Database:
    """The request's database: this thread's kept connection."""
    if "db" not in g:
        path = current_app.config["DATABASE"]
        g.db = obey_fence(kept_db(path), path)
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    """End the request's use of the database: nothing of it may reach the next request.

    A transaction left open (a write outside atomic()) is rolled back, as closing did. After an
    unhandled error the connection is closed instead of kept: its frames may still hold a
    half-read cursor, whose read snapshot would make the next request see old data.
    """
    db = g.pop("db", None)
    if db is None:
        return
    if exc is not None:
        forget_db(current_app.config["DATABASE"])
        return
    if db.conn.in_transaction:
        db.conn.rollback()


def init_app(app: Flask) -> None:
    """Upgrade the schema at start and close the database after each request.

    What the start applied is kept for `flask db upgrade`, which runs after it: on a brand-new
    database that command would otherwise find nothing left and say the schema is up to date.
    """
    app.extensions["audit.migrations_applied"] = upgrade(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
