"""Server-side sessions: the signed cookie names one, and ending it here ends it everywhere.

The session cookie alone stays valid as long as the secret key does; a copy taken before logout
would still open pages. So each login gets a random token, only its SHA-256 is stored, and every
request looks it up: logout deletes that row; a new password, deactivation and "log out
everywhere" delete all of the user's rows. Each function is one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import datetime, timedelta

from sqlite_utils import Database

from audit.storage.db import now

IDLE_DAYS = 30
# How stale the noted use may get before a request notes it again: one write an hour at most.
NOTE_EVERY = timedelta(hours=1)


def _hash(token: str) -> str:
    """What is stored of a token: a database copy cannot be replayed as a cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


def _ago(delta: timedelta) -> str:
    """The stored form of a time this long before now (the same form as `now()`)."""
    return (datetime.fromisoformat(now()) - delta).isoformat(timespec="seconds")


def start_session(db: Database, user_id: int, idle_days: int = IDLE_DAYS) -> str:
    """A new session for the user (and the end of every session idle too long); returns the
    token the cookie carries."""
    token = secrets.token_urlsafe(32)
    stamp = now()
    with db.atomic():
        db.execute("DELETE FROM sessions WHERE seen_at < ?", [_ago(timedelta(days=idle_days))])
        db.execute("INSERT INTO sessions (token_hash, user_id, created_at, seen_at)"
                   " VALUES (?, ?, ?, ?)", [_hash(token), user_id, stamp, stamp])
    return token


def session_user(db: Database, token: str, idle_days: int = IDLE_DAYS) -> dict | None:
    """The active user whose session this token names, or None when it was ended or has not
    been used for `idle_days`."""
    row = next(iter(db.query(
        "SELECT users.*, sessions.seen_at AS session_seen_at FROM sessions"
        " JOIN users ON users.id = sessions.user_id"
        " WHERE sessions.token_hash = ? AND users.active = 1 AND sessions.seen_at >= ?",
        [_hash(token), _ago(timedelta(days=idle_days))],
    )), None)
    if row is not None and row.pop("session_seen_at") < _ago(NOTE_EVERY):
        _note_use(db, token)
    return row


def _note_use(db: Database, token: str) -> None:
    """Note that the session is in use; a page still opens when this cannot be written (a full
    disk, a long write elsewhere): the use is noted by a later request."""
    try:
        with db.atomic():
            db.execute("UPDATE sessions SET seen_at = ? WHERE token_hash = ?",
                       [now(), _hash(token)])
    except sqlite3.OperationalError:
        pass


def end_session(db: Database, token: str) -> None:
    """End one session (logout on this device)."""
    with db.atomic():
        db.execute("DELETE FROM sessions WHERE token_hash = ?", [_hash(token)])


def end_user_sessions(db: Database, user_id: int) -> int:
    """End every session of the user, on every device; returns how many there were."""
    with db.atomic():
        return db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id]).rowcount
