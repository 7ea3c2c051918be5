"""gunicorn's settings for the audit app: `venv/bin/gunicorn -c gunicorn.conf.py`.

Copy this file into the app's directory (/srv/audit, the systemd units' WorkingDirectory). A
setting given on the command line or in GUNICORN_CMD_ARGS wins over this file, e.g.
GUNICORN_CMD_ARGS="--bind 127.0.0.1:8001".
"""

import os

wsgi_app = "audit:create_app()"
# Behind a TLS-terminating proxy on the same host (README, "A real deployment").
bind = "127.0.0.1:8000"
# One worker per core, four threads each: while one request waits for the disk (a submission is
# synced before it is answered) or for SQLite's write lock, another runs. `make bench` on 2 cores:
# 2 sync workers p95 443 ms, 44.5 submits/s; 2 x 4 threads p95 159 ms, 78.1 submits/s.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
threads = 4
# A phone on a slow network keeps its connection for the next request.
keepalive = 5
# The app logs each request itself, with its request id: no second access log from gunicorn.
accesslog = None
# gunicorn's own messages (start, stop, a worker that died) go to stderr: the journal, or the
# terminal.
errorlog = "-"
# A stop (SIGTERM) lets running requests finish for at most this many seconds.
graceful_timeout = 20
