"""Benchmark-only WSGI app: the real app with a trivial route as the throughput reference.

gunicorn tests.benchmarks.wsgi:application. PING is a route of the real Flask app, so it goes
through everything any route goes through (the app's before- and after-request hooks, the
security headers, the session and CSRF machinery) and then does nothing: an anonymous GET that
answers "pong". That is the reference issue 7 names: "a trivial Flask route on the same server".

BARE answers before Flask sees the request: what gunicorn, the sockets and the client cost,
nothing of ours. The load benchmark reports it as an extra row for information only (an
earlier version of the benchmark used it as the reference, which made every ratio look worse
than the issue's target means).
"""

from __future__ import annotations

from flask import Flask, Response

from audit import create_app

PING = "/__bench/ping"
BARE = "/__bench/bare"
BODY = b"pong"


def add_ping(app: Flask) -> Flask:
    """Add the trivial route to the real app (anonymous GET, no database, no template)."""

    @app.get(PING)
    def bench_ping():
        """The reference: a Flask route that does nothing."""
        return Response(BODY, mimetype="text/plain")

    return app


def with_bare(app):
    """Wrap a WSGI app so that BARE answers "pong" before the app sees the request."""

    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") == BARE:
            start_response("200 OK", [("Content-Type", "text/plain"),
                                      ("Content-Length", str(len(BODY)))])
            return [BODY]
        return app(environ, start_response)

    return wrapped


application = with_bare(add_ping(create_app()))
