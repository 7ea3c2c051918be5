"""Reports that wait for no one: a publish re-renders its store's default-period report in the
background (audit/prerender.py), behind people's renders, one waiting render per report.

The first tests use a SQLite queue nobody consumes and advance the runs by hand; the last ones
run a real consumer (`python -m reports.worker`) and publish through the reviewer's page.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from conftest import make_store, make_user, make_visit
from test_jobs_consumer import FAST, start_worker, stop_worker
from test_render_fairness import ask, queue_order

from audit import prerender
from audit import report_runs as jobs
from audit.visits import review as review_flow
from reports import queue, render
from reports.period import default_period

TODAY = date.today()


def approved_visit(db, store_id: int, shopper: int, days_ago: int = 3) -> int:
    """An approved visit of the store, inside the default period."""
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    return make_visit(db, store_id, shopper, "approved", answers={"greeted_on_entry": True},
                      started_at=f"{day}T10:00:00+00:00", submitted_at=f"{day}T11:00:00+00:00")


def cursor(db) -> int:
    """The last event the pre-renderer has handled."""
    sql = "SELECT last_id FROM event_cursors WHERE consumer = 'prerender'"
    return db.execute(sql).fetchone()[0]


def background_items(db) -> list[tuple]:
    """(store, lang, status, period start, period end) of every pre-render."""
    return db.execute(
        """SELECT i.store_id, i.lang, i.status, i.period_start, i.period_end FROM job_items i
           JOIN jobs j ON j.id = i.job_id WHERE j.background = 1 ORDER BY i.store_id, i.lang"""
    ).fetchall()


def test_a_publish_records_a_prerender_of_the_default_period_in_each_managers_language(
        db, people):
    store, quiet = make_store(db, "PR-1", region="East"), make_store(db, "PR-2", region="West")
    polish = make_user(db, "manager", "pl-manager@example.com")
    db["users"].update(polish, {"language": "pl"})
    russian = make_user(db, "manager", "ru-manager@example.com")
    db["users"].update(russian, {"language": "ru"})
    db["store_managers"].insert({"store_id": store, "user_id": polish})
    db["region_managers"].insert({"region": "East", "user_id": russian})
    visit = approved_visit(db, store, people["shopper"])
    approved_visit(db, quiet, people["shopper"])  # approved, never published: nothing to do
    review_flow.publish(db, visit, people["admin"])

    started = prerender.catch_up(db)

    period = default_period()
    assert len(started.jobs) == 2 and started.regions == ["East"]  # one run per language
    assert background_items(db) == [
        (store, lang, "pending", period.start.isoformat(), period.end.isoformat())
        for lang in ("pl", "ru")]
    assert cursor(db) == db.execute("SELECT MAX(id) FROM visit_events").fetchone()[0]
    assert prerender.catch_up(db) == prerender.Caught([], [])  # nothing new: nothing again


def test_a_store_without_managers_is_prerendered_in_the_default_language(db, people):
    store = make_store(db, "PR-3")
    review_flow.publish(db, approved_visit(db, store, people["shopper"]), people["admin"])
    prerender.catch_up(db)
    assert [(s, lang) for s, lang, *_ in background_items(db)] == [(store, "en")]


def test_ten_publishes_of_one_store_leave_one_waiting_prerender_per_report(
        app, db, people, filequeue):
    store = make_store(db, "PR-4")
    visits = [approved_visit(db, store, people["shopper"], days_ago=n + 1) for n in range(10)]
    review_flow.publish(db, visits[0], people["admin"])
    first = prerender.catch_up(db).jobs[0]
    assert jobs.take_lease(db, first)  # a driver holds it ...
    jobs.advance(db, filequeue, first, jobs.Folders.of(app.config))  # ... and its render is queued
    for visit in visits[1:]:
        review_flow.publish(db, visit, people["admin"])
        for job_id in prerender.catch_up(db).jobs:
            jobs.take_lease(db, job_id)
            jobs.advance(db, filequeue, job_id, jobs.Folders.of(app.config))
    # The render under way and one waiting for it (it reads the data when its turn comes).
    assert sorted(status for _s, _l, status, *_ in background_items(db)) == ["pending", "queued"]
    assert filequeue.storage.queue_size() == 1


def test_prerenders_go_behind_a_managers_request_and_take_no_fair_turn(
        app, db, people, filequeue, no_drivers):
    store, other = make_store(db, "PR-5"), make_store(db, "PR-6")
    review_flow.publish(db, approved_visit(db, store, people["shopper"]), people["admin"])
    background = prerender.catch_up(db).jobs[0]
    jobs.advance(db, filequeue, background, jobs.Folders.of(app.config))
    asked = ask(app, db, people["manager"], other, default_period())
    assert queue_order(db, filequeue) == [asked, background]
    turns = dict(db.execute("SELECT job_id, turn FROM job_items").fetchall())
    assert turns == {background: None, asked: 0}


def test_a_managers_download_starts_its_own_render_rather_than_wait_behind_a_prerender(
        app, db, people, filequeue, no_drivers):
    store = make_store(db, "PR-7")
    review_flow.publish(db, approved_visit(db, store, people["shopper"]), people["admin"])
    background = prerender.catch_up(db).jobs[0]
    jobs.advance(db, filequeue, background, jobs.Folders.of(app.config))
    path, job = jobs.store_report(app.config, db, store, default_period(), "en",
                                  people["manager"])
    assert path is None and job["id"] != background and not job["background"]
    jobs.advance(db, filequeue, job["id"], jobs.Folders.of(app.config))
    assert db.execute("SELECT COUNT(*) FROM job_items WHERE status = 'queued'").fetchone()[0] == 2


def test_a_catch_up_that_fails_keeps_its_cursor_and_the_next_one_replays_the_events(
        db, people, monkeypatch):
    store = make_store(db, "PR-8")
    review_flow.publish(db, approved_visit(db, store, people["shopper"]), people["admin"])
    before = cursor(db)

    def crash(*_args):
        raise RuntimeError("killed mid-way")

    with monkeypatch.context() as patch:
        patch.setattr(prerender, "_start", crash)
        with pytest.raises(RuntimeError):
            prerender.catch_up(db)
    assert cursor(db) == before and background_items(db) == []
    prerender.catch_up(db)
    assert [s for s, *_ in background_items(db)] == [store]


def test_a_prerender_whose_data_changed_meanwhile_does_not_replace_a_fresh_report(
        app, db, people, filequeue, no_drivers):
    store = make_store(db, "PR-12")
    review_flow.publish(db, approved_visit(db, store, people["shopper"], 5), people["admin"])
    background = prerender.catch_up(db).jobs[0]
    folders = jobs.Folders.of(app.config)
    jobs.advance(db, filequeue, background, folders)  # its HTML is built: the data of now ...
    review_flow.publish(db, approved_visit(db, store, people["shopper"], 2), people["admin"])
    fresh = render.store_pdf(db, store, default_period(), "en", report_dir=folders.reports)
    task_id = db.execute("SELECT task_id FROM job_items").fetchone()[0]
    filequeue.put_result(task_id, b"%PDF-1.7 older data")  # ... rendered after the publish

    assert jobs.advance(db, filequeue, background, folders) == "done"
    assert fresh.exists() and fresh.read_bytes().startswith(b"%PDF")
    assert b"older data" not in fresh.read_bytes()
    assert [p.name for p in fresh.parent.glob("store-*.pdf")] == [fresh.name]


def test_a_download_between_a_publish_and_its_prerender_never_gets_the_old_pdf(
        app, db, people, login, filequeue, no_drivers):
    store = make_store(db, "PR-9")
    db["store_managers"].insert({"store_id": store, "user_id": people["manager"]})
    review_flow.publish(db, approved_visit(db, store, people["shopper"], 5), people["admin"])
    old = render.store_pdf(db, store, default_period(), "en", report_dir=app.config["REPORT_DIR"])
    manager = login("manager")
    assert manager.get(f"/manager/stores/{store}/report.pdf").mimetype == "application/pdf"

    review_flow.publish(db, approved_visit(db, store, people["shopper"], 2), people["admin"])
    page = manager.get(f"/manager/stores/{store}/report.pdf")

    assert page.status_code == 200 and page.mimetype == "text/html"  # "preparing", as before
    assert old.read_bytes() not in page.data


def test_publishing_without_a_worker_records_nothing_to_render(
        app, db, people, login, filequeue, no_drivers):
    store = make_store(db, "PR-10")
    visit = approved_visit(db, store, people["shopper"])
    assert login("admin").post(f"/review/visits/{visit}/publish").status_code == 302
    time.sleep(0.2)
    assert background_items(db) == []


def test_the_cli_refuses_to_prerender_without_a_worker_and_keeps_the_events(
        app, db, people, runner, filequeue):
    store = make_store(db, "PR-13")
    review_flow.publish(db, approved_visit(db, store, people["shopper"]), people["admin"])
    before = cursor(db)
    result = runner.invoke(args=["report", "prerender"])
    assert result.exit_code == 1 and "No render worker runs" in result.output
    assert cursor(db) == before


def test_the_cli_prerenders_the_publishes_a_stopped_web_process_left(app, db, people, runner):
    store = make_store(db, "PR-14")
    review_flow.publish(db, approved_visit(db, store, people["shopper"]), people["admin"])
    result = runner.invoke(args=["report", "prerender"])  # immediate queue: renders here
    assert result.exit_code == 0, result.output
    assert "1 run(s)" in result.output and "1 region(s)" in result.output
    assert render.store_cache_path(db, store, default_period(), "en",
                                   report_dir=app.config["REPORT_DIR"]).exists()
    assert render.summary_cache_path(db, default_period(), "en", region="North",
                                     report_dir=app.config["REPORT_DIR"]).exists()


# ---------------------------------------------------------------- with a real consumer


@pytest.fixture
def consumer(app, tmp_path):
    """The app on a SqliteHuey file that a real consumer process serves, once it beats."""
    queue_file = str(tmp_path / "queue" / "queue.db")
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_FILE=queue_file,
                      RENDER_LOST_AFTER=float(FAST["AUDIT_RENDER_LOST_AFTER"]))
    proc = start_worker(tmp_path / "worker", {"AUDIT_QUEUE_FILE": queue_file,
                                              "AUDIT_WORKER_BEAT": "0.5"}, workers=1)
    huey = jobs.queue_for(app.config)
    deadline = time.time() + 60
    while queue.worker_age(huey) is None and time.time() < deadline:
        time.sleep(0.1)
    yield huey
    stop_worker(proc)


def wait_for(path, timeout: float = 180) -> float:
    """Seconds until the file exists; fails after `timeout`."""
    start = time.time()
    while not path.exists():
        assert time.time() - start < timeout, f"{path.name} was never rendered"
        time.sleep(0.1)
    return time.time() - start


def test_a_published_visit_is_rendered_without_anyone_asking_and_downloaded_from_the_cache(
        app, db, people, login, consumer):
    store = make_store(db, "PR-11")
    db["store_managers"].insert({"store_id": store, "user_id": people["manager"]})
    visit = approved_visit(db, store, people["shopper"])
    path = render.store_cache_path(db, store, default_period(), "en",
                                   report_dir=app.config["REPORT_DIR"])
    assert not path.exists()

    assert login("admin").post(f"/review/visits/{visit}/publish").status_code == 302
    fresh = render.store_cache_path(db, store, default_period(), "en",
                                    report_dir=app.config["REPORT_DIR"])
    wait_for(fresh)
    runs = db["jobs"].count

    pdf = login("manager").get(f"/manager/stores/{store}/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data == fresh.read_bytes()
    assert db["jobs"].count == runs  # served from the cache: no render was started
    assert db.execute("SELECT status FROM jobs WHERE background = 1").fetchall() == [("done",)]

    summary = render.summary_cache_path(db, default_period(), "en", region="North",
                                        report_dir=app.config["REPORT_DIR"])
    wait_for(summary)  # the region's summary too, for the admins
    asked = login("admin").get("/admin/reports/summary.pdf?region=North")
    assert asked.mimetype == "application/pdf" and asked.data == summary.read_bytes()
