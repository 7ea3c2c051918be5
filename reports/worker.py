"""Start render workers: `python -m reports.worker` (any huey_consumer option may follow).

Defaults: process workers (-k process), one per core (-w), each recycled after 100 renders
(-M: a long report can take hundreds of MiB), polling the queue at most a second apart (-m 1),
checking every 2 s that no worker has died (-c 2). A worker needs no database and no uploads:
on a render machine it needs this package, WeasyPrint's Debian packages and, for several
machines, AUDIT_REDIS_URL. With the queue unreachable it says so and exits 2, no traceback.

Example: AUDIT_REDIS_URL=redis://10.0.0.5:6379/0 .venv/bin/python -m reports.worker -w 4
"""

from __future__ import annotations

import logging
import os
import sys

from huey.consumer_options import ConsumerConfig, OptionParserHandler

from reports import queue

DEFAULTS = {"worker_type": "process", "workers": os.cpu_count() or 1, "max_tasks": 100,
            "max_delay": 1.0, "health_check_interval": 2}


def main(argv: list[str] | None = None) -> int:
    """Parse huey_consumer's options over our defaults, check the queue, run the consumer."""
    parser = OptionParserHandler().get_option_parser()
    parser.usage = "python -m reports.worker [huey_consumer options]"
    options, _args = parser.parse_args(argv)
    given = {k: v for k, v in options.__dict__.items() if v is not None}
    config = ConsumerConfig(**{**DEFAULTS, **given})
    config.validate()
    huey = queue.default_huey()
    try:
        queue.check(huey)
    except queue.QueueUnavailable as err:
        sys.stderr.write(f"{err}\n")
        return 2
    if hasattr(huey.storage, "close"):
        huey.storage.close()  # the workers fork: each must open its own connection
    config.setup_logger(logging.getLogger("huey"))
    logging.getLogger("huey").info("Render queue: %s, %s %s workers", huey.settings.where,
                                   config.workers, config.worker_type)
    huey.create_consumer(**config.values).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
