"""Server-side sessions: the signed cookie names one, and ending it here ends it everywhere.

The session cookie alone stays valid as long as the secret key does; a copy taken before logout
would still open pages. So each login gets a random token, only its SHA-256 is stored, and every
request looks it up: logout deletes that row; a new password, deactivation and "log out
everywhere" delete all of the user's rows. Each function is one transaction.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from audit.storage.db import now


def _hash(token: str) -> str:
    """What is stored of a token: a database copy cannot be replayed as a cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, user_id: int) -> str:
    """A new session for the user; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        db["sessions"].insert({"token_hash": _hash(token), "user_id": user_id,
                               "created_at": now()})
    return token


def session_user(db: Database, token: str) -> dict | None:
    """The active user whose session this token names, or None when it was ended."""
    rows = db.query(
        "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id"
        " WHERE sessions.token_hash = ? AND users.active = 1",
        [_hash(token)],
    )
    return next(iter(rows), None)


def end_session(db: Database, token: str) -> None:
    """End one session (logout on this device)."""
    with db.atomic():
        db.execute("DELETE FROM sessions WHERE token_hash = ?", [_hash(token)])


def end_user_sessions(db: Database, user_id: int) -> int:
    """End every session of the user, on every device; returns how many there were."""
    with db.atomic():
        return db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id]).rowcount
