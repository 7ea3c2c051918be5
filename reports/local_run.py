"""Render many store reports in this process, over a pool of processes, when no worker runs.

`flask report all` used to put every render on the queue and wait: with no worker running it
printed "Rendering reports" and then nothing, for ever. With no worker seen (or --local) it
renders here instead: this process builds each report's HTML from the database and writes the
PDFs into the report cache; a pool of processes (one per core) turns HTML into PDF bytes, as a
worker would. At most two renders per process are in flight, so memory stays bounded however
many stores there are.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from reports import jobs, render
from reports.aggregate import Period


@dataclass
class LocalRun:
    """What a local run made: the cache file of each store, and each failure's reason."""

    files: dict[int, Path] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)

    @property
    def finished(self) -> int:
        """Reports done or failed so far."""
        return len(self.files) + len(self.failures)


def processes_for(count: int, wanted: int | None = None) -> int:
    """How many render processes: as asked, else one per core; never more than renders."""
    return max(1, min(wanted or os.cpu_count() or 1, max(count, 1)))


def render_stores(db: Database, store_ids: list[int], period: Period, lang: str, *,
                  report_dir: str | Path, upload_dir: str | Path | None,
                  processes: int | None = None,
                  on_step: Callable[[LocalRun], None] | None = None) -> LocalRun:
    """Render every store's report (cached ones are taken as they are); on_step after each."""
    run = LocalRun()
    size = processes_for(len(store_ids), processes)
    todo = iter(store_ids)

    def request(store_id: int) -> tuple[Path, str | None]:
        return jobs.store_request(db, store_id, period, lang, report_dir=report_dir,
                                  upload_dir=upload_dir)

    # forkserver: the render processes start clean, sharing neither this process's database
    # connection nor its threads (a fork of a threaded process may deadlock).
    with ProcessPoolExecutor(max_workers=size,
                             mp_context=multiprocessing.get_context("forkserver")) as pool:
        in_flight: dict[Future, tuple[int, Path]] = {}
        _fill(pool, todo, in_flight, run, size * 2, request, on_step)
        while in_flight:
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                store_id, path = in_flight.pop(future)
                try:
                    run.files[store_id] = render.write_cached(path, future.result())
                except Exception as err:  # noqa: BLE001 - one bad report must not stop the run
                    run.failures[store_id] = f"{type(err).__name__}: {err}"
                if on_step:
                    on_step(run)
            _fill(pool, todo, in_flight, run, size * 2, request, on_step)
    return run


def _fill(pool: ProcessPoolExecutor, todo: Iterator[int], in_flight: dict[Future, tuple[int, Path]],
          run: LocalRun, limit: int, request: Callable[[int], tuple[Path, str | None]],
          on_step: Callable[[LocalRun], None] | None) -> None:
    """Build HTML and hand renders to the pool until `limit` are in flight or none are left."""
    while len(in_flight) < limit:
        store_id = next(todo, None)
        if store_id is None:
            return
        path, html = request(store_id)
        if html is None:  # cached already
            run.files[store_id] = path
            if on_step:
                on_step(run)
            continue
        in_flight[pool.submit(render.html_to_pdf, html)] = (store_id, path)
