"""Is a render worker running? Its heartbeat, /healthz, the pages that wait for it, and
`flask report all`, which renders here when no worker is seen instead of waiting for ever.

A real consumer process (`python -m reports.worker`) is started and killed; the CLI runs in a
fresh instance folder, nothing else running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_store
from pypdf import PdfReader
from test_jobs_consumer import ROOT, children, start_worker, stop_worker

from audit import report_runs as jobs
from reports import jobs as render_jobs
from reports import queue

TIMEOUT = 2.0  # WORKER_TIMEOUT in these tests
SLOW_MACHINE = 120  # seconds a worker may take to start on busy cores


@pytest.fixture
def filequeue(app, tmp_path):
    """The app on a SQLite queue file, workers seen dead after TIMEOUT s."""
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_FILE=str(tmp_path / "queue" / "queue.db"),
                      WORKER_TIMEOUT=TIMEOUT)
    return jobs.queue_for(app.config)


@pytest.fixture
def no_drivers(monkeypatch):
    """Pages start no driver thread (nothing would render; the test only reads the page)."""
    monkeypatch.setattr(jobs, "ensure_driver", lambda config, db, job_id: None)


def health(app) -> tuple[int, dict]:
    """GET /healthz: status and body."""
    response = app.test_client().get("/healthz")
    return response.status_code, response.json


def kill(proc: subprocess.Popen) -> None:
    """Kill a consumer and its workers at once, as the OOM killer or a lost machine would."""
    pids = children(proc.pid)
    proc.kill()
    proc.wait()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # ended with its parent
            os.kill(pid, signal.SIGKILL)


def test_health_answers_503_within_the_configured_time_after_the_worker_is_killed(
        app, filequeue, tmp_path):
    proc = start_worker(tmp_path / "worker", {"AUDIT_QUEUE_FILE": filequeue.settings.queue_file,
                                              "AUDIT_WORKER_BEAT": "0.3"}, workers=1)
    try:
        deadline = time.time() + SLOW_MACHINE
        while queue.worker_age(filequeue) is None and time.time() < deadline:
            time.sleep(0.1)
        status, body = health(app)
        assert status == 200, (body, (tmp_path / "worker" / "worker.log").read_text())
        assert body["checks"]["worker"]["last_heartbeat_s"] < TIMEOUT
    finally:
        kill(proc)
    killed = time.monotonic()
    render_jobs.submit(filequeue, "<p>waiting</p>", "health-test")  # a render now waits
    while (answer := health(app))[0] == 200 and time.monotonic() - killed < 30:
        time.sleep(0.1)
    took = time.monotonic() - killed
    status, body = answer
    assert status == 503, body
    assert took <= TIMEOUT + 1.5, took  # the configured time, and a beat's worth more
    worker = body["checks"]["worker"]
    assert worker["ok"] is False and worker["renders_waiting"] == 1
    assert worker["last_heartbeat_s"] >= TIMEOUT and worker["timeout_s"] == TIMEOUT  # rounded
    assert body["checks"]["database"]["ok"] and body["checks"]["queue"]["ok"]


def test_health_is_ok_with_no_worker_while_nothing_waits(app, filequeue):
    status, body = health(app)
    assert status == 200, body
    assert body["checks"]["worker"] == {"ok": True, "last_heartbeat_s": None,
                                        "timeout_s": TIMEOUT, "renders_waiting": 0}


def test_health_counts_a_run_not_yet_on_the_queue_as_waiting(app, db, filequeue):
    jobs.start(db, filequeue, [make_store(db, "H-1")], jobs.Period.parse(
        "2026-09-01", "2026-11-30"), "en", user_id=None)
    status, body = health(app)
    assert status == 503 and body["checks"]["worker"]["renders_waiting"] == 1


def test_a_worker_writes_one_log_line_per_render(app, filequeue, tmp_path):
    folder = tmp_path / "worker"
    proc = start_worker(folder, {"AUDIT_QUEUE_FILE": filequeue.settings.queue_file,
                                 "AUDIT_LOG_FORMAT": "json"}, workers=1)
    try:
        task = render_jobs.submit(filequeue, "<p>logged</p>", "log-test")
        deadline = time.time() + SLOW_MACHINE
        while filequeue.result(task, preserve=True) is None and time.time() < deadline:
            time.sleep(0.1)
    finally:
        stop_worker(proc)
    log = (folder / "worker.log").read_text()
    line = next(x for x in log.splitlines() if '"rendered log-test' in x)
    assert f'"task": "{task}"' in line and '"logger": "reports.render"' in line, log


def test_the_preparing_page_says_plainly_that_no_worker_runs(app, db, people, login, filequeue,
                                                             no_drivers):
    store = make_store(db, "NW-1")
    db["store_managers"].insert({"store_id": store, "user_id": people["manager"]})
    page = login("manager").get(f"/manager/stores/{store}/report.pdf?start=2026-09-01"
                                "&end=2026-11-30")
    assert page.status_code == 200 and "Preparing your report" in page.text
    assert "No report worker is running" in page.text
    queue.beat_worker(filequeue)  # a worker beats: the warning goes
    page = login("manager").get(f"/manager/stores/{store}/report.pdf?start=2026-09-01"
                                "&end=2026-11-30")
    assert "No report worker is running" not in page.text


def test_the_admins_run_page_says_plainly_that_no_worker_runs(app, db, login, filequeue,
                                                              no_drivers):
    make_store(db, "NW-2")
    admin = login("admin")
    started = admin.post("/admin/reports/runs", {"start": "2026-09-01", "end": "2026-11-30",
                                                 "region": ""}, follow_redirects=True)
    assert "No render worker is running" in started.text
    assert "python -m reports.worker" in started.text


def flask(instance: Path, *args: str) -> subprocess.CompletedProcess:
    """`flask --app audit:create_app ARGS` in a fresh instance folder, nothing else running."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "HOME": str(instance.parent), "AUDIT_INSTANCE": str(instance)}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "audit:create_app", *args],
                          cwd=instance.parent, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def test_report_all_in_a_fresh_database_with_nothing_running_writes_one_pdf_per_store(tmp_path):
    instance = tmp_path / "instance"
    upgraded = flask(instance, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "m001_initial" in upgraded.stdout  # the first upgrade lists what it applied
    assert flask(instance, "demo").returncode == 0
    done = flask(instance, "report", "all", "--from", "2026-06-01", "--to", "2026-11-30",
                 "--out", str(tmp_path / "out"), "--processes", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No render worker is running" in done.stderr and "rendering here" in done.stderr
    pdfs = sorted((tmp_path / "out").glob("*.pdf"))
    assert len(pdfs) == 10 and "Wrote 10 reports" in done.stdout  # the demo's ten stores
    assert all(PdfReader(p).pages for p in pdfs)


def test_report_all_told_to_use_the_queue_with_no_worker_says_what_to_start(app, runner,
                                                                            filequeue, db,
                                                                            tmp_path):
    make_store(db, "Q-1")
    result = runner.invoke(args=["report", "all", "--from", "2026-09-01", "--to", "2026-11-30",
                                 "--out", str(tmp_path / "out"), "--queue"])
    assert result.exit_code == 1
    assert "No render worker is running" in result.output
    assert "python -m reports.worker" in result.output and db["jobs"].count == 0


def test_report_all_with_a_worker_running_renders_on_the_worker(app, runner, filequeue, db,
                                                               tmp_path):
    make_store(db, "Q-2")
    app.config["WORKER_TIMEOUT"] = 30.0  # a busy machine may beat late; this is not the test
    proc = start_worker(tmp_path / "worker", {"AUDIT_QUEUE_FILE": filequeue.settings.queue_file,
                                              "AUDIT_WORKER_BEAT": "0.3"}, workers=1)
    try:
        deadline = time.time() + SLOW_MACHINE
        while queue.worker_age(filequeue) is None and time.time() < deadline:
            time.sleep(0.1)
        result = runner.invoke(args=["report", "all", "--from", "2026-09-01", "--to",
                                     "2026-11-30", "--out", str(tmp_path / "out")])
    finally:
        stop_worker(proc)
    assert result.exit_code == 0, result.output
    assert "rendering here" not in result.output and "Wrote 1 reports" in result.output
    assert db["jobs"].count == 1  # a run through the queue, as the admin's page starts
    assert "rendered store:" in (tmp_path / "worker" / "worker.log").read_text()


def test_report_all_says_so_when_its_worker_goes_away_mid_run(app, runner, filequeue, db,
                                                             tmp_path):
    import threading

    make_store(db, "Q-3")
    app.config["WORKER_TIMEOUT"] = 0.5
    queue.beat_worker(filequeue)  # a worker was running when the command started ...

    def late_worker() -> None:  # ... and another one turns up a few seconds later
        deadline = time.time() + 60
        while filequeue.storage.queue_size() == 0 and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        filequeue.execute(filequeue.dequeue())

    helper = threading.Thread(target=late_worker)
    helper.start()
    result = runner.invoke(args=["report", "all", "--from", "2026-09-01", "--to", "2026-11-30",
                                 "--out", str(tmp_path / "out")])
    helper.join()
    assert result.exit_code == 0, result.output
    assert "no render worker is running any more" in result.output
    assert "Wrote 1 reports" in result.output
