"""The SQLite database: one connection per request, opened with the PRAGMAs we rely on."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g
from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000


class AuditDatabase(Database):
    """sqlite-utils' Database whose outermost atomic() takes the write lock at BEGIN.

    A deferred transaction that reads before it writes cannot wait for the lock: when another
    request commits in between, SQLite answers "database is locked" at once, whatever the busy
    timeout (seen under 50 concurrent autosaving shoppers). BEGIN IMMEDIATE waits its turn
    instead. Nested blocks stay savepoints, as in sqlite-utils.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction that holds the write lock from its first statement."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_db(path: str | Path) -> Database:
    """Open the database file with WAL, foreign keys and a busy timeout."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = AuditDatabase(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    # WAL lets readers (report rendering, the manager portal) go on while a shopper submits.
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def get_db() -> Database:
    """The request's database, opened on first use."""
    if "db" not in g:
        g.db = open_db(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's database, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def upgrade(path: str | Path) -> list[str]:
    """Apply pending migrations to the database at path; returns the names applied."""
    from audit.migrations import migrations

    db = open_db(path)
    try:
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        return pending
    finally:
        db.close()


def now() -> str:
    """The current time as an ISO-8601 UTC string, the way every time stamp is stored."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def init_app(app: Flask) -> None:
    """Upgrade the schema at start and close the database after each request."""
    upgrade(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
