"""A region's summary for the default period, rendered on the queue after a publish in it.

The summary has no job rows (they are per store): a thread of the web process builds its HTML,
puts it on the queue behind every person's render, waits and writes the PDF into the cache
admin/reports_views.py serves (render.summary_cache_path). In one process a summary is rendered
by one thread at a time; publishes meanwhile make that thread render it once more when it is
done, with the data as it is then. A summary lost to a crash is rendered when first asked for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from audit import report_runs
from reports import aggregate, render
from reports import jobs as render_jobs
from reports.period import Period, default_period

POLL_SECONDS = 0.2
log = logging.getLogger("audit.prerender")
_busy: set[tuple] = set()  # summaries a thread of this process renders now
_again: set[tuple] = set()  # ... and those whose data changed while it did
_guard = threading.Lock()


def render_regions(config: Mapping[str, Any], db: Database, regions: list[str],
                   languages: list[str]) -> None:
    """Render each region's default-period summary in each language unless it is cached."""
    period = default_period()
    for region in regions:
        for lang in languages:
            render_summary(config, db, region, period, lang)


def render_summary(config: Mapping[str, Any], db: Database, region: str, period: Period,
                   lang: str) -> None:
    """Render one summary (again, while publishes arrive); at once if another thread does."""
    key = (config["DATABASE"], region, period, lang)
    with _guard:
        if key in _busy:
            _again.add(key)
            return
        _busy.add(key)
    try:
        while True:
            _render_once(config, db, region, period, lang)
            with _guard:
                if key not in _again:
                    break
                _again.discard(key)
    finally:
        with _guard:
            _busy.discard(key)
            _again.discard(key)


def _render_once(config: Mapping[str, Any], db: Database, region: str, period: Period,
                 lang: str) -> Path | None:
    """The summary as the data stands now: from the cache, or rendered on the queue."""
    # The path before the data: a file can hold newer data than its key, never older.
    path = render.summary_cache_path(db, period, lang, report_dir=config["REPORT_DIR"],
                                     region=region)
    if path.exists():
        return path
    html = render.summary_html(aggregate.summary_report(db, period, lang, region))
    huey = report_runs.queue_for(config)
    lock = f"summary:{region}:{period.start}:{period.end}:{lang}"
    task_id = render_jobs.submit(huey, html, lock, priority=report_runs.BACKGROUND_PRIORITY)
    enqueued = time.time()
    while True:
        outcome = render_jobs.poll(huey, task_id, enqueued)
        if outcome.state == "done":
            render_jobs.collected(huey, task_id)
            return render.write_cached(path, outcome.pdf)
        if outcome.state in ("failed", "lost"):
            log.warning("summary pre-render %s %s", outcome.state, lock,
                        extra={"task": task_id, "error": outcome.error})
            render_jobs.give_up(huey, task_id, lock)
            return None
        time.sleep(POLL_SECONDS)
