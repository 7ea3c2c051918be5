"""Benchmark-only WSGI app: the real app, plus a trivial route as the reference.

gunicorn tests.benchmarks.wsgi:application. The trivial route answers before Flask sees the
request, so it measures what the server, the sockets and the client cost, nothing of ours.
"""

from __future__ import annotations

from audit import create_app

PING = "/__bench/ping"
BODY = b"pong"


def with_ping(app):
    """Wrap a WSGI app so that PING answers "pong" and everything else goes to the app."""

    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") == PING:
            start_response("200 OK", [("Content-Type", "text/plain"),
                                      ("Content-Length", str(len(BODY)))])
            return [BODY]
        return app(environ, start_response)

    return wrapped


application = with_ping(create_app())
