"""Backups of the SQLite database, taken and restored while the app keeps serving.

Both directions use SQLite's online backup API (sqlite3.Connection.backup) in one step: the copy
is read inside a single read transaction, so it shows the database at one moment even while
shoppers submit visits (WAL lets the writers go on meanwhile). A restore writes into the live
file through SQLite, under its lock, instead of moving files around under open connections.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from audit.storage.db import BUSY_TIMEOUT_MS, upgrade
from audit.storage.migrations import migrations

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class BackupInfo:
    """What a checked backup file holds."""

    path: Path
    bytes: int
    migrations: list[str]
    tables: dict[str, int]


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Open a file read-only, so checking or restoring from a backup never changes it."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)


def check_database(path: str | Path) -> BackupInfo:
    """Raise BackupError unless path is an intact SQLite database of this app."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    with path.open("rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not an SQLite database.")
    conn = _open_read_only(path)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{path} failed the integrity check: {'; '.join(problems[:5])}")
        return BackupInfo(path, path.stat().st_size, _applied(conn, path), _row_counts(conn))
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} failed the integrity check: {exc}") from exc
    finally:
        conn.close()


def _applied(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Our applied migrations; refuse files of other apps and of a newer version of this one."""
    db = Database(conn)
    names = []
    if db[migrations.migrations_table].exists():
        names = [m.name for m in migrations.applied(db)]
    if not names:
        raise BackupError(f"{path} is an SQLite database, but not one of this app.")
    # sqlite-utils has no public list of a set's migrations; the registered ones are these.
    unknown = set(names) - {m.name for m in migrations._migrations}
    if unknown:
        raise BackupError(
            f"{path} comes from a newer version of the app"
            f" (migrations {', '.join(sorted(unknown))}); upgrade the app first."
        )
    return names


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table, for the summary a person reads after a backup or restore."""
    db = Database(conn)
    return {name: db[name].count for name in db.table_names()}


def backup_database(
    db_path: str | Path, target: str | Path, *, overwrite: bool = False
) -> BackupInfo:
    """Copy the database at db_path to target as one consistent, self-contained file."""
    source, target = Path(db_path), Path(target)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists. Choose another name or pass --force.")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename at the end: a backup interrupted half-way never sits
    # under the final name where a restore (or the retention job) would take it for complete.
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(partial)
        try:
            os.chmod(partial, 0o600)  # it holds password hashes
            src.backup(dst)  # pages=-1: all pages in one read transaction, one moment in time
            # The copy inherits WAL mode from the live file; make it one file with no -wal beside.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    try:
        check_database(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return check_database(target)


@dataclass
class Restored:
    """What a restore did: the database as it is now, and where the one it replaced is kept."""

    info: BackupInfo
    kept: Path | None


def restore_database(backup_file: str | Path, db_path: str | Path) -> Restored:
    """Put a checked backup in place of the database, keeping the old one under a new name.

    The caller fences the app first (audit/storage/maintenance.py) and asks the operator.
    """
    backup_file, db_path = Path(backup_file), Path(db_path)
    info = check_database(backup_file)
    if db_path.exists() and backup_file.resolve() == db_path.resolve():
        raise BackupError(f"{backup_file} is the database itself; there is nothing to restore.")
    kept = None
    if db_path.exists():
        # A name of its own each time: undoing a restore restores from this file, and a second
        # restore must not overwrite the copy the first one kept.
        kept = previous_copy(db_path)
        backup_database(db_path, kept)
    src = _open_read_only(backup_file)
    dst = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        # Page by page into the live file, under SQLite's lock: connections the app holds see
        # the restored data at their next transaction, never a half-copied file.
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    upgrade(db_path)  # an older backup gets the migrations added since it was taken
    restored = check_database(db_path)
    return Restored(BackupInfo(restored.path, restored.bytes, info.migrations, restored.tables),
                    kept)


def previous_copy(db_path: str | Path, at: datetime | None = None) -> Path:
    """A new name for the database a restore replaces: `<database>.before-restore-<UTC time>`."""
    db_path = Path(db_path)
    stamp = (at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    base = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    candidate, n = base, 1
    while candidate.exists():  # two restores within a second
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


@dataclass
class Loss:
    """Submissions the live database holds and the backup does not: a restore would lose them."""

    backup_newest: str  # the newest status move the backup holds (else the file's time)
    visits: list[int]


def submissions_lost(backup_file: str | Path, db_path: str | Path) -> Loss:
    """Which submissions in the live database are missing from the backup (by visit and id)."""
    src = _open_read_only(Path(backup_file))
    try:
        kept, newest = set(), None
        if Database(src)["visit_events"].exists():  # a backup older than m010 has none
            kept = set(src.execute(
                "SELECT visit_id, params FROM visit_events WHERE action = 'submit'").fetchall())
            newest = src.execute("SELECT max(at) FROM visit_events").fetchone()[0]
    finally:
        src.close()
    live = _open_read_only(Path(db_path))
    try:
        rows = live.execute(
            "SELECT visit_id, params FROM visit_events WHERE action = 'submit' ORDER BY id"
        ).fetchall()
    finally:
        live.close()
    if newest is None:  # no move in it at all: the file's own time is the best guess
        mtime = datetime.fromtimestamp(Path(backup_file).stat().st_mtime, UTC)
        newest = mtime.isoformat(timespec="seconds")
    return Loss(newest, sorted({visit for visit, params in rows if (visit, params) not in kept}))
