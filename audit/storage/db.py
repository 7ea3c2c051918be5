"""The SQLite database: connections with our PRAGMAs, transactions, snapshots, migrations.

No Flask here: reports, render workers and the CLI open the database the same way. The
request's connection (get_db) is the web layer's business: audit/web/database.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from audit.storage.maintenance import UnderMaintenance, fence_file

BUSY_TIMEOUT_MS = 5000


class AuditDatabase(Database):
    """sqlite-utils' Database whose outermost atomic() takes the write lock at BEGIN.

    A deferred transaction that reads before it writes cannot wait for the lock: when another
    request commits in between, SQLite answers "database is locked" at once, whatever the busy
    timeout (seen under 50 concurrent autosaving shoppers). BEGIN IMMEDIATE waits its turn
    instead. Nested blocks stay savepoints, as in sqlite-utils.
    """

    writers: threading.Lock | None = None  # this process's turn to write (open_db sets it)
    fence: str | None = None  # the maintenance fence this connection's writes obey (the web's)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction that holds the write lock from its first statement."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        # Threads of one process (gthread workers) queue here in turn. Left to SQLite, waiting
        # writers poll with growing sleeps and one can miss every free moment for the whole
        # busy timeout ("database is locked" at 50 clients on 2 x 4 threads).
        if self.writers is not None and not self.writers.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                # Checked under the write lock: a restore raises the fence, then takes this lock
                # once, so nothing commits behind its back (audit/storage/maintenance.py).
                if self.fence is not None and os.path.exists(self.fence):
                    raise UnderMaintenance(self.fence)
                yield self
            except BaseException:
                self.rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise
        finally:
            if self.writers is not None:
                self.writers.release()


_writer_locks: dict[tuple[int, str], threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writers(path: str | Path) -> threading.Lock:
    """The lock this process's writers of the database at path take turns on."""
    key = (os.getpid(), os.path.realpath(path))  # a forked child makes its own
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.Lock())


def open_db(path: str | Path) -> Database:
    """Open the database file with WAL, foreign keys and a busy timeout."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = AuditDatabase(conn)
    db.writers = _writers(path)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    # WAL lets readers (report rendering, the manager portal) go on while a shopper submits.
    db.enable_wal()
    # FULL: a commit is on disk before the response says it happened. In WAL mode NORMAL never
    # corrupts the database, but a power cut can lose the last commits, and the phone deletes its
    # copy of a visit once the submission is answered. Autosaves skip the sync (synced_later).
    db.execute("PRAGMA synchronous = FULL")
    return db


@contextlib.contextmanager
def snapshot(db: Database) -> Iterator[Database]:
    """Reads that all see the same commit: a deferred (read) transaction, or the one under way.

    Each statement outside a transaction sees the latest commit, so two reads in a row can
    disagree when a request commits between them.
    """
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")


def obey_fence(db: Database, path: str | Path) -> Database:
    """Make db's write transactions refuse (UnderMaintenance) while the fence of path stands."""
    db.fence = str(fence_file(path))
    return db


def database_file(db: Database) -> str:
    """The file of this connection's main database ('' in memory; asked once per connection).

    Per-process caches of what a database holds (criteria versions, report figures) put it in
    their keys, so that one process serving two databases (the tests) never mixes them up."""
    name = getattr(db, "_audit_file", None)
    if name is None:
        name = db._audit_file = db.execute("PRAGMA database_list").fetchone()[2]
    return name


@contextlib.contextmanager
def synced_later(db: Database) -> Iterator[Database]:
    """Commits in this block skip their fsync (synchronous NORMAL), for writes the client still
    holds: the phone keeps every autosaved answer until its submission is accepted.

    A power cut may lose them (never corrupt anything); the next commit with a sync (FULL)
    makes them durable too, since the WAL is written in order.
    """
    db.execute("PRAGMA synchronous = NORMAL")
    try:
        yield db
    finally:
        db.execute("PRAGMA synchronous = FULL")


# Connections kept open between requests: per process (gunicorn forks) and thread (gthread
# workers), by database path. Opening one per request cost more than most requests: the PRAGMAs,
# reading the schema again, and above all closing it. When the last connection to a WAL database
# closes, SQLite checkpoints the whole WAL into the database file and syncs it, ~14 ms at
# 100,000 visits, in nearly every request of a quiet worker (seen in the load benchmark).
_kept = threading.local()
KEPT_PER_THREAD = 4  # tests make an app per database; production uses one


def _file_id(path: str) -> tuple[int, int] | None:
    """Which file is at path (device, inode), so a database put in its place is noticed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def kept_db(path: str | Path) -> Database:
    """This thread's open connection to the database at path, opened when there is none."""
    path = str(path)
    if getattr(_kept, "pid", None) != os.getpid():  # a forked child never shares its parent's
        _kept.pid, _kept.dbs = os.getpid(), {}
    dbs: dict[str, tuple[Database, tuple | None]] = _kept.dbs
    found = dbs.pop(path, None)
    if found is not None and found[1] == _file_id(path):
        dbs[path] = found  # most recently used last
        return found[0]
    if found is not None:
        found[0].close()
    db = open_db(path)
    dbs[path] = (db, _file_id(path))
    while len(dbs) > KEPT_PER_THREAD:
        dbs.pop(next(iter(dbs)))[0].close()
    return db


def forget_db(path: str | Path) -> None:
    """Close this thread's kept connection to path, if any."""
    found = getattr(_kept, "dbs", {}).pop(str(path), None)
    if found is not None and getattr(_kept, "pid", None) == os.getpid():
        found[0].close()


def upgrade(path: str | Path) -> list[str]:
    """Apply pending migrations to the database at path; returns the names applied."""
    from audit.storage.migrations import migrations

    # gunicorn's workers start together, and each one upgrades: both found a migration pending,
    # the second failed ("index ... already exists") and gunicorn stopped, since a worker could
    # not boot. A lock file beside the database makes them take turns; the next one finds
    # nothing left to do. Not one transaction around all of them: sqlite-utils runs each
    # migration in its own, and those marked transactional=False (a table rebuild that turns
    # foreign keys off) must run outside any.
    with _migration_turn(path):
        db = open_db(path)
        try:
            pending = [m.name for m in migrations.pending(db)]
            migrations.apply(db)
            return pending
        finally:
            db.close()


@contextlib.contextmanager
def _migration_turn(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on `<database>.migrating` (processes wait for each other)."""
    lock = Path(f"{path}.migrating")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def now() -> str:
    """The current time as an ISO-8601 UTC string, the way every time stamp is stored."""
    return datetime.now(UTC).isoformat(timespec="seconds")
