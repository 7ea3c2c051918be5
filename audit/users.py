"""Accounts: create, edit, deactivate, and the log of every change. Each function is one
transaction."""

from __future__ import annotations

import json
import sqlite3

from sqlite_utils import Database
from werkzeug.security import generate_password_hash
from zxcvbn import zxcvbn

from audit.errors import N_, Invalid
from audit.sessions import end_user_sessions
from audit.storage.db import now
from audit.vocabulary import Role

MIN_PASSWORD = 10
# zxcvbn's scale: 3 = "safely unguessable" (about 10^8 guesses or more). Below it are the common
# passwords, words with digits, keyboard rows, sequences and repeats (password12, 1234567890,
# aaaaaaaaaa), which a guesser tries first.
MIN_STRENGTH = 3
# Only the characters zxcvbn reads: its matching is quadratic in the length, and beyond this a
# password is long enough anyway (the form allows 200).
STRENGTH_CHARS = 64
# What the log says instead of a password hash: that it changed, never what it is.
PASSWORD_CHANGED = "changed"  # noqa: S105 - a word in the log, not a password


def _email_taken() -> Invalid:
    """The refusal of an e-mail another account has."""
    return Invalid("email_taken", N_("A user with this e-mail already exists."), field="email")


def check_password(password: str, email: str, name: str = "") -> None:
    """Refuse short, blank and easily guessed passwords and passwords that are the e-mail."""
    if not password.strip():  # the login form reads spaces as no password: it could never log in
        raise Invalid("password_blank", N_("The password must not be only spaces."),
                      field="password")
    if len(password) < MIN_PASSWORD:
        raise Invalid("password_short", N_("Use at least %(n)d characters."), field="password",
                      n=MIN_PASSWORD)
    if password.strip().lower() in {email.strip().lower(), email.split("@")[0].lower()}:
        raise Invalid("password_is_email", N_("The password must not be your e-mail."),
                      field="password")
    hints = [email, email.split("@")[0], *name.split()]
    if zxcvbn(password[:STRENGTH_CHARS], user_inputs=hints)["score"] < MIN_STRENGTH:
        raise Invalid("password_weak", N_(
            "This password is too easy to guess (a common password, a word with digits, a "
            "pattern or a repeat). Use a longer one, for example a few unrelated words."),
            field="password")


def check_may_grant_review(db: Database, by: int | None) -> None:
    """Only a reviewer gives or takes the reviewer permission (None: the server's command line)."""
    if by is None:
        return
    actor = get_user(db, by)
    if not (actor and actor["active"] and actor["role"] == Role.ADMIN and actor["is_reviewer"]):
        raise Invalid("reviewer_only", N_(
            "Only an admin who reviews visits may give or take the reviewer permission."),
            field="is_reviewer")


def log_user_change(db: Database, user_id: int, by: int | None, changes: dict) -> None:
    """Write one entry of the user log: which fields changed, from what to what."""
    if changes:
        # Plain SQL: a table m013 has not made yet is an error, never made on the fly.
        db.execute("INSERT INTO user_log (user_id, actor_id, at, changes) VALUES (?, ?, ?, ?)",
                   [user_id, by, now(), json.dumps(changes, ensure_ascii=False)])


def user_log(db: Database, user_id: int) -> list[dict]:
    """The user's log, newest first, with the name of who made each change."""
    rows = db.query(
        "SELECT user_log.*, actors.name AS actor_name FROM user_log"
        " LEFT JOIN users AS actors ON actors.id = user_log.actor_id"
        " WHERE user_log.user_id = ? ORDER BY user_log.id DESC",
        [user_id],
    )
    return [{**row, "changes": json.loads(row["changes"])} for row in rows]


def create_user(
    db: Database,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    is_reviewer: bool = False,
    language: str | None = None,
    by: int | None = None,
) -> int:
    """Create an account (by: the admin doing it, None from the command line); a taken e-mail
    raises Invalid('email_taken')."""
    check_password(password, email, name)
    if is_reviewer and role == Role.ADMIN:
        check_may_grant_review(db, by)
    row = {
        "email": email.strip(),
        "name": name.strip(),
        "role": role,
        "password_hash": generate_password_hash(password),
        "is_reviewer": int(is_reviewer and role == Role.ADMIN),
        "active": 1,
        "language": language,
        "created_at": now(),
    }
    logged = {k: [None, row[k]] for k in ("email", "name", "role", "is_reviewer", "language")
              if row[k]}
    try:
        with db.atomic():
            user_id = db["users"].insert(row).last_pk
            log_user_change(db, user_id, by, {**logged, "password": PASSWORD_CHANGED})
            return user_id
    except sqlite3.IntegrityError as exc:
        raise _email_taken() from exc


def update_user(
    db: Database, user_id: int, *, password: str | None = None, by: int | None = None,
    **fields: object,
) -> None:
    """Change name, e-mail, role, reviewer flag, active flag, language or password, and log it
    (by: the admin doing it). A new password or deactivation ends the user's sessions."""
    old = db["users"].get(user_id)
    changes = {k: v for k, v in fields.items() if v is not None}
    if "is_reviewer" in changes or "role" in changes:
        role = changes.get("role") or old["role"]
        changes["is_reviewer"] = int(bool(changes.get("is_reviewer")) and role == Role.ADMIN)
    if "active" in changes:
        changes["active"] = int(bool(changes["active"]))
    changed = {k: [old[k], v] for k, v in changes.items() if old[k] != v}
    if "is_reviewer" in changed:  # given, or taken (also by moving a reviewer out of admin)
        check_may_grant_review(db, by)
    if password is not None:
        check_password(password, str(changes.get("email") or old["email"]),
                       str(changes.get("name") or old["name"]))
        changes["password_hash"] = generate_password_hash(password)
        changed["password"] = PASSWORD_CHANGED
    try:
        with db.atomic():
            db["users"].update(user_id, changes)
            log_user_change(db, user_id, by, changed)
            if "password" in changed or changes.get("active") == 0:
                end_user_sessions(db, user_id)
    except sqlite3.IntegrityError as exc:
        raise _email_taken() from exc


def end_sessions_by_admin(db: Database, user_id: int, by: int | None) -> int:
    """Log the user out on every device, as an admin's action, and log that."""
    with db.atomic():
        ended = end_user_sessions(db, user_id)
        log_user_change(db, user_id, by, {"sessions": [ended, 0]})
    return ended


def list_users(db: Database) -> list[dict]:
    """All users, active first, by role and name."""
    return list(db.query("SELECT * FROM users ORDER BY active DESC, role, name"))


def get_user(db: Database, user_id: int) -> dict | None:
    """One user row, or None."""
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return rows[0] if rows else None
