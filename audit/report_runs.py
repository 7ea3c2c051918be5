"""Runs of many report renders (jobs) and their progress, on top of the render queue.

The database side only: a job row (kind, parameters, total, done, failed, status, who, times)
and one job_items row per report. advance() is one step of a run: collect what the workers
finished (PDF bytes into the report cache), give up on renders whose worker died (re-enqueued,
up to MAX_ATTEMPTS), and enqueue more, at most WINDOW at a time, so that the queue never holds
every store's HTML at once and a cancelled run stops at once. Each change is a short
transaction, so the progress page (which only reads) never waits long.

Someone has to call advance(): a thread in the web process (ensure_driver, taken over by the
next page view when that process is gone: a lease in jobs.driver_until says who drives) or the
CLI in the foreground. With the queue unreachable the job is `stalled` and the next step retries.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huey import Huey
from sqlite_utils import Database

from audit.errors import N_, Conflict
from audit.storage.db import now, open_db
from reports import jobs as render_jobs
from reports import queue, render
from reports.aggregate import Period

MAX_ATTEMPTS = 3
# Huey takes the highest priority first; a person's render has minus its fair turn (>= 0).
BACKGROUND_PRIORITY = -1_000_000
WINDOW = int(os.environ.get("AUDIT_RENDER_WINDOW", "32"))
LEASE_SECONDS = 15.0
STEP_SECONDS = 0.5
PREPARE_PER_STEP = 8
LOST_MESSAGE = "The worker rendering this report stopped {n} times (killed or out of memory)."
_hueys: dict[queue.Settings, Huey] = {}
_hueys_lock = threading.Lock()


@dataclass(frozen=True)
class Folders:
    """Where report PDFs are cached and where photos are read from (web host only)."""

    reports: str
    uploads: str | None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Folders:
        """The folders of an app's config."""
        return cls(config["REPORT_DIR"], config["UPLOAD_DIR"])


def queue_for(config: Mapping[str, Any]) -> Huey:
    """The app's render queue: the environment's, immediate when testing (QUEUE_IMMEDIATE)."""
    overrides = {"immediate": bool(config.get("QUEUE_IMMEDIATE", config.get("TESTING", False)))}
    for key, field in (("REDIS_URL", "redis_url"), ("QUEUE_FILE", "queue_file"),
                       ("RENDER_LOST_AFTER", "lost_after")):
        if key in config:
            overrides[field] = config[key]
    settings = queue.Settings.from_env(**overrides)
    with _hueys_lock:
        if settings not in _hueys:
            _hueys[settings] = queue.make_huey(settings)
        return _hueys[settings]


def worker_running(config: Mapping[str, Any]) -> bool:
    """Whether a render worker beat within WORKER_TIMEOUT s (an unreachable queue: no)."""
    huey = queue_for(config)
    try:
        return queue.worker_running(huey, float(config.get("WORKER_TIMEOUT", 60)))
    except queue.queue_errors():
        return False


# ---------------------------------------------------------------- starting and stopping


def stores_for_run(db: Database, region: str | None = None) -> list[int]:
    """Ids of the stores that are not archived (of one region, if given), by code."""
    sql = "SELECT id FROM stores WHERE archived = 0 AND (:region IS NULL OR region = :region) " \
          "ORDER BY code"
    return [r["id"] for r in db.query(sql, {"region": region})]


def start(db: Database, huey: Huey, store_ids: list[int], period: Period, lang: str, *,
          user_id: int | None, region: str | None = None, kind: str = "store_reports") -> int:
    """Record a run of store reports (one transaction); QueueUnavailable when it cannot run."""
    queue.check(huey)
    stamp = now()
    params = {"start": period.start.isoformat(), "end": period.end.isoformat(), "lang": lang,
              "region": region}
    with db.atomic():
        job_id = db["jobs"].insert({
            "kind": kind, "params": json.dumps(params), "total": len(store_ids),
            "status": "running" if store_ids else "done", "started_by": user_id,
            "created_at": stamp, "updated_at": stamp,
            "finished_at": None if store_ids else stamp}).last_pk
        db["job_items"].insert_all(
            {"job_id": job_id, "store_id": s, "period_start": params["start"],
             "period_end": params["end"], "lang": lang} for s in store_ids)
    return job_id


