"""Background report runs: the jobs table, the admin's run page, the manager's "preparing" page.

Most tests use SqliteHuey's immediate mode (the app under TESTING): a render happens at enqueue
time. Those about queued work (cancel, a lost worker, the lock) use a real SqliteHuey file with
no consumer, and play the worker's part by dequeuing and executing tasks themselves.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import make_store, make_user, make_visit
from pypdf import PdfReader

from audit import report_runs as jobs
from reports import jobs as render_jobs
from reports import queue, render
from reports.aggregate import Period

PERIOD = Period.parse("2026-09-01", "2026-11-30")
FORM = {"start": "2026-09-01", "end": "2026-11-30", "region": ""}


@pytest.fixture
def chain(db):
    """Three stores in two regions, two with a published visit in October 2026."""
    shopper = make_user(db, "shopper")
    ids = {code: make_store(db, code, region=region, name=f"Shop {code}")
           for code, region in (("A-1", "North"), ("A-2", "North"), ("B-1", "South"))}
    for code in ("A-1", "B-1"):
        make_visit(db, ids[code], shopper, "published", answers={"greeted_on_entry": True},
                   started_at="2026-10-01T10:00:00+00:00")
    return ids


def pdf_text(data: bytes) -> str:
    """All text of a PDF."""
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_admin_run_renders_every_store_and_offers_one_zip(login, chain, db):
    client = login("admin")
    response = client.post("/admin/reports/runs", FORM)
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "Finished" in page and 'http-equiv="refresh"' not in page and "<script" not in page
    job = db.execute("SELECT * FROM jobs").fetchone()
    assert job is not None
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{response.location}/reports.zip").data))
    assert sorted(archive.namelist()) == [f"{c}-2026-09-01-2026-11-30.pdf"
                                          for c in ("A-1", "A-2", "B-1")]
    assert "Shop A-1" in pdf_text(archive.read("A-1-2026-09-01-2026-11-30.pdf"))
    progress = jobs.progress(db, job[0])
    assert (progress["done"], progress["failed"], progress["status"]) == (3, 0, "done")
    assert progress["started_by"] is not None


def test_run_for_a_period_without_visits_gives_every_store_the_no_visits_report(app, chain, db):
    huey = jobs.queue_for(app.config)
    job_id = jobs.start(db, huey, jobs.stores_for_run(db), Period.parse("2020-01-01",
                        "2020-01-31"), "en", user_id=None)
    assert jobs.drive(db, huey, job_id, jobs.Folders.of(app.config)) == "done"
    files = jobs.report_files(db, job_id, app.config["REPORT_DIR"])
    assert len(files) == 3 and jobs.progress(db, job_id)["failed"] == 0
    for _name, path in files:
        reader = PdfReader(path)
        assert len(reader.pages) == 1 and "No published visits" in reader.pages[0].extract_text()


def test_run_of_one_region_renders_only_its_stores(login, chain, db):
    login("admin").post("/admin/reports/runs", {**FORM, "region": "North"})
    codes = [r[0] for r in db.execute(
        "SELECT s.code FROM job_items i JOIN stores s ON s.id = i.store_id ORDER BY s.code")]
    assert codes == ["A-1", "A-2"]


@pytest.mark.parametrize(("form", "message"), [
    ({"start": ""}, "Give a date as YYYY-MM-DD."),
    ({"start": "2026-13-01"}, "Give a date as YYYY-MM-DD."),
    ({"start": "2026-12-01"}, "The start of the period is after its end."),
    ({"region": "Atlantis"}, "Not a valid choice"),
])
def test_bad_run_form_says_why_and_starts_nothing(login, chain, db, form, message):
    response = login("admin").post("/admin/reports/runs", {**FORM, **form})
    assert response.status_code == 400 and message in response.text
    assert db["jobs"].count == 0


def test_failed_render_is_retried_listed_with_its_reason_and_retried_on_request(
        login, chain, db, monkeypatch):
    calls = []
    real = render.html_to_pdf

    def crash_on_b1(html: str) -> bytes:
        if "Shop B-1" in html:
            calls.append(1)
            raise RuntimeError("the font exploded")
        return real(html)

    monkeypatch.setattr(render, "html_to_pdf", crash_on_b1)
    client = login("admin")
    url = client.post("/admin/reports/runs", FORM).location
    page = client.get(url).text
    assert len(calls) == 1 + queue.RETRIES  # the first try and two retries
    assert "B-1 Shop B-1" in page and "the font exploded" in page and "Retry failed" in page
    job_id = int(url.rsplit("/", 1)[1])
    assert jobs.progress(db, job_id)["failed"] == 1

    monkeypatch.setattr(render, "html_to_pdf", real)
    client.post(f"{url}/retry")
    progress = jobs.progress(db, job_id)
    assert (progress["done"], progress["failed"], progress["status"]) == (3, 0, "done")


def test_progress_page_refreshes_by_script_with_a_pause_button_and_a_link_without(login, chain,
                                                                                   db):
    job_id = db["jobs"].insert({
        "kind": "store_reports", "params": '{"start": "2026-09-01", "end": "2026-11-30"}',
        "total": 4, "done": 1, "failed": 1, "status": "running",
        "created_at": "2026-07-01T00:00:00+00:00", "updated_at": "2026-07-01T00:00:00+00:00",
        "driver_until": time.time() + 60}).last_pk  # someone drives it: no thread here
    page = login("admin").get(f"/admin/reports/runs/{job_id}").text
    # A timed meta refresh fails axe's meta-refresh rule: the reader could not stop it.
    assert 'http-equiv="refresh"' not in page
    assert f'data-refresh-url="/admin/reports/runs/{job_id}"' in page
    assert f'<a class="button" href="/admin/reports/runs/{job_id}">Refresh</a>' in page
    assert "Pause automatic refresh" in page and "js/auto-refresh.js" in page
    assert '<progress id="job-bar" max="4" value="2">' in page and "Cancel the run" in page


def test_a_run_of_another_kind_is_not_an_admin_run(login, db, chain):
    job_id = db["jobs"].insert({"kind": "store_report", "params": "{}", "total": 1,
                                "created_at": "2026-07-01", "updated_at": "2026-07-01"}).last_pk
    assert login("admin").get(f"/admin/reports/runs/{job_id}").status_code == 404
    assert login("admin").get("/admin/reports/runs/999999").status_code == 404


# ---------------------------------------------------------------- a real queue, no consumer


@pytest.fixture
def filequeue(tmp_path):
    """A SqliteHuey on its own file, nobody consuming: the test plays the worker."""
    return queue.make_huey(queue.Settings(queue_file=str(tmp_path / "queue.db"), beat=0.1,
                                          lost_after=0.5))


def work(huey, count=1) -> None:
    """Be a worker: take tasks off the queue and run them."""
    for _ in range(count):
        task = huey.dequeue()
        assert task is not None
        huey.execute(task)


def test_a_cancelled_run_stops_enqueuing(app, db, chain, filequeue, monkeypatch):
    monkeypatch.setattr(jobs, "WINDOW", 2)
    job_id = jobs.start(db, filequeue, jobs.stores_for_run(db), PERIOD, "en", user_id=None)
    jobs.advance(db, filequeue, job_id, jobs.Folders.of(app.config))
    assert filequeue.storage.queue_size() == 2
    jobs.cancel(db, filequeue, job_id)
    assert jobs.advance(db, filequeue, job_id, jobs.Folders.of(app.config)) == "cancelled"
    assert filequeue.storage.queue_size() == 2  # nothing more was enqueued
    work(filequeue, 2)  # the revoked renders are skipped by the worker
    for (task_id,) in db.execute("SELECT task_id FROM job_items WHERE task_id IS NOT NULL"):
        assert filequeue.result(task_id) is None
    assert not list(Path(app.config["REPORT_DIR"]).glob("*.pdf"))
    statuses = [r[0] for r in db.execute("SELECT status FROM job_items")]
    assert statuses == ["cancelled"] * 3


def test_a_render_whose_worker_died_is_enqueued_again_and_stored_once(app, db, chain,
                                                                      filequeue):
    job_id = jobs.start(db, filequeue, [chain["A-1"]], PERIOD, "en", user_id=None)
    folders = jobs.Folders.of(app.config)
    jobs.advance(db, filequeue, job_id, folders)
    dead = filequeue.dequeue()  # a worker took it ...
    lock = render_jobs.lock_name(chain["A-1"], PERIOD, "en")
    assert queue.acquire(filequeue, lock, dead.id)  # ... locked it, beat once, and was killed
    filequeue.storage.put_data(f"beat:{dead.id}", str(time.time() - 5).encode())
    jobs.advance(db, filequeue, job_id, folders)
    item = db.execute("SELECT status, attempts, task_id FROM job_items").fetchone()
    assert item[0:2] == ("queued", 2) and item[2] != dead.id
    assert queue.lock_holder(filequeue, lock) is None
    work(filequeue)
    assert jobs.advance(db, filequeue, job_id, folders) == "done"
    assert len(list(Path(app.config["REPORT_DIR"]).glob("store-A-1-*"))) == 1


def test_a_render_lost_three_times_fails_with_the_reason(app, db, chain, filequeue):
    job_id = jobs.start(db, filequeue, [chain["A-2"]], PERIOD, "en", user_id=None)
    folders = jobs.Folders.of(app.config)
    for _ in range(jobs.MAX_ATTEMPTS):
        jobs.advance(db, filequeue, job_id, folders)
        dead = filequeue.dequeue()
        filequeue.storage.put_data(f"beat:{dead.id}", str(time.time() - 5).encode())
    assert jobs.advance(db, filequeue, job_id, folders) == "done"
    progress = jobs.progress(db, job_id)
    assert progress["failed"] == 1 and "stopped 3 times" in progress["failures"][0]["error"]


def test_the_same_store_and_period_is_never_rendered_twice_at_once(filequeue):
    lock = "store:1:2026-09-01:2026-11-30:en"
    first = render_jobs.submit(filequeue, "<p>first</p>", lock)
    queue.acquire(filequeue, lock, "someone-else")
    filequeue.storage.put_data("beat:someone-else", str(time.time()).encode())  # alive
    work(filequeue)
    assert filequeue.result(first) is None and filequeue.storage.schedule_size() == 1
    time.sleep(1.1)  # the retry is due; the holder stopped beating: its lock is taken over
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=5)  # Huey's naive UTC
    task = filequeue.read_schedule(later)[0]
    filequeue.execute(task)
    assert filequeue.result(first).startswith(b"%PDF")
    assert queue.lock_holder(filequeue, lock) is None


# ---------------------------------------------------------------- queue unreachable

DOWN = "redis://127.0.0.1:1/0"


def test_unreachable_queue_at_start_is_a_clear_message_on_the_page(app, login, chain, db):
    app.config.update(QUEUE_IMMEDIATE=False, REDIS_URL=DOWN)
    response = login("admin").post("/admin/reports/runs", FORM)
    assert response.status_code == 503
    assert DOWN in response.text and "AUDIT_REDIS_URL" in response.text
    assert "Traceback" not in response.text and db["jobs"].count == 0


def test_unreachable_queue_told_to_use_it_is_a_clear_message_in_the_cli(app, runner, chain,
                                                                        tmp_path):
    app.config.update(QUEUE_IMMEDIATE=False, REDIS_URL=DOWN)
    result = runner.invoke(args=["report", "all", "--from", "2026-09-01", "--to", "2026-11-30",
                                 "--out", str(tmp_path / "out"), "--queue"])
    assert result.exit_code == 1 and DOWN in result.output and "AUDIT_REDIS_URL" in result.output
    assert "Traceback" not in result.output


def test_unreachable_queue_in_the_cli_says_so_and_renders_here(app, runner, chain, tmp_path):
    app.config.update(QUEUE_IMMEDIATE=False, REDIS_URL=DOWN)
    result = runner.invoke(args=["report", "all", "--from", "2026-09-01", "--to", "2026-11-30",
                                 "--out", str(tmp_path / "out"), "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert DOWN in result.output and "Rendering here." in result.output
    assert len(list((tmp_path / "out").glob("*.pdf"))) == len(chain)


def run_worker(tmp_path, **env) -> subprocess.CompletedProcess:
    """`python -m reports.worker` with only the given settings, to its end."""
    return subprocess.run([sys.executable, "-m", "reports.worker"], cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_unreachable_queue_stops_a_worker_told_not_to_wait_with_a_clear_message(tmp_path):
    done = run_worker(tmp_path, AUDIT_REDIS_URL=DOWN, AUDIT_QUEUE_WAIT="0")
    assert done.returncode == 2 and DOWN in done.stderr and "AUDIT_REDIS_URL" in done.stderr
    assert "Waiting" not in done.stderr and "Traceback" not in done.stderr


def test_a_worker_waits_for_an_unreachable_queue_then_gives_up_after_queue_wait(tmp_path):
    start = time.monotonic()
    done = run_worker(tmp_path, AUDIT_REDIS_URL=DOWN, AUDIT_QUEUE_WAIT="1.5")
    assert time.monotonic() - start >= 1.5
    assert done.returncode == 2 and DOWN in done.stderr and "AUDIT_REDIS_URL" in done.stderr
    assert "Waiting for it" in done.stderr
    assert "Gave up after 1.5 s (AUDIT_QUEUE_WAIT)" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_worker_whose_queue_folder_cannot_be_created_names_the_path_and_setting(tmp_path):
    (tmp_path / "not-a-folder").write_text("a file where the folder should be")
    queue_file = tmp_path / "not-a-folder" / "queue" / "queue.db"
    done = run_worker(tmp_path, AUDIT_QUEUE_FILE=str(queue_file))
    assert done.returncode == 2, done.stderr
    assert str(queue_file.parent) in done.stderr and "AUDIT_QUEUE_FILE" in done.stderr
    assert "cannot be created" in done.stderr and "Traceback" not in done.stderr


def test_a_worker_with_a_bad_queue_wait_says_so(tmp_path):
    done = run_worker(tmp_path, AUDIT_REDIS_URL=DOWN, AUDIT_QUEUE_WAIT="soon")
    assert done.returncode == 2 and "AUDIT_QUEUE_WAIT='soon'" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- the manager's download


def test_manager_download_not_cached_shows_preparing_then_delivers(app, login, people, db,
                                                                     filequeue):
    store_id = make_store(db, "M-1")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    # A render in this thread holds the GIL; with 0.5 s its heartbeat thread looked lost.
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_FILE=filequeue.settings.queue_file,
                      RENDER_LOST_AFTER=10)
    huey = jobs.queue_for(app.config)
    client = login("manager")
    url = f"/manager/stores/{store_id}/report.pdf?start=2026-09-01&end=2026-11-30"
    page = client.get(url)
    assert page.status_code == 200 and "Preparing your report" in page.text
    job_id = db.execute("SELECT id FROM jobs WHERE kind = 'store_report'").fetchone()[0]
    assert f"job={job_id}" in page.text and 'http-equiv="refresh"' not in page.text
    assert "js/auto-refresh.js" in page.text and "Pause automatic refresh" in page.text
    assert re.search(f'<a class="button" href="[^"]*job={job_id}[^"]*">Check again</a>', page.text)
    deadline = time.time() + 30
    while huey.storage.queue_size() == 0 and time.time() < deadline:
        time.sleep(0.05)  # the web process's driver thread enqueues it
    work(huey)
    while db["jobs"].get(job_id)["status"] != "done" and time.time() < deadline:
        time.sleep(0.05)  # ... and collects it
    # The page's next refresh: the tab now says the report is ready and starts the download
    # (an immediate meta refresh, no JavaScript needed); a bare PDF answer left it at "Preparing".
    ready = client.get(f"{url}&job={job_id}")
    assert ready.status_code == 200 and ready.mimetype == "text/html"
    assert "Your report is ready" in ready.text and "Preparing your report" not in ready.text
    assert "<script" not in ready.text
    download = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', ready.text)
    assert download, ready.text
    link = html.unescape(download.group(1))
    assert "job=" not in link and f'href="{download.group(1)}"' in ready.text  # and a button
    response = client.get(link)
    assert response.mimetype == "application/pdf" and "M-1" in pdf_text(response.data)
    assert response.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(("lang", "ready"), [("pl", "Raport jest gotowy"),
                                              ("ru", "Отчёт готов")])
def test_report_ready_page_speaks_the_managers_language(lang, ready, login, people, db):
    store_id = make_store(db, "M-3")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    db["users"].update(people["manager"], {"language": lang})
    client = login("manager")
    url = f"/manager/stores/{store_id}/report.pdf?start=2026-09-01&end=2026-11-30"
    assert client.get(url).mimetype == "application/pdf"  # immediate mode: cached at once
    page = client.get(f"{url}&job=1").text  # what the preparing page refreshes to
    assert ready in page and "Your report is ready" not in page and "M-3" in page


def test_manager_sees_why_a_report_failed_and_can_try_again(app, login, people, db, monkeypatch):
    store_id = make_store(db, "M-2")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})

    def crash(html: str) -> bytes:
        raise RuntimeError("out of paper")

    monkeypatch.setattr(render, "html_to_pdf", crash)
    client = login("manager")
    url = f"/manager/stores/{store_id}/report.pdf?start=2026-09-01&end=2026-11-30"
    job_id = db.execute("SELECT MAX(id) FROM jobs").fetchone()[0] or 0
    page = client.get(f"{url}&job={job_id + 1}").text  # the page a failed run refreshes to
    assert "could not be prepared" in page and "out of paper" in page
    assert 'http-equiv="refresh"' not in page
    assert client.get(f"{url}&job={job_id + 1}").text.count("out of paper") == 1
    assert db["jobs"].count == job_id + 1  # refreshing the failure starts nothing new
    monkeypatch.undo()
    assert client.get(url).mimetype == "application/pdf"  # "Try again"
