"""One report through the queue: build its HTML here, render it on a worker, store the bytes here.

No Flask and no jobs table (that is audit/jobs.py): these functions serve the web side, the
CLI and the benchmarks alike. The side that has the database builds the self-contained HTML
(render.store_html inlines charts as SVG and photos as data: URIs), the task returns PDF bytes,
and whoever collects the result writes it into the report cache the download route serves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from huey import Huey
from huey.exceptions import TaskException
from sqlite_utils import Database

from reports import aggregate, queue, render
from reports.aggregate import Period


@dataclass(frozen=True)
class Outcome:
    """Where one render stands: waiting, running, done (pdf), failed (error) or lost."""

    state: str
    pdf: bytes | None = None
    error: str | None = None


def lock_name(store_id: int, period: Period, lang: str) -> str:
    """The lock that keeps one store's report for one period from being rendered twice at once."""
    return f"store:{store_id}:{period.start}:{period.end}:{lang}"


def store_request(db: Database, store_id: int, period: Period, lang: str, *,
                  report_dir: str | Path, upload_dir: str | Path | None) -> tuple[Path, str | None]:
    """The cache path of a store report and, unless it is cached already, its HTML."""
    path = render.store_cache_path(db, store_id, period, lang, report_dir=report_dir)
    if path.exists():
        return path, None
    data = aggregate.store_report(db, store_id, period, lang)
    return path, render.store_html(data, upload_dir)


def submit(huey: Huey, html: str, lock: str, priority: int = 0) -> str:
    """Put a render on the queue (higher priority first); returns the task id to collect it by."""
    return huey.render_task(html, lock, priority=priority).id


def poll(huey: Huey, task_id: str, enqueued_at: float) -> Outcome:
    """The render's outcome; `lost` when its worker died or the queue forgot it.

    A render that started beats every few seconds; a silent one is lost. One that never started
    is lost only when the queue and schedule are empty (Redis restarted without its data) and
    it has waited longer than the same grace period.
    """
    try:
        pdf = huey.result(task_id)
    except TaskException as err:
        return Outcome("failed", error=str(err))
    if pdf is not None:
        return Outcome("done", pdf=pdf)
    settings = huey.settings
    beat = queue.last_beat(huey, task_id)
    now = time.time()
    if beat is not None:
        return Outcome("running" if now - beat < settings.lost_after else "lost")
    if now - enqueued_at < settings.lost_after:
        return Outcome("waiting")
    if huey.storage.queue_size() == 0 and huey.storage.schedule_size() == 0:
        return Outcome("lost")
    return Outcome("waiting")


def give_up(huey: Huey, task_id: str, lock: str) -> None:
    """Forget a lost render: revoke it, free its lock, drop its heartbeat."""
    huey.revoke_by_id(task_id)
    queue.release(huey, lock, task_id)
    queue.forget_beat(huey, task_id)


def collected(huey: Huey, task_id: str) -> None:
    """Tidy up after a render's result was taken."""
    queue.forget_beat(huey, task_id)


# ---------------------------------------------------------------- benchmarks


def compare_serial_and_queue(db: Database, store_ids: list[int], period: Period, lang: str, *,
                             huey: Huey, upload_dir: str | Path | None = None,
                             timeout: float = 600) -> dict:
    """Render the stores' reports serially in this process, then through the queue; time both.

    For the benchmark engineer: start workers first (`python -m reports.worker`, or several
    machines on Redis), then call this with `reports.queue.default_huey()`. Nothing is cached:
    both passes render every report. Returns seconds and reports per second of each pass, and
    the speed-up.
    """
    htmls = [render.store_html(aggregate.store_report(db, s, period, lang), upload_dir)
             for s in store_ids]
    start = time.perf_counter()
    for html in htmls:
        render.html_to_pdf(html)
    serial = time.perf_counter() - start

    start = time.perf_counter()
    pending = {submit(huey, html, f"bench:{i}:{time.time()}"): time.time()
               for i, html in enumerate(htmls)}
    failed = 0
    while pending and time.perf_counter() - start < timeout:
        for task_id, at in list(pending.items()):
            outcome = poll(huey, task_id, at)
            if outcome.state in ("done", "failed", "lost"):
                failed += outcome.state != "done"
                collected(huey, task_id)
                del pending[task_id]
        time.sleep(0.05)
    queued = time.perf_counter() - start
    count = len(htmls)
    return {"reports": count, "serial_s": round(serial, 2), "queue_s": round(queued, 2),
            "serial_per_s": round(count / serial, 2) if serial else None,
            "queue_per_s": round(count / queued, 2) if queued else None,
            "speedup": round(serial / queued, 2) if queued else None,
            "failed": failed, "unfinished": len(pending)}
