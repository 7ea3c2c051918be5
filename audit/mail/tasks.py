"""The Huey task that delivers the outbox: periodic, every minute, on its own queue name.

It runs on the render queue's storage (AUDIT_REDIS_URL, else the SQLite AUDIT_QUEUE_FILE) under
the name "audit-mail", so the render workers, which need no database, never pick it up; the mail
worker (`python -m audit.mail.worker`) does, and it needs the database. Each run delivers for
most of its minute, a pass every PASS_EVERY seconds, so a message leaves a few seconds after the
change that wrote it. A lock keeps two runs (two mail workers, or a slow minute) from delivering
at once; the outbox's leases would keep them from sending one message twice anyway.
"""

from __future__ import annotations

from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from audit.mail.delivery import Pass, deliver_for, scan_reminders
from reports.queue import Settings

NAME = "audit-mail"
RUN_SECONDS = 50.0  # of each minute; the next run starts on the next minute
PASS_EVERY = 2.0

_app: Flask | None = None


def app() -> Flask:
    """The app whose config and templates the task uses (made once per worker process)."""
    global _app
    if _app is None:
        from audit import create_app

        _app = create_app()
    return _app


def deliver_minute(flask_app: Flask | None = None) -> Pass:
    """One run: deliver for RUN_SECONDS."""
    return deliver_for(flask_app or app(), RUN_SECONDS, PASS_EVERY)


def make_huey(settings: Settings) -> Huey:
    """The mail queue for the settings, with the periodic delivery task on it (huey.deliver)."""
    if settings.immediate:
        huey: Huey = MemoryHuey(NAME, immediate=True)
    elif settings.redis_url:
        huey = RedisHuey(NAME, url=settings.redis_url)
    else:
        huey = SqliteHuey(NAME, filename=settings.queue_file)
    task = huey.lock_task("outbox-delivery")(_run)
    huey.deliver = huey.periodic_task(crontab(minute="*"), name="deliver_outbox")(task)
    return huey


def _run() -> dict:
    """The periodic task's body: the reminders' scan, then a minute of delivery."""
    scan_reminders(app())
    done = deliver_minute()
    return {"events": done.events, "sent": done.sent, "retried": done.retried,
            "failed": done.failed, "skipped": done.skipped}