def cancel(db: Database, huey: Huey, job_id: int) -> None:
    """Stop a run: nothing more is enqueued; queued renders are revoked."""
    with db.atomic():
        db.execute("UPDATE jobs SET status = 'cancelled', finished_at = ?, updated_at = ? "
                   "WHERE id = ? AND status IN ('running', 'stalled')", [now(), now(), job_id])
        queued = list(db.query("SELECT task_id FROM job_items WHERE job_id = ? AND "
                               "status = 'queued'", [job_id]))
        db.execute("UPDATE job_items SET status = 'cancelled' WHERE job_id = ? AND "
                   "status IN ('pending', 'queued')", [job_id])
    for row in queued:
        try:
            huey.revoke_by_id(row["task_id"])
        except queue.queue_errors():
            pass  # the queue is gone anyway; a late result is ignored


def retry_failed(db: Database, job_id: int) -> int:
    """Put a run's failed reports back to be rendered; returns how many."""
    with db.atomic():
        count = db.execute("UPDATE job_items SET status = 'pending', error = NULL, attempts = 0, "
                           "task_id = NULL WHERE job_id = ? AND status = 'failed'",
                           [job_id]).rowcount
        if count:
            db.execute("UPDATE jobs SET failed = failed - ?, status = 'running', "
                       "finished_at = NULL, message = NULL, updated_at = ? WHERE id = ?",
                       [count, now(), job_id])
    return count


# ---------------------------------------------------------------- one step of a run


def advance(db: Database, huey: Huey, job_id: int, folders: Folders) -> str:
    """Collect finished renders, re-enqueue lost ones, enqueue more; returns the job's status."""
    job = db["jobs"].get(job_id)
    if job["status"] in ("done", "cancelled"):
        return job["status"]
    try:
        _collect(db, huey, job_id, folders)
        _top_up(db, huey, job_id, folders)
    except queue.queue_errors() as err:
        message = queue.unavailable_message(huey.settings, err)
        _set_status(db, job_id, "stalled", message)
        return "stalled"
    return _finish_if_complete(db, job_id)


def _collect(db: Database, huey: Huey, job_id: int, folders: Folders) -> None:
    """Take the result of every queued render that has one; give up on lost renders."""
    items = list(db.query("SELECT * FROM job_items WHERE job_id = ? AND status = 'queued'",
                          [job_id]))
    for item in items:
        outcome = render_jobs.poll(huey, item["task_id"], item["enqueued_at"])
        if outcome.state == "done":
            if not _outdated(db, item, folders):
                render.write_cached(Path(folders.reports) / item["report_file"], outcome.pdf)
            _item_finished(db, item, "done")
            render_jobs.collected(huey, item["task_id"])
        elif outcome.state == "failed":
            _item_finished(db, item, "failed", outcome.error)
            render_jobs.collected(huey, item["task_id"])
        elif outcome.state == "lost":
            render_jobs.give_up(huey, item["task_id"], _lock(item))
            if item["attempts"] >= MAX_ATTEMPTS:
                _item_finished(db, item, "failed", LOST_MESSAGE.format(n=item["attempts"]))
            else:
                with db.atomic():  # back to the start: the next top-up enqueues it again
                    db.execute("UPDATE job_items SET status = 'pending', task_id = NULL "
                               "WHERE id = ? AND status = 'queued'", [item["id"]])


def _outdated(db: Database, item: dict, folders: Folders) -> bool:
    """Whether a pre-render's data changed while it rendered (a publish meanwhile).

    Its file could never be served, and writing it would drop the fresh file a person's render
    may have written meanwhile (a report keeps one file): the result is left unwritten.
    """
    if not _is_background(db, item):
        return False
    path = render.store_cache_path(db, item["store_id"], _period(item), item["lang"],
                                   report_dir=folders.reports)
    return path.name != item["report_file"]


def _item_finished(db: Database, item: dict, status: str, error: str | None = None) -> None:
    """Mark one report done or failed and count it on its job, in one transaction."""
    column = "done" if status == "done" else "failed"
    with db.atomic():
        changed = db.execute(
            "UPDATE job_items SET status = ?, error = ?, finished_at = ? WHERE id = ? AND "
            "status IN ('pending', 'queued')", [status, error, now(), item["id"]]).rowcount
        if changed:  # a cancelled item stays cancelled and is not counted
            db.execute(f"UPDATE jobs SET {column} = {column} + 1, updated_at = ? "  # noqa: S608
                       "WHERE id = ?", [now(), item["job_id"]])


def _lock(item: dict) -> str:
    """The render lock of an item's store, period and language."""
    return render_jobs.lock_name(item["store_id"], _period(item), item["lang"])


def _period(item: dict) -> Period:
    return Period.parse(item["period_start"], item["period_end"])


