"""The maintenance fence: a file beside the database that stops the app's writes while it exists.

`flask restore` raises it for its whole run. Every gunicorn worker (any process on the machine)
sees the same file, and checking it costs one stat: each request checks it at its start, and
each write transaction the web app opens checks it again once it holds SQLite's write lock, so a
request that passed the first check just before the fence went up cannot commit behind it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

# How long raising the fence waits for the write under way (a submission syncing, a migration).
DRAIN_SECONDS = 60


class UnderMaintenance(Exception):
    """The database is being restored; the request changed nothing and may be sent again."""


def fence_file(db_path: str | Path) -> Path:
    """The fence of the database at db_path: `<database>.maintenance`."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".maintenance")


def is_fenced(db_path: str | Path) -> bool:
    """Whether the app must not serve (a restore is under way, or one crashed: see the file)."""
    return os.path.exists(fence_file(db_path))


@contextlib.contextmanager
def fenced(db_path: str | Path, why: str) -> Iterator[Path]:
    """Hold the fence for the block, after the write in flight (if any) has committed.

    Taking and releasing the write lock once is the barrier: whatever committed before it is in
    the database from then on; whatever comes after it sees the fence and is refused.
    """
    fence = fence_file(db_path)
    since = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
    fence.write_text(f"{why}, process {os.getpid()}, since {since}.\n"
                     "Delete this file only if that process is gone.\n", encoding="utf-8")
    try:
        conn = sqlite3.connect(db_path, timeout=DRAIN_SECONDS)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
        yield fence
    finally:
        fence.unlink(missing_ok=True)
