"""Store reports through the render queue: serially in this process, then through real
consumers (`python -m reports.worker`) on a fresh SQLite queue file and on Redis with two
consumers; reports per second and the ratio to the serial run.

As in reports.jobs.compare_serial_and_queue, the HTML of every report is built once up front
(the web side does that before it enqueues), so every pass times the same thing: HTML -> PDF,
plus, for the queue, the round trip through it. The consumers run in empty folders with only the
queue's address, as on a render machine. Every process started here is stopped (try/finally).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.benchmarks.common import ROOT, Row
from tests.benchmarks.pdf import LANG, periods

TIMEOUT_S = 1800


def _free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT (a consumer stops its workers gracefully), then kill."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _consumer(folder: Path, env: dict, workers: int) -> subprocess.Popen:
    """`python -m reports.worker -w workers` in an empty folder, logging to worker.log."""
    folder.mkdir(parents=True)
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
             "HOME": str(folder), **env}
    with (folder / "worker.log").open("w") as log:  # the child keeps its own copy
        proc = subprocess.Popen([sys.executable, "-m", "reports.worker", "-w", str(workers)],
                                cwd=folder, env=clean, stdout=log, stderr=subprocess.STDOUT)
    proc.log = folder / "worker.log"  # for the error message should it exit
    return proc


@contextmanager
def _redis(folder: Path):
    """redis-server on a free loopback port without persistence; yields its URL."""
    port = _free_port()
    folder.mkdir(parents=True)
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait()


def _through(huey, htmls: list[str], procs: list[subprocess.Popen]) -> float:
    """Seconds to get every HTML rendered by the consumers, as the web side polls (jobs.poll)."""
    from reports import jobs

    start = time.perf_counter()
    pending = {jobs.submit(huey, html, f"bench:{n}:{time.time()}"): time.time()
               for n, html in enumerate(htmls)}
    bad, looked_lost = 0, set()
    while pending:
        if time.perf_counter() - start > TIMEOUT_S:
            raise RuntimeError(f"{len(pending)} queued renders unfinished after {TIMEOUT_S} s")
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"a consumer exited:\n{p.log.read_text()[-2000:]}")
        for task_id, at in list(pending.items()):
            outcome = jobs.poll(huey, task_id, at)
            # `lost` is a guess (no heartbeat yet); the consumers are alive, so keep waiting.
            if outcome.state == "lost":
                looked_lost.add(task_id)
            if outcome.state in ("done", "failed"):
                bad += not (outcome.pdf or b"").startswith(b"%PDF")
                jobs.collected(huey, task_id)
                del pending[task_id]
        time.sleep(0.1)
    if bad:
        raise RuntimeError(f"{bad} of {len(htmls)} queued renders failed")
    if looked_lost:
        print(f"    {len(looked_lost)} renders looked lost to jobs.poll yet finished",
              file=sys.stderr)
    return time.perf_counter() - start


def _measure(settings, htmls: list[str], procs: list[subprocess.Popen], workers: int) -> float:
    """Reports per second through the queue, after a warm-up (consumers up, WeasyPrint loaded)."""
    from reports import queue

    huey = queue.make_huey(settings)
    _through(huey, ["<p>warm-up</p>"] * workers, procs)
    return len(htmls) / _through(huey, htmls, procs)


def queue_benchmarks(database: Path, count: int) -> list[Row]:
    """`count` stores' monthly reports: serial, SQLite queue + 1 consumer, Redis + 2 consumers."""
    from audit.storage.db import open_db
    from reports import aggregate, queue, render

    with sqlite3.connect(database) as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM stores WHERE archived = 0 ORDER BY code LIMIT ?", [count])]
    period = periods()["month"]
    db = open_db(database)
    try:
        htmls = [render.store_html(aggregate.store_report(db, s, period, LANG)) for s in ids]
    finally:
        db.close()
    start = time.perf_counter()
    for html in htmls:
        render.html_to_pdf(html)
    serial = len(htmls) / (time.perf_counter() - start)
    what = f"{len(ids)} store reports (month)"
    rows = [Row("queue", f"{what}, serial in one process", f"{serial:.2f} reports/s")]

    def row(how: str, rate: float) -> Row:
        return Row("queue", f"{what}, {how}", f"{rate:.2f} reports/s",
                   f"serial {serial:.2f}/s", f"x{rate / serial:.2f}")

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        queue_file = str(Path(tmp) / "queue" / "queue.db")
        proc = _consumer(Path(tmp) / "sqlite-worker", {"AUDIT_QUEUE_FILE": queue_file}, cores)
        try:
            rate = _measure(queue.Settings(queue_file=queue_file), htmls, [proc], cores)
        finally:
            _stop(proc)
        rows.append(row(f"SQLite queue, 1 consumer x {cores} processes", rate))

        if shutil.which("redis-server") is None:
            rows.append(Row("queue", f"{what}, Redis, 2 consumers", "redis-server not installed"))
            return rows
        # Two "machines" share the cores, so the total workers match the SQLite run.
        each = max(1, cores // 2)
        with _redis(Path(tmp) / "redis") as url:
            procs = []
            try:
                for n in (1, 2):
                    procs.append(_consumer(Path(tmp) / f"machine-{n}",
                                           {"AUDIT_REDIS_URL": url}, each))
                rate = _measure(queue.Settings(redis_url=url), htmls, procs, 2 * each)
            finally:
                for p in procs:
                    _stop(p)
        rows.append(row(f"Redis, 2 consumers x {each} process{'es' * (each != 1)}", rate))
    return rows