def _top_up(db: Database, huey: Huey, job_id: int, folders: Folders) -> None:
    """Enqueue pending reports until WINDOW are in flight (a few per step, so results flow)."""
    if db["jobs"].get(job_id)["status"] == "cancelled":
        return
    queued = db.execute("SELECT COUNT(*) FROM job_items WHERE job_id = ? AND status = 'queued'",
                        [job_id]).fetchone()[0]
    room = min(WINDOW - queued, PREPARE_PER_STEP)
    if room <= 0:
        return
    pending = list(db.query("SELECT * FROM job_items WHERE job_id = ? AND status = 'pending' "
                            "ORDER BY id LIMIT ?", [job_id, room * 2]))
    for item in pending:
        if room <= 0:
            break
        room -= _prepare(db, huey, item, folders)


def _prepare(db: Database, huey: Huey, item: dict, folders: Folders) -> int:
    """Serve an item from the cache, or enqueue its render; returns how many renders it added."""
    path, html = render_jobs.store_request(db, item["store_id"], _period(item), item["lang"],
                                           report_dir=folders.reports,
                                           upload_dir=folders.uploads)
    if html is None:
        db.execute("UPDATE job_items SET report_file = ? WHERE id = ?", [path.name, item["id"]])
        _item_finished(db, item, "done")
        return 0
    background = _is_background(db, item)
    if _rendering_elsewhere(db, item, path.name, background):
        return 0  # another run renders this very file: wait for it and take it from the cache
    # A pre-render nobody waits for goes behind every person's render and takes no fair turn.
    turn = None if background else _fair_turn(db, item)
    priority = BACKGROUND_PRIORITY if background else -turn
    task_id = render_jobs.submit(huey, html, _lock(item), priority=priority)
    with db.atomic():
        db.execute("UPDATE job_items SET status = 'queued', task_id = ?, enqueued_at = ?, "
                   "attempts = attempts + 1, report_file = ?, turn = ? WHERE id = ? AND "
                   "status = 'pending'", [task_id, time.time(), path.name, turn, item["id"]])
    # Immediate mode (tests) has rendered it already: collect at once.
    return 1


def _fair_turn(db: Database, item: dict) -> int:
    """The render's turn on the queue (its priority is minus the turn): fair across users.

    The queue takes the lowest turn first and, among equal turns, the oldest render. A user's
    render takes the turn after their own latest waiting render, but never one before the
    earliest turn still waiting: so another user's first request goes behind at most what was
    already waiting at that turn, and a user's flood (or an admin's run of every store) delays
    someone else's first report by at most the render under way. A render that has waited
    keeps its turn, so a later request of anyone goes behind it. The CLI's runs (no user) count
    as one user.
    """
    mine, earliest = db.execute(
        """SELECT (SELECT MAX(i.turn) FROM job_items i JOIN jobs j ON j.id = i.job_id
                   WHERE i.status = 'queued'
                     AND j.started_by IS (SELECT started_by FROM jobs WHERE id = :job)),
                  (SELECT MIN(turn) FROM job_items WHERE status = 'queued')""",
        {"job": item["job_id"]}).fetchone()
    return max(earliest or 0, -1 if mine is None else mine + 1, 0)


def renders_pending(db: Database) -> int:
    """Reports of open runs not yet on the queue (a run enqueues a window at a time)."""
    return db.execute(
        """SELECT COUNT(*) FROM job_items i JOIN jobs j ON j.id = i.job_id
           WHERE j.status IN ('running', 'stalled') AND i.status = 'pending'""").fetchone()[0]


def _is_background(db: Database, item: dict) -> bool:
    """Whether the item is a pre-render nobody waits for (audit/prerender.py)."""
    return bool(db.execute("SELECT background FROM jobs WHERE id = ?",
                           [item["job_id"]]).fetchone()[0])


def _rendering_elsewhere(db: Database, item: dict, report_file: str,
                         background: bool = False) -> bool:
    """Whether another job's queued item renders the same report right now.

    A person's render waits only for another person's render of the very same file: never for
    a pre-render, which sits behind everything on the queue. A pre-render waits for any render
    of the same store, period and language, even of older data: once that is done it renders
    the latest data, so publishes in a row cost at most one render under way and one waiting.
    """
    # Only a run someone still drives counts: an abandoned one must not hold others up.
    if background:
        return db.execute(
            """SELECT 1 FROM job_items i JOIN jobs j ON j.id = i.job_id
               WHERE i.store_id = ? AND i.period_start = ? AND i.period_end = ? AND i.lang = ?
                 AND i.status = 'queued' AND i.id != ? AND j.driver_until > ? LIMIT 1""",
            [item["store_id"], item["period_start"], item["period_end"], item["lang"],
             item["id"], time.time()]).fetchone() is not None
    return db.execute(
        """SELECT 1 FROM job_items i JOIN jobs j ON j.id = i.job_id
           WHERE i.report_file = ? AND i.status = 'queued' AND i.id != ? AND j.driver_until > ?
             AND j.background = 0 LIMIT 1""",
        [report_file, item["id"], time.time()]).fetchone() is not None


