"""Render workers spread over "machines" through Debian's redis-server on a loopback port.

Two consumers run in folders of their own with no database setting; the web side (here the test)
builds the HTML and stores the PDFs. Then Redis goes away in the middle of a run and comes back.
Nothing waits a fixed time: each step polls for what it needs, with a deadline generous enough
for a machine whose cores are busy with other renders.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from pypdf import PdfReader
from test_jobs_consumer import FAST, drive, start_worker, stop_worker, stores_with_visits

from audit import report_runs as jobs
from reports import aggregate, queue, render
from reports.aggregate import Period

PERIOD = Period.parse("2026-09-01", "2026-11-30")
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
DEADLINE = 120  # seconds for a step that takes well under one on an idle machine


def wait_until(what: str, ready, folders=(), timeout: float = DEADLINE) -> None:
    """Poll ready() until it is true; fail naming `what`, with the consumers' logs."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout} s\n{worker_logs(folders)}")


def worker_logs(folders) -> str:
    """Every consumer's output, for a failure message."""
    return "\n".join(f"--- {f.name}\n{(f / 'worker.log').read_text()}" for f in folders
                     if (f / "worker.log").exists())


def consumers_waiting(url: str, count: int) -> bool:
    """Whether `count` Huey workers are connected and blocked reading the queue."""
    try:
        clients = redis.Redis.from_url(url).client_list()
    except redis.ConnectionError:
        return False
    # A priority queue (fair turns across users) is a sorted set, read with BZPOPMIN.
    return sum(c.get("cmd") in ("brpop", "bzpopmin") for c in clients) >= count


def free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on 127.0.0.1:port without persistence: a restart forgets every task."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.proc = folder, free_port(), None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def redis_run(app, tmp_path):
    """Redis plus two consumers (one worker process each) in folders without a database."""
    if not Path(REDIS).exists():
        pytest.fail("redis-server is missing: `make test` installs Debian's redis-server")
    server = RedisServer(tmp_path / "redis")
    server.start()
    app.config.update(QUEUE_IMMEDIATE=False, REDIS_URL=server.url,
                      RENDER_LOST_AFTER=float(FAST["AUDIT_RENDER_LOST_AFTER"]))
    folders = [tmp_path / "machine-1", tmp_path / "machine-2"]
    workers = [start_worker(f, {"AUDIT_REDIS_URL": server.url}, workers=1) for f in folders]
    # Both consumers are up before a test begins: a slow start is not a test of anything.
    wait_until("both consumers reading the queue", lambda: consumers_waiting(server.url, 2),
               folders)
    yield jobs.queue_for(app.config), server, folders
    for w in workers:
        stop_worker(w)
    server.stop()


def serial_pdf(app, db, store_id: int) -> PdfReader:
    """The same report rendered in this process, the way it was before the queue."""
    data = aggregate.store_report(db, store_id, PERIOD, "en")
    html = render.store_html(data, app.config["UPLOAD_DIR"])
    out = Path(app.config["REPORT_DIR"]).parent / f"serial-{store_id}.pdf"
    out.write_bytes(render.html_to_pdf(html))
    return PdfReader(out)


def test_two_redis_workers_render_a_run_of_20_stores_once_each(app, db, redis_run):
    huey, _server, folders = redis_run
    ids = stores_with_visits(db, 20)
    job_id = jobs.start(db, huey, ids, PERIOD, "en", user_id=None)
    assert drive(app, db, huey, job_id) == "done", jobs.progress(db, job_id)
    progress = jobs.progress(db, job_id)
    assert (progress["done"], progress["failed"]) == (20, 0)
    cached = sorted(Path(app.config["REPORT_DIR"]).glob("store-*.pdf"))
    assert len(cached) == 20  # one file per store: none rendered into two files
    for n, store_id in enumerate(ids):
        mine = list(Path(app.config["REPORT_DIR"]).glob(f"store-W-{n:02d}-*.pdf"))
        assert len(mine) == 1
        queued, serial = PdfReader(mine[0]), serial_pdf(app, db, store_id)
        assert len(queued.pages) == len(serial.pages)
        assert [p.extract_text() for p in queued.pages] == [p.extract_text() for p in serial.pages]
    logs = [(f / "worker.log").read_text() for f in folders]
    assert all(log.count("executed in") >= 1 for log in logs), "both machines rendered"
    assert sum(log.count("executed in") for log in logs) == 20  # no render ran twice
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == ["worker.log"]  # no database


def test_redis_lost_mid_run_shows_stalled_and_resumes_when_back(app, db, redis_run):
    huey, server, folders = redis_run
    ids = stores_with_visits(db, 6, "R")
    job_id = jobs.start(db, huey, ids, PERIOD, "en", user_id=None)
    jobs.advance(db, huey, job_id, jobs.Folders.of(app.config))
    tasks = [r[0] for r in db.execute("SELECT task_id FROM job_items WHERE status = 'queued'")]
    assert len(tasks) == 6
    wait_until("a render started", lambda: any(queue.last_beat(huey, t) for t in tasks), folders)
    server.stop()  # mid-run: renders queued and running
    assert jobs.advance(db, huey, job_id, jobs.Folders.of(app.config)) == "stalled"
    progress = jobs.progress(db, job_id)
    assert progress["status"] == "stalled" and server.url in progress["message"]
    assert "AUDIT_REDIS_URL" in progress["message"]
    assert jobs.advance(db, huey, job_id, jobs.Folders.of(app.config)) == "stalled"  # not done
    server.start()  # empty: the queued renders are gone and are enqueued again
    try:
        assert drive(app, db, huey, job_id) == "done"
    except AssertionError as err:
        raise AssertionError(f"{err}\n{worker_logs(folders)}") from None
    progress = jobs.progress(db, job_id)
    assert (progress["done"], progress["failed"], progress["message"]) == (6, 0, None)
    assert len(list(Path(app.config["REPORT_DIR"]).glob("store-R-*.pdf"))) == 6


def test_a_worker_started_while_redis_is_down_waits_and_renders_when_it_is_back(
        app, db, tmp_path):
    # The cause of the old failure of the test above on a busy machine: a consumer that had not
    # finished starting when Redis went away found it unreachable and exited; with both gone,
    # the run waited for ever after Redis came back.
    server = RedisServer(tmp_path / "redis")
    folder = tmp_path / "machine"
    worker = start_worker(folder, {"AUDIT_REDIS_URL": server.url}, workers=1)
    try:
        log = folder / "worker.log"
        wait_until("the worker saying it waits", lambda: "Waiting for it" in log.read_text(),
                   [folder])
        assert server.url in log.read_text() and "AUDIT_REDIS_URL" in log.read_text()
        assert worker.poll() is None
        server.start()
        wait_until("the worker reading the queue", lambda: consumers_waiting(server.url, 1),
                   [folder])
        app.config.update(QUEUE_IMMEDIATE=False, REDIS_URL=server.url,
                          RENDER_LOST_AFTER=float(FAST["AUDIT_RENDER_LOST_AFTER"]))
        huey = jobs.queue_for(app.config)
        ids = stores_with_visits(db, 2, "D")
        job_id = jobs.start(db, huey, ids, PERIOD, "en", user_id=None)
        assert drive(app, db, huey, job_id) == "done", worker_logs([folder])
        assert jobs.progress(db, job_id)["done"] == 2
        assert "answers: starting" in log.read_text() and "Traceback" not in log.read_text()
    finally:
        stop_worker(worker)
        server.stop()
