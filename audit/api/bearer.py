"""Who calls the API: the bearer token in the Authorization header, and nothing else.

A session cookie never authorizes the API: a page of another site could otherwise make a
logged-in browser read it (the API is exempt from CSRF because it takes no cookies at all).
"""

from __future__ import annotations

import hashlib

from flask import g, request

from audit.api_tokens import user_for_token
from audit.vocabulary import Role
from audit.web.database import get_db

SCHEME = "bearer"


def bearer_secret() -> str | None:
    """The token of `Authorization: Bearer <token>`, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != SCHEME or not secret or len(secret) > 200:
        return None
    return secret


def rate_key() -> str:
    """What the API's rate limit counts per: the token (hashed, so no secret sits in the
    limiter's storage), or the address for requests without one."""
    secret = bearer_secret()
    if secret is None:
        return "api-addr:" + (request.remote_addr or "unknown")
    return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]


def authenticate() -> str | None:
    """Set g.api_user from the token; the refusal's code when there is none or it is not
    allowed (missing/invalid: 401; a shopper, who sees no stores in the portal: 403)."""
    secret = bearer_secret()
    if secret is None:
        return "token_missing"
    user = user_for_token(get_db(), secret)
    if user is None:
        return "token_invalid"
    if user["role"] not in (Role.ADMIN, Role.MANAGER):
        return "forbidden"
    g.api_user = user
    return None


def api_user() -> dict:
    """The users row of the token of this request (set by authenticate)."""
    return g.api_user
