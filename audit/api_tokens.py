"""Bearer tokens of the JSON API: the one writer of the api_tokens table.

A token is 32 random bytes (256 bits) shown once, when it is made; the table keeps only its
SHA-256. A slow password hash (scrypt, as for passwords) defends secrets people choose, which
are guessable; nobody can guess 2^256 values, so a fast hash loses nothing and keeps each API
request to one indexed lookup instead of a deliberate ~50 ms of hashing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlite_utils import Database

from audit.errors import N_, Invalid, NotFound
from audit.storage.db import now

PREFIX = "audit_"  # tells a leaked token apart in logs and secret scanners
MAX_NAME = 80
MAX_TOKENS = 20  # per user: enough for every tool they use, not a pile of forgotten ones
# last_used_at is a hint for "is this token still in use?", not an audit log: writing it on
# every request would take the write lock per API call, once a minute is plenty.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    """The SHA-256 (hex) the table keeps of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(db: Database, user_id: int, name: str | None) -> tuple[int, str]:
    """A new token of the user: (its id, the secret, which is never stored and shown once)."""
    name = " ".join((name or "").split())  # a form posted without the field: no name
    if not name:
        raise Invalid("token_name_missing", N_("Give the token a name."), field="name")
    if len(name) > MAX_NAME:
        raise Invalid("token_name_long", N_("Use at most %(n)d characters."), field="name",
                      n=MAX_NAME)
    secret = PREFIX + secrets.token_urlsafe(32)
    with db.atomic():
        live = db.execute("SELECT COUNT(*) FROM api_tokens WHERE user_id = ? AND revoked_at "
                          "IS NULL", [user_id]).fetchone()[0]
        if live >= MAX_TOKENS:
            raise Invalid("too_many_tokens", N_("Revoke a token first: at most %(n)d are "
                                                "allowed."), field="name", n=MAX_TOKENS)
        token_id = db["api_tokens"].insert({
            "user_id": user_id, "name": name, "token_hash": token_hash(secret),
            "created_at": now(), "last_used_at": None, "revoked_at": None}).last_pk
    return token_id, secret


def revoke_token(db: Database, user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens (NotFound for another's; again is harmless)."""
    with db.atomic():
        row = db.execute("SELECT revoked_at FROM api_tokens WHERE id = ? AND user_id = ?",
                         [token_id, user_id]).fetchone()
        if row is None:
            raise NotFound("token_not_found", N_("This token does not exist."))
        if row[0] is None:
            db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [now(), token_id])


def user_tokens(db: Database, user_id: int) -> list[dict]:
    """The user's tokens, newest first, without their hashes."""
    return list(db.query(
        """SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens
           WHERE user_id = ? ORDER BY id DESC""", [user_id]))


def user_for_token(db: Database, secret: str) -> dict | None:
    """The active user a live token belongs to (noting its use), or None."""
    row = next(iter(db.query(
        """SELECT t.id AS token_id, t.last_used_at, u.* FROM api_tokens t
           JOIN users u ON u.id = t.user_id
           WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active = 1""",
        [token_hash(secret)])), None)
    if row is None:
        return None
    stamp = now()
    if row["last_used_at"] is None or _older(row["last_used_at"], stamp):
        with db.atomic():
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
                       [stamp, row["token_id"]])
    return row


def _older(used: str, stamp: str) -> bool:
    """Whether `used` is more than TOUCH_EVERY before `stamp` (both ISO-8601)."""
    return datetime.fromisoformat(stamp) - datetime.fromisoformat(used) > TOUCH_EVERY


def user_by_email(db: Database, email: str) -> dict:
    """The user with this e-mail (for the CLI), NotFound otherwise."""
    row = next(iter(db.query("SELECT * FROM users WHERE email = ?", [email.strip()])), None)
    if row is None:
        raise NotFound("user_not_found", N_("No user has the e-mail %(email)s."), email=email)
    return row

