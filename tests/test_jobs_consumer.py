"""A real Huey consumer (`python -m reports.worker`) on the SQLite queue, in its own process.

The worker runs in an empty folder with no database setting: it gets HTML and returns bytes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_store, make_user, make_visit
from pypdf import PdfReader

from audit import report_runs as jobs
from reports import queue
from reports.aggregate import Period

ROOT = Path(__file__).resolve().parent.parent
PERIOD = Period.parse("2026-09-01", "2026-11-30")
FAST = {"AUDIT_RENDER_BEAT": "0.2", "AUDIT_RENDER_LOST_AFTER": "3"}


def start_worker(folder: Path, env: dict, workers: int = 2) -> subprocess.Popen:
    """`python -m reports.worker` in an empty folder, with only the queue's settings."""
    folder.mkdir(parents=True, exist_ok=True)
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
             "HOME": str(folder.parent / "home"), **FAST, **env}
    with (folder / "worker.log").open("w") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "reports.worker", "-w", str(workers), "-c", "1"],
            cwd=folder, env=clean, stdout=log, stderr=subprocess.STDOUT)


def stop_worker(proc: subprocess.Popen) -> None:
    """Stop a consumer and its workers (SIGINT: graceful; then kill)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def children(pid: int) -> list[int]:
    """The process ids of a process's children (its Huey workers)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def stores_with_visits(db, count: int, prefix: str = "W") -> list[int]:
    """`count` stores, each with one published visit in October 2026 (every third none)."""
    shopper = make_user(db, "shopper", f"{prefix.lower()}-shopper@example.com")
    ids = []
    for n in range(count):
        store_id = make_store(db, f"{prefix}-{n:02d}", name=f"Shop {prefix}{n:02d}")
        if n % 3:
            make_visit(db, store_id, shopper, "published",
                       answers={"greeted_on_entry": n % 2 == 0},
                       started_at=f"2026-10-{n % 28 + 1:02d}T10:00:00+00:00")
        ids.append(store_id)
    return ids


@pytest.fixture
def sqlite_queue(app, tmp_path):
    """The app on a SqliteHuey file that a real consumer process serves."""
    queue_file = str(tmp_path / "queue" / "queue.db")
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_FILE=queue_file,
                      RENDER_LOST_AFTER=float(FAST["AUDIT_RENDER_LOST_AFTER"]))
    proc = start_worker(tmp_path / "worker", {"AUDIT_QUEUE_FILE": queue_file})
    yield jobs.queue_for(app.config), proc
    stop_worker(proc)


def drive(app, db, huey, job_id: int, timeout: float = 240) -> str:
    """Drive the run in the foreground like the CLI, with a time limit."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = jobs.advance(db, huey, job_id, jobs.Folders.of(app.config))
        if status in ("done", "cancelled"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"the run did not finish: {jobs.progress(db, job_id)}")


def test_a_consumer_process_renders_a_run_from_html_alone(app, db, sqlite_queue, tmp_path):
    huey, proc = sqlite_queue
    ids = stores_with_visits(db, 4)
    job_id = jobs.start(db, huey, ids, PERIOD, "en", user_id=None)
    assert drive(app, db, huey, job_id) == "done", (tmp_path / "worker" / "worker.log").read_text()
    files = jobs.report_files(db, job_id, app.config["REPORT_DIR"])
    assert [name for name, _ in files] == [f"W-{n:02d}-2026-09-01-2026-11-30.pdf"
                                           for n in range(4)]
    assert all("Shop W" in PdfReader(path).pages[0].extract_text() for _, path in files)
    assert sorted(p.name for p in (tmp_path / "worker").iterdir()) == ["worker.log"]
    assert proc.poll() is None


def test_a_worker_killed_mid_render_is_retried_and_the_report_appears_once(
        app, db, sqlite_queue):
    huey, proc = sqlite_queue
    store_id = stores_with_visits(db, 2, "K")[1]
    job_id = jobs.start(db, huey, [store_id], PERIOD, "en", user_id=None)
    jobs.advance(db, huey, job_id, jobs.Folders.of(app.config))
    task_id = db.execute("SELECT task_id FROM job_items").fetchone()[0]
    deadline = time.time() + 60
    while queue.last_beat(huey, task_id) is None and time.time() < deadline:
        time.sleep(0.01)  # the render has started ...
    for pid in children(proc.pid):
        os.kill(pid, signal.SIGKILL)  # ... and its worker is killed
    assert drive(app, db, huey, job_id) == "done"
    item = db.execute("SELECT status, attempts FROM job_items").fetchone()
    assert item == ("done", 2)
    assert len(list(Path(app.config["REPORT_DIR"]).glob("store-K-01-*.pdf"))) == 1
    assert proc.poll() is None  # the consumer restarted its workers
