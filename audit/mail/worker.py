"""The mail worker: `python -m audit.mail.worker`, a Huey consumer that runs the periodic
delivery of the outbox (audit/mail/tasks.py). One is enough; it needs the database and the same
AUDIT_* settings as the web app (AUDIT_SMTP_URL, AUDIT_MAIL_FROM, AUDIT_BASE_URL, ...).

Example: AUDIT_SMTP_URL=smtp://127.0.0.1:1025 .venv/bin/python -m audit.mail.worker
"""

from __future__ import annotations

import logging
import sys

from audit.mail.tasks import make_huey
from reports.queue import QueueUnavailable, Settings


def main() -> int:
    """Run the consumer: one worker thread, periodic tasks on."""
    try:
        huey = make_huey(Settings.from_env())
    except QueueUnavailable as err:
        sys.stderr.write(f"{err}\n")
        return 2
    # Warnings only: a line a minute for every run would drown `make run`'s own output.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    huey.create_consumer(workers=1, worker_type="thread", periodic=True, flush_locks=True,
                         check_worker_health=True).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
