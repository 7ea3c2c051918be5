"""One-click unsubscribe links: a signed (user, kind) that works without logging in."""

from __future__ import annotations

from flask import Flask
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "audit.unsubscribe"


def _signer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(app.config["SECRET_KEY"], salt=SALT)


def token(app: Flask, user_id: int, kind: str) -> str:
    """The token of one user's one kind of message (it never expires: the link must keep
    working in an old e-mail)."""
    return _signer(app).dumps([user_id, kind])


def read(app: Flask, value: str) -> tuple[int, str] | None:
    """(user id, kind) from a token, or None when it is not one of ours."""
    try:
        user_id, kind = _signer(app).loads(value)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        return None
    return user_id, kind