def _finish_if_complete(db: Database, job_id: int) -> str:
    """Mark the job done when nothing is pending or queued; back to running after a stall."""
    open_items = db.execute("SELECT COUNT(*) FROM job_items WHERE job_id = ? AND "
                            "status IN ('pending', 'queued')", [job_id]).fetchone()[0]
    with db.atomic():
        if open_items == 0:
            db.execute("UPDATE jobs SET status = 'done', message = NULL, finished_at = ?, "
                       "updated_at = ? WHERE id = ? AND status IN ('running', 'stalled')",
                       [now(), now(), job_id])
        else:
            db.execute("UPDATE jobs SET status = 'running', message = NULL, updated_at = ? "
                       "WHERE id = ? AND status = 'stalled'", [now(), job_id])
    return db["jobs"].get(job_id)["status"]


def _set_status(db: Database, job_id: int, status: str, message: str | None) -> None:
    """Set a running job's status and message."""
    with db.atomic():
        db.execute("UPDATE jobs SET status = ?, message = ?, updated_at = ? WHERE id = ? "
                   "AND status IN ('running', 'stalled')", [status, message, now(), job_id])


# ---------------------------------------------------------------- who drives a run


def take_lease(db: Database, job_id: int) -> bool:
    """Become the one who drives the job, unless someone else drove it in the last seconds."""
    with db.atomic():
        return db.execute(
            "UPDATE jobs SET driver_until = ? WHERE id = ? AND driver_until < ? "
            "AND status IN ('running', 'stalled')",
            [time.time() + LEASE_SECONDS, job_id, time.time()]).rowcount == 1


def drive(db: Database, huey: Huey, job_id: int, folders: Folders, on_step=None) -> str:
    """Advance the job until it is done or cancelled; on_step(progress) after each step.

    Holds the lease while it drives; when another process holds it, only watches.
    """
    leased = take_lease(db, job_id)
    seen = None
    while True:
        if leased:
            status = advance(db, huey, job_id, folders)
            with db.atomic():
                db.execute("UPDATE jobs SET driver_until = ? WHERE id = ?",
                           [time.time() + LEASE_SECONDS, job_id])
        else:
            status = db["jobs"].get(job_id)["status"]
            leased = take_lease(db, job_id)
        if on_step:
            on_step(progress(db, job_id))
        if status in ("done", "cancelled"):
            if leased:  # free for whoever drives it next (a retry of its failures)
                with db.atomic():
                    db.execute("UPDATE jobs SET driver_until = 0 WHERE id = ?", [job_id])
            return status
        if huey.immediate:
            # Everything ran at enqueue time: a step that changed nothing never will.
            state = db.execute("SELECT group_concat(status || attempts) FROM job_items "
                               "WHERE job_id = ?", [job_id]).fetchone()[0]
            if state == seen:
                return status
            seen = state
        else:
            time.sleep(STEP_SECONDS if status == "running" else 2.0)


def ensure_driver(config: Mapping[str, Any], db: Database, job_id: int) -> None:
    """Make sure something drives the job: in immediate mode right now, else a thread."""
    huey = queue_for(config)
    if huey.immediate:
        drive(db, huey, job_id, Folders.of(config))
        return
    if not take_lease(db, job_id):
        return
    thread = threading.Thread(target=_drive_in_thread, name=f"report-job-{job_id}",
                              args=(config["DATABASE"], huey, job_id, Folders.of(config)),
                              daemon=True)
    thread.start()


def _drive_in_thread(database: str, huey: Huey, job_id: int, folders: Folders) -> None:
    """A web process's driver: its own connection; the lease was taken by the caller."""
    db = open_db(database)
    try:
        with db.atomic():
            db.execute("UPDATE jobs SET driver_until = 0 WHERE id = ?", [job_id])
        drive(db, huey, job_id, folders)
    finally:
        db.close()


# ---------------------------------------------------------------- reading


