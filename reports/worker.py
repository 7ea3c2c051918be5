"""Start render workers: `python -m reports.worker` (any huey_consumer option may follow).

Defaults: process workers (-k process), one per core (-w), each recycled after 100 renders
(-M: a long report can take hundreds of MiB), polling the queue at most a second apart (-m 1),
checking every 2 s that no worker has died (-c 2). A worker needs no database and no uploads:
on a render machine it needs this package, WeasyPrint's Debian packages and, for several
machines, AUDIT_REDIS_URL.

A queue that cannot be reached at start (Redis not up yet, or restarting) is waited for, the way
Huey's consumer rides out an outage once it runs: the worker says so once, naming the address and
the setting, and starts when the queue answers. AUDIT_QUEUE_WAIT=N gives up after N seconds with
exit status 2 (0: at once). A queue folder that cannot be created is not waited for: exit 2.
Either way a clear message, no traceback.

While it runs, the consumer's main process writes a heartbeat every AUDIT_WORKER_BEAT seconds
(reports.queue.WorkerBeat) that /healthz, the report pages and `flask report` read. Log lines
(each render, with its time) go to standard error as text, or JSON with AUDIT_LOG_FORMAT=json.

Example: AUDIT_REDIS_URL=redis://10.0.0.5:6379/0 .venv/bin/python -m reports.worker -w 4
"""

from __future__ import annotations

import logging
import os
import sys
import time

from huey.consumer_options import ConsumerConfig, OptionParserHandler

from reports import log_format, queue

DEFAULTS = {"worker_type": "process", "workers": os.cpu_count() or 1, "max_tasks": 100,
            "max_delay": 1.0, "health_check_interval": 2}
RETRY_EVERY = 1.0  # seconds between tries while the queue cannot be reached at start


def wait_limit(env=os.environ) -> float | None:
    """AUDIT_QUEUE_WAIT in seconds (None: as long as it takes); ValueError if not a number."""
    raw = env.get("AUDIT_QUEUE_WAIT", "").strip()
    if not raw:
        return None
    try:
        limit = float(raw)
    except ValueError:
        raise ValueError(f"AUDIT_QUEUE_WAIT={raw!r} is not a number of seconds.") from None
    if limit < 0:
        raise ValueError(f"AUDIT_QUEUE_WAIT={raw!r} is not a number of seconds.")
    return limit


def wait_for_queue(huey, limit: float | None, say=None) -> bool:
    """Try the queue until it answers (True) or `limit` seconds have passed (False).

    Starting used to be the one moment an unreachable queue was fatal: a worker that came up
    while Redis restarted exited for good, and the run it should have served never resumed.
    """
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    deadline = None if limit is None else time.monotonic() + limit
    failed = False
    while True:
        try:
            queue.check(huey)
        except queue.QueueUnavailable as err:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                say(f"{err}\nGave up after {limit:g} s (AUDIT_QUEUE_WAIT)." if failed else str(err))
                return False
            if not failed:
                say(f"{err}\nWaiting for it, trying every {RETRY_EVERY:g} s (AUDIT_QUEUE_WAIT=N "
                    "gives up after N seconds).")
                failed = True
            time.sleep(RETRY_EVERY if left is None else min(RETRY_EVERY, left))
        else:
            if failed:
                say(f"The render queue at {huey.settings.where} answers: starting.")
            return True


def _setup_logs(config: ConsumerConfig) -> None:
    """Huey's lines and our renders' lines on standard error, in AUDIT_LOG_FORMAT.

    With -l FILE, Huey's own format goes to that file as huey_consumer would write it.
    """
    if config.logfile:
        config.setup_logger(logging.getLogger("huey"))
    else:
        log_format.setup("huey", level=config.loglevel)
    log_format.setup("reports", level=config.loglevel)


def main(argv: list[str] | None = None) -> int:
    """Parse huey_consumer's options over our defaults, check the queue, run the consumer."""
    parser = OptionParserHandler().get_option_parser()
    parser.usage = "python -m reports.worker [huey_consumer options]"
    options, _args = parser.parse_args(argv)
    given = {k: v for k, v in options.__dict__.items() if v is not None}
    config = ConsumerConfig(**{**DEFAULTS, **given})
    config.validate()
    try:
        limit = wait_limit()
        huey = queue.default_huey()  # the queue's folder cannot be created: no use waiting
    except (ValueError, queue.QueueUnavailable) as err:
        sys.stderr.write(f"{err}\n")
        return 2
    try:
        if not wait_for_queue(huey, limit):
            return 2
    except KeyboardInterrupt:  # stopped (SIGINT) while waiting: nothing was running
        return 130
    if hasattr(huey.storage, "close"):
        huey.storage.close()  # the workers fork: each must open its own connection
    try:
        _setup_logs(config)
    except ValueError as err:  # AUDIT_LOG_FORMAT names no format we write
        sys.stderr.write(f"{err}\n")
        return 2
    queue.WorkerBeat(huey.settings).start()  # /healthz, the pages and the CLI see it running
    logging.getLogger("huey").info("Render queue: %s, %s %s workers", huey.settings.where,
                                   config.workers, config.worker_type)
    huey.create_consumer(**config.values).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
