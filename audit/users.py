"""Accounts: create, edit, deactivate. Each function is one transaction."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from werkzeug.security import generate_password_hash

from audit.errors import N_, Invalid
from audit.storage.db import now
from audit.vocabulary import Role

MIN_PASSWORD = 10


def _email_taken() -> Invalid:
    """The refusal of an e-mail another account has."""
    return Invalid("email_taken", N_("A user with this e-mail already exists."), field="email")


def check_password(password: str, email: str) -> None:
    """Refuse short passwords and passwords that are the e-mail."""
    if len(password) < MIN_PASSWORD:
        raise Invalid("password_short", N_("Use at least %(n)d characters."), field="password",
                      n=MIN_PASSWORD)
    if password.strip().lower() in {email.strip().lower(), email.split("@")[0].lower()}:
        raise Invalid("password_is_email", N_("The password must not be your e-mail."),
                      field="password")


def create_user(
    db: Database,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    is_reviewer: bool = False,
    language: str | None = None,
) -> int:
    """Create an account; a taken e-mail raises Invalid('email_taken')."""
    check_password(password, email)
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
    try:
        with db.atomic():
            return db["users"].insert(row).last_pk
    except sqlite3.IntegrityError as exc:
        raise _email_taken() from exc


def update_user(
    db: Database, user_id: int, *, password: str | None = None, **fields: object
) -> None:
    """Change name, e-mail, role, reviewer flag, active flag, language or password."""
    changes = {k: v for k, v in fields.items() if v is not None}
    if "is_reviewer" in changes or "role" in changes:
        role = changes.get("role") or db["users"].get(user_id)["role"]
        changes["is_reviewer"] = int(bool(changes.get("is_reviewer")) and role == Role.ADMIN)
    if "active" in changes:
        changes["active"] = int(bool(changes["active"]))
    if password:
        email = str(changes.get("email") or db["users"].get(user_id)["email"])
        check_password(password, email)
        changes["password_hash"] = generate_password_hash(password)
    try:
        with db.atomic():
            db["users"].update(user_id, changes)
    except sqlite3.IntegrityError as exc:
        raise _email_taken() from exc


def list_users(db: Database) -> list[dict]:
    """All users, active first, by role and name."""
    return list(db.query("SELECT * FROM users ORDER BY active DESC, role, name"))


def get_user(db: Database, user_id: int) -> dict | None:
    """One user row, or None."""
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return rows[0] if rows else None