def progress(db: Database, job_id: int) -> dict:
    """Counts, status, estimated seconds left and the failures (with store and reason)."""
    job = db["jobs"].get(job_id)
    remaining = job["total"] - job["done"] - job["failed"]
    finished = job["done"] + job["failed"]
    elapsed = _seconds_since(job["created_at"])
    eta = None
    if finished and remaining and job["status"] in ("running", "stalled"):
        eta = round(elapsed / finished * remaining)
    failures = list(db.query(
        """SELECT i.id, i.error, i.attempts, s.code, s.name FROM job_items i
           JOIN stores s ON s.id = i.store_id WHERE i.job_id = ? AND i.status = 'failed'
           ORDER BY s.code""", [job_id]))
    percent = round(100 * finished / job["total"]) if job["total"] else 100
    return {**job, "params": json.loads(job["params"]), "remaining": remaining,
            "percent": percent, "eta": eta, "failures": failures,
            "finished": job["status"] in ("done", "cancelled")}


def _seconds_since(stamp: str) -> float:
    """Seconds from an ISO-8601 time stamp to now."""
    from datetime import UTC, datetime

    return max((datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds(), 0.001)


def recent_jobs(db: Database, limit: int = 10) -> list[dict]:
    """The latest runs, newest first."""
    return [progress(db, r["id"]) for r in db.query(
        "SELECT id FROM jobs WHERE kind = 'store_reports' ORDER BY id DESC LIMIT ?", [limit])]


def report_files(db: Database, job_id: int, report_dir: str | Path) -> list[tuple[str, Path]]:
    """(name in the archive, cached file) of every finished report of the job that still exists."""
    rows = db.query(
        """SELECT s.code, i.period_start, i.period_end, i.report_file FROM job_items i
           JOIN stores s ON s.id = i.store_id WHERE i.job_id = ? AND i.status = 'done'
           ORDER BY s.code""", [job_id])
    out = []
    for r in rows:
        path = Path(report_dir) / Path(r["report_file"]).name
        if path.exists():
            out.append((f"{render.safe_name(r['code'])}-{r['period_start']}-{r['period_end']}.pdf",
                        path))
    return out


def zip_reports(db: Database, job_id: int, report_dir: str | Path) -> bytes:
    """Every finished PDF of the job in one ZIP (stored, not compressed: PDFs are compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, path in report_files(db, job_id, report_dir):
            archive.write(path, name)
    return out.getvalue()


# ---------------------------------------------------------------- one report for a manager


def store_report(config: Mapping[str, Any], db: Database, store_id: int, period: Period, lang: str,
                 user_id: int, seen_job: int | None = None) -> tuple[Path | None, dict | None]:
    """The cached report's path, or None and the job preparing it (started if need be).

    Conflict `render_cap` (429 on the web) when the user already waits for RENDER_CAP reports.

    seen_job is the job the person's page was waiting for: when it failed, its reason is shown
    instead of starting again on every refresh; a page without it starts a new try.
    """
    folders = Folders.of(config)
    path = render.store_cache_path(db, store_id, period, lang, report_dir=folders.reports)
    if path.exists():
        return path, None
    job_id = _open_single_job(db, store_id, period, lang, seen_job)
    if job_id is None:
        _refuse_over_cap(db, user_id, int(config.get("RENDER_CAP", 5)))
        job_id = start(db, queue_for(config), [store_id], period, lang, user_id=user_id,
                       kind="store_report")
    ensure_driver(config, db, job_id)
    if path.exists():
        return path, None
    return None, progress(db, job_id)


def _refuse_over_cap(db: Database, user_id: int, cap: int) -> None:
    """Conflict `render_cap` when the user already has `cap` reports being prepared."""
    waiting = db.execute(
        """SELECT COUNT(*) FROM jobs WHERE kind = 'store_report' AND started_by = ?
           AND status IN ('running', 'stalled')""", [user_id]).fetchone()[0]
    if waiting >= cap:
        raise Conflict("render_cap", N_("Too many of your reports are being prepared at once "
                                        "(at most %(n)s). Wait until one of them is ready, then "
                                        "ask again."), n=cap)


def _open_single_job(db: Database, store_id: int, period: Period, lang: str,
                     seen_job: int | None) -> int | None:
    """The job preparing this store's report for the period, or the failed one the page saw."""
    row = db.execute(
        """SELECT j.id FROM jobs j JOIN job_items i ON i.job_id = j.id
           WHERE j.kind = 'store_report' AND j.background = 0 AND i.store_id = ?
             AND i.period_start = ?
             AND i.period_end = ? AND i.lang = ?
             AND (j.status IN ('running', 'stalled') OR (j.id = ? AND j.failed > 0))
           ORDER BY j.id DESC LIMIT 1""",
        [store_id, period.start.isoformat(), period.end.isoformat(), lang, seen_job]).fetchone()
    return row[0] if row else None
