"""Pages the phone may revalidate cheaply: an ETag over the whole body, 304 when it matches.

A page carries the user's data and a CSRF token, so it stays `private` and its ETag is a hash of
the whole body. Flask-WTF signs a new token each second (the signature holds the time), which
would change every body; on these pages the token is signed with the time rounded down to the
hour instead: the same session gets the same token for an hour (nothing expires it:
WTF_CSRF_TIME_LIMIT is None), so an unchanged page hashes the same and costs a 304.
"""

from __future__ import annotations

import hashlib
import os
import time

from flask import Response, current_app, g, request, session
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

TOKEN_KEY = "csrf_token"  # noqa: S105 (Flask-WTF's session key and salt, not secrets)
TOKEN_SALT = "wtf-csrf-token"  # noqa: S105 (a salt, not a secret)
STEADY_FOR = 3600


class HourSigner(TimestampSigner):
    """A timestamp signer whose clock moves once an hour."""

    def get_timestamp(self) -> int:
        """Now, rounded down to the hour."""
        return int(time.time()) // STEADY_FOR * STEADY_FOR


class HourSerializer(URLSafeTimedSerializer):
    """Flask-WTF's token serializer with the hour clock (Flask-WTF still checks the tokens)."""

    default_signer = HourSigner


def steady_csrf_token() -> None:
    """Sign this session's CSRF token with the hour clock for the page about to render."""
    if request.method != "GET":
        return
    if TOKEN_KEY not in session:  # as Flask-WTF makes one; every page of ours shows a form
        session[TOKEN_KEY] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (random)
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    setattr(g, TOKEN_KEY, HourSerializer(secret, salt=TOKEN_SALT).dumps(session[TOKEN_KEY]))


def revalidate(response: Response) -> Response:
    """ETag on a 200 HTML page; 304 without a body when the browser already holds it."""
    if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)
