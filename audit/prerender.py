"""Reports that wait for no one: a publish re-renders its store's default-period reports.

A reader of visit_events with its own cursor (DESIGN.md "Visit lifecycle and events"): catch_up()
takes the events after the cursor that publish or unpublish a visit, records one background job
of store reports per language for the stores they touch, and moves the cursor, all in one
transaction. A crash before the commit replays the events, never skips them; one after it leaves
the jobs to be driven by the next catch_up. Reading events rather than enqueueing inside the
publish keeps the publish free of the queue (it commits even when Redis is down) and lets many
publishes of one store in a minute become one pending render per report.

The renders go through the ordinary run machinery (audit/report_runs.py) as `background` jobs:
behind every person's render on the queue, outside the fair turns, and a report already waiting
to be pre-rendered is not added again. Which reports: the store report for the period a manager
gets without choosing one (reports.period.default_period, the "Last 6 months" button), in the
language of each of the store's managers (the app's default for those who chose none); and the
summary of the store's region for the same period in each admin's language
(audit/summary_prerender.py: rendered on the queue too, but not kept across a crash).

Nothing here changes what is served as current: the cache key of a store report already moves
with every publish (render.store_cache_path), so a download between a publish and its
pre-render waits for a fresh render as before, and the old PDF is never served for the new data.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlite_utils import Database

from audit import outbox, report_runs
from audit import summary_prerender as summaries
from audit.storage.db import now, open_db
from audit.vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from reports.period import Period, default_period

CONSUMER = "prerender"
log = logging.getLogger("audit.prerender")


def enabled(config: Mapping[str, Any]) -> bool:
    """Whether publishes pre-render: PRERENDER (default on), a real queue and a live worker.

    In immediate mode (tests, no queue) a pre-render would run inside the publish request; with
    no worker it would wait for ever: a manager's download renders on demand then, as before.
    """
    if not config.get("PRERENDER", True):
        return False
    if report_runs.queue_for(config).immediate:
        return False
    return report_runs.worker_running(config)


def kick(config: Mapping[str, Any]) -> None:
    """After a move: catch up with the events and drive the new jobs, in a thread of this process.

    Never raises: a publish has committed already, and the next kick replays what this one missed.
    """
    try:
        if not enabled(config):
            return
    except Exception:  # noqa: BLE001 - the queue unreachable: the publish stands, no pre-render
        log.warning("pre-render skipped: the render queue cannot be reached")
        return
    thread = threading.Thread(target=_catch_up_in_thread, args=(dict(config),),
                              name="prerender", daemon=True)
    thread.start()


def _catch_up_in_thread(config: dict) -> None:
    """Catch up and render on a connection of its own."""
    db = open_db(config["DATABASE"])
    try:
        handle(config, db)
    except Exception:  # noqa: BLE001 - a thread's error would vanish; the next kick replays
        log.exception("pre-render catch-up failed")
    finally:
        db.close()


def handle(config: Mapping[str, Any], db: Database, *, foreground: bool = False) -> Caught:
    """Catch up, make sure each new run is driven (here until done when `foreground`: the CLI),
    then render the touched regions' summaries."""
    languages = tuple(config.get("LANGUAGES", LANGUAGES))
    default = config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    caught = catch_up(db, languages=languages, default_language=default)
    for job_id in caught.jobs:
        if foreground:
            report_runs.drive(db, report_runs.queue_for(config), job_id,
                              report_runs.Folders.of(config))
        else:
            report_runs.ensure_driver(config, db, job_id)
    summaries.render_regions(config, db, caught.regions, admin_languages(db, languages, default))
    return caught


@dataclass(frozen=True)
class Caught:
    """What one catch-up did: the background runs it started and the regions the events touch."""

    jobs: list[int]
    regions: list[str]


def catch_up(db: Database, *, today: date | None = None, languages: tuple[str, ...] = LANGUAGES,
             default_language: str = DEFAULT_LANGUAGE) -> Caught:
    """Record pre-renders for the events after the cursor and move it (one transaction).

    Returns the runs it started (none when no event publishes or unpublishes) and the regions
    of the stores the events touch (their summaries are rendered outside the transaction).
    """
    period = default_period(today)
    with db.atomic():
        cursor = outbox.cursor(db, CONSUMER)
        rows = db.execute(
            """SELECT MAX(e.id), v.store_id FROM visit_events e JOIN visits v ON v.id = e.visit_id
               WHERE e.id > ? AND (e.to_status = 'published' OR e.from_status = 'published')
               GROUP BY v.store_id""", [cursor]).fetchall()
        last = db.execute("SELECT MAX(id) FROM visit_events").fetchone()[0] or cursor
        by_language: dict[str, list[int]] = {}
        for _event, store_id in rows:
            for lang in store_languages(db, store_id, languages, default_language):
                if not _waiting(db, store_id, period, lang):
                    by_language.setdefault(lang, []).append(store_id)
        jobs = [_start(db, store_ids, period, lang) for lang, store_ids in by_language.items()]
        outbox.advance(db, CONSUMER, last)  # the one writer of the consumers' cursors
        regions = [r[0] for r in db.execute(
            "SELECT DISTINCT region FROM stores WHERE id IN (SELECT value FROM json_each(?)) "
            "ORDER BY region", [json.dumps([store_id for _e, store_id in rows])])]
    return Caught(jobs, regions)


def admin_languages(db: Database, languages: tuple[str, ...], default_language: str) -> list[str]:
    """The languages the active admins (who download the summaries) read, sorted."""
    rows = db.execute("SELECT DISTINCT language FROM users WHERE role = 'admin' AND active = 1")
    return sorted({r[0] if r[0] in languages else default_language for r in rows}
                  or {default_language})


def store_languages(db: Database, store_id: int, languages: tuple[str, ...],
                    default_language: str) -> list[str]:
    """The languages the store's managers (direct or by region) read reports in, sorted."""
    rows = db.execute(
        """SELECT DISTINCT u.language FROM users u WHERE u.active = 1 AND u.id IN (
               SELECT user_id FROM store_managers WHERE store_id = :s
               UNION SELECT r.user_id FROM region_managers r JOIN stores s ON s.region = r.region
               WHERE s.id = :s)""", {"s": store_id}).fetchall()
    found = {r[0] if r[0] in languages else default_language for r in rows}
    return sorted(found or {default_language})


def _waiting(db: Database, store_id: int, period: Period, lang: str) -> bool:
    """Whether a pre-render of this report waits already (not yet built: it will read the
    latest data when it is)."""
    return db.execute(
        """SELECT 1 FROM job_items i JOIN jobs j ON j.id = i.job_id
           WHERE j.background = 1 AND i.status = 'pending' AND i.store_id = ?
             AND i.period_start = ? AND i.period_end = ? AND i.lang = ? LIMIT 1""",
        [store_id, period.start.isoformat(), period.end.isoformat(), lang]).fetchone() is not None


def _start(db: Database, store_ids: list[int], period: Period, lang: str) -> int:
    """A background job of store reports (inside the caller's transaction); its id."""
    stamp = now()
    params = {"start": period.start.isoformat(), "end": period.end.isoformat(), "lang": lang,
              "region": None}
    job_id = db["jobs"].insert({
        "kind": "store_report", "params": json.dumps(params), "total": len(store_ids),
        "status": "running", "started_by": None, "created_at": stamp, "updated_at": stamp,
        "background": 1}).last_pk
    db["job_items"].insert_all(
        {"job_id": job_id, "store_id": s, "period_start": params["start"],
         "period_end": params["end"], "lang": lang} for s in store_ids)
    return job_id
