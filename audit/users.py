"""Accounts: create, edit, deactivate. Each function is one transaction."""

from __future__ import annotations

import sqlite3

from flask_babel import gettext as _
from sqlite_utils import Database
from werkzeug.security import generate_password_hash

from audit.storage.db import now
from audit.web.validation import FieldError

MIN_PASSWORD = 10


def check_password(password: str, email: str) -> None:
    """Refuse short passwords and passwords that are the e-mail."""
    if len(password) < MIN_PASSWORD:
        raise FieldError("password", _("Use at least %(n)d characters.", n=MIN_PASSWORD))
    if password.strip().lower() in {email.strip().lower(), email.split("@")[0].lower()}:
        raise FieldError("password", _("The password must not be your e-mail."))


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
    """Create an account; a taken e-mail raises FieldError('email')."""
    check_password(password, email)
    row = {
        "email": email.strip(),
        "name": name.strip(),
        "role": role,
        "password_hash": generate_password_hash(password),
        "is_reviewer": int(is_reviewer and role == "admin"),
        "active": 1,
        "language": language,
        "created_at": now(),
    }
    try:
        with db.atomic():
            return db["users"].insert(row).last_pk
    except sqlite3.IntegrityError as exc:
        raise FieldError("email", _("A user with this e-mail already exists.")) from exc


def update_user(
    db: Database, user_id: int, *, password: str | None = None, **fields: object
) -> None:
    """Change name, e-mail, role, reviewer flag, active flag, language or password."""
    changes = {k: v for k, v in fields.items() if v is not None}
    if "is_reviewer" in changes or "role" in changes:
        role = changes.get("role") or db["users"].get(user_id)["role"]
        changes["is_reviewer"] = int(bool(changes.get("is_reviewer")) and role == "admin")
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
        raise FieldError("email", _("A user with this e-mail already exists.")) from exc


def list_users(db: Database) -> list[dict]:
    """All users, active first, by role and name."""
    return list(db.query("SELECT * FROM users ORDER BY active DESC, role, name"))


def get_user(db: Database, user_id: int) -> dict | None:
    """One user row, or None."""
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return rows[0] if rows else None
