"""Fair turns on the render queue: one user's flood does not hold up another user's report,
and a user may have only RENDER_CAP reports waiting at once (429, in the reader's language).

The queue is a real SqliteHuey file with nobody consuming; the test plays the one worker,
taking renders off the queue in the order a consumer would.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import make_store, make_user

from audit import report_runs as jobs
from reports import queue
from reports.aggregate import Period


def periods(count: int) -> list[Period]:
    """`count` different one-month periods (different reports of the same store)."""
    first = date(2026, 1, 1)
    return [Period(first + timedelta(days=31 * n), first + timedelta(days=31 * n + 27))
            for n in range(count)]


def ask(app, db, user_id: int, store_id: int, period: Period) -> int:
    """A manager asks for a report; its run enqueues the render; returns the run's id."""
    _path, job = jobs.store_report(app.config, db, store_id, period, "en", user_id)
    jobs.advance(db, jobs.queue_for(app.config), job["id"], jobs.Folders.of(app.config))
    return job["id"]


def queue_order(db, huey) -> list[int]:
    """The runs whose renders a worker takes, in the order it takes them."""
    runs = {r["task_id"]: r["job_id"] for r in db.query("SELECT task_id, job_id FROM job_items")}
    order = []
    while (task := huey.dequeue()) is not None:
        order.append(runs[task.id])
    return order


def test_one_managers_flood_delays_anothers_first_report_by_at_most_one_render(
        app, db, people, filequeue, no_drivers):
    store, others = make_store(db, "FL-1"), make_store(db, "FL-9")
    flood = [ask(app, db, people["manager"], store, p) for p in periods(5)]
    other = ask(app, db, people["manager2"], others, periods(1)[0])
    order = queue_order(db, filequeue)
    assert sorted(order) == sorted([*flood, other])
    assert order.index(other) <= 1, order  # behind at most the flood's first render


def test_turns_alternate_between_users_oldest_first(app, db, people, filequeue, no_drivers):
    store, others = make_store(db, "FL-2"), make_store(db, "FL-8")
    first = [ask(app, db, people["manager"], store, p) for p in periods(3)]
    second = [ask(app, db, people["manager2"], others, p) for p in periods(3)]
    assert queue_order(db, filequeue) == [first[0], second[0], first[1], second[1], first[2],
                                          second[2]]


def test_a_render_that_has_waited_goes_before_a_later_request_of_anyone(
        app, db, people, filequeue, no_drivers):
    store, others = make_store(db, "FL-3"), make_store(db, "FL-7")
    first = [ask(app, db, people["manager"], store, p) for p in periods(5)]
    for _ in range(4):  # the worker renders four of them; they are collected
        filequeue.execute(filequeue.dequeue())
    for job in first:
        jobs.advance(db, filequeue, job, jobs.Folders.of(app.config))
    later = [ask(app, db, people["manager2"], others, p) for p in periods(2)]
    assert queue_order(db, filequeue) == [first[4], *later]


def test_an_admins_run_of_every_store_does_not_hold_up_a_managers_report(
        app, db, people, filequeue, no_drivers):
    stores = [make_store(db, f"RUN-{n}") for n in range(6)]
    run = jobs.start(db, filequeue, stores, periods(1)[0], "en", user_id=people["admin"])
    jobs.advance(db, filequeue, run, jobs.Folders.of(app.config))
    mine = ask(app, db, people["manager"], stores[0], periods(2)[1])
    assert queue_order(db, filequeue).index(mine) <= 1


def test_a_user_over_the_cap_is_refused_and_nothing_is_started(app, db, people, filequeue,
                                                               no_drivers):
    app.config["RENDER_CAP"] = 2
    store = make_store(db, "CAP-1")
    first, second, third = periods(3)
    ask(app, db, people["manager"], store, first)
    ask(app, db, people["manager"], store, second)
    ask(app, db, people["manager"], store, first)  # the same report again: no new render
    with pytest.raises(jobs.Conflict) as refused:
        jobs.store_report(app.config, db, store, third, "en", people["manager"])
    assert refused.value.code == "render_cap"
    assert db["jobs"].count == 2 and filequeue.storage.queue_size() == 2
    ask(app, db, people["manager2"], store, third)  # another user is not affected


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "Too many of your reports are being prepared at once (at most 2)"),
    ("pl", "Zbyt wiele Twoich raportów jest przygotowywanych naraz (najwyżej 2)"),
    ("ru", "Слишком много ваших отчётов готовится одновременно (не больше 2)"),
])
def test_the_cap_answers_429_with_a_clear_message_in_the_managers_language(
        app, db, people, login, filequeue, no_drivers, lang, words):
    app.config["RENDER_CAP"] = 2
    store = make_store(db, "CAP-2")
    db["store_managers"].insert({"store_id": store, "user_id": people["manager"]})
    db["users"].update(people["manager"], {"language": lang})
    client = login("manager")
    answers = [client.get(f"/manager/stores/{store}/report.pdf?start={p.start}&end={p.end}")
               for p in periods(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert words in answers[2].text and "Traceback" not in answers[2].text


def test_a_finished_report_frees_a_place_under_the_cap(app, db, people, filequeue, no_drivers):
    app.config["RENDER_CAP"] = 1
    store = make_store(db, "CAP-3")
    first, second = periods(2)
    job = ask(app, db, people["manager"], store, first)
    filequeue.execute(filequeue.dequeue())  # the worker renders it
    jobs.advance(db, filequeue, job, jobs.Folders.of(app.config))  # ... and it is collected
    assert db["jobs"].get(job)["status"] == "done"
    ask(app, db, people["manager"], store, second)


def test_the_cli_counts_as_one_user_for_fair_turns(app, db, filequeue, no_drivers):
    stores = [make_store(db, f"CLI-{n}") for n in range(3)]
    run = jobs.start(db, filequeue, stores, periods(1)[0], "en", user_id=None)
    jobs.advance(db, filequeue, run, jobs.Folders.of(app.config))
    manager = make_user(db, "manager", "fair-manager@example.com")
    mine = ask(app, db, manager, stores[0], periods(2)[1])
    assert queue_order(db, filequeue).index(mine) <= 1
    assert queue.worker_age(filequeue) is None  # no worker ever beat on this queue
