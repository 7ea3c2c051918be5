"""The database wrapper: every user action is one transaction that waits for the write lock."""

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from audit.storage.db import open_db


def test_atomic_rolls_back_everything_on_error(app, db):
    with pytest.raises(RuntimeError), db.atomic():
        db["stores"].insert({"code": "R-1", "name": "x", "channel": "physical", "region": "r",
                             "created_at": "2026-01-01"})
        with db.atomic():  # nested: a savepoint inside the same transaction
            db["stores"].insert({"code": "R-2", "name": "y", "channel": "physical",
                                 "region": "r", "created_at": "2026-01-01"})
        raise RuntimeError("boom")
    assert db["stores"].count == 0


def test_a_read_then_write_transaction_waits_instead_of_failing(app):
    """Two writers that both read first: with a deferred BEGIN one fails with 'locked'."""
    path = app.config["DATABASE"]
    first, second = open_db(path), open_db(path)
    first["stores"].insert({"code": "C-1", "name": "x", "channel": "physical", "region": "r",
                            "created_at": "2026-01-01"})
    errors = []
    inside = threading.Event()

    def slow_writer():
        with first.atomic():
            first.execute("SELECT COUNT(*) FROM stores").fetchone()
            inside.set()
            first.execute("UPDATE stores SET name = 'first'")
            threading.Event().wait(0.3)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    inside.wait()
    try:
        with second.atomic():
            second.execute("SELECT COUNT(*) FROM stores").fetchone()
            second.execute("UPDATE stores SET region = 'second'")
    except Exception as exc:  # noqa: BLE001 - the failure is what this test looks for
        errors.append(exc)
    thread.join()
    assert errors == []
    row = second.execute("SELECT name, region FROM stores").fetchone()
    assert row == ("first", "second")
    first.close()
    second.close()


def test_requests_of_a_thread_share_one_kept_connection(app):
    """Opening and closing a connection per request cost more than most requests."""
    from audit.web.database import get_db

    with app.test_request_context():
        first = get_db()
    with app.test_request_context():
        assert get_db() is first


def test_a_write_left_open_by_a_request_is_rolled_back_not_kept(app, db):
    from audit.web.database import get_db

    with app.test_request_context():
        kept = get_db()
        kept.execute("BEGIN")  # e.g. a view that failed between its own BEGIN and COMMIT
        kept.execute("INSERT INTO stores (code, name, channel, region, created_at)"
                     " VALUES ('L-1', 'x', 'physical', 'r', '2026-01-01')")
        assert kept.conn.in_transaction
    assert not kept.conn.in_transaction
    assert db["stores"].count == 0


def test_after_an_unhandled_error_the_request_connection_is_closed(app):
    """Its frames may still hold a half-read cursor: the next request gets a fresh one."""
    from audit.web.database import get_db

    context = app.app_context()
    context.push()
    broken = get_db()
    context.pop(RuntimeError("boom"))
    with app.test_request_context():
        assert get_db() is not broken
    with pytest.raises(sqlite3.ProgrammingError):
        broken.execute("SELECT 1")


def test_a_database_file_put_in_place_is_opened_afresh(app, tmp_path):
    from audit.storage.db import upgrade
    from audit.web.database import get_db

    with app.test_request_context():
        old = get_db()
    other = tmp_path / "other.db"
    upgrade(other)
    os.replace(other, app.config["DATABASE"])
    with app.test_request_context():
        assert get_db() is not old
        assert get_db().execute("SELECT COUNT(*) FROM criteria_sets").fetchone() == (0,)


def test_workers_starting_together_on_a_new_database_all_boot(tmp_path):
    """gunicorn starts its workers at once and each runs the migrations and loads the sets.

    Workers are processes, as gunicorn's are. (Threads building apps at once also race inside
    CPython 3.11's ast module, which Werkzeug uses to compile each URL rule: "AST constructor
    recursion depth mismatch", a failure no deployment of ours can meet.)
    """
    config = {"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(tmp_path / "fresh.db")}
    code = f"from audit import create_app; create_app({config!r})"
    root = Path(__file__).resolve().parent.parent
    workers = [subprocess.Popen([sys.executable, "-c", code], cwd=root, stderr=subprocess.PIPE,
                                text=True) for _ in range(4)]
    failures = [err for worker in workers
                for err in [worker.communicate(timeout=120)[1]] if worker.returncode]
    assert failures == []
    db = open_db(config["DATABASE"])
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM criteria_sets").fetchone()[0] > 0
    assert db.execute("SELECT COUNT(*) = COUNT(DISTINCT name) FROM _sqlite_migrations"
                      ).fetchone()[0] == 1
    db.close()


def test_commits_are_synced_to_disk_except_autosaves_the_phone_still_holds(app):
    """synchronous FULL (2) by default; NORMAL (1) only inside synced_later, even on error."""
    from audit.storage.db import synced_later
    from audit.web.database import get_db

    def level(db):
        return db.execute("PRAGMA synchronous").fetchone()[0]

    with app.test_request_context():
        db = get_db()
        assert level(db) == 2
        with pytest.raises(RuntimeError), synced_later(db):
            assert level(db) == 1
            raise RuntimeError("boom")
        assert level(db) == 2


def test_threads_of_one_process_take_turns_to_write_and_a_failed_turn_ends(app):
    """Writers queue on the process's lock (fair) instead of SQLite's polling busy handler."""
    path = app.config["DATABASE"]
    with pytest.raises(RuntimeError), open_db(path).atomic():
        raise RuntimeError("boom")  # the turn ends with the failed transaction
    errors = []

    def writer(n):
        db = open_db(path)
        try:
            for i in range(10):
                with db.atomic():
                    db.execute("SELECT COUNT(*) FROM stores").fetchone()
                    db["stores"].insert({"code": f"T-{n}-{i}", "name": "x", "channel": "physical",
                                         "region": "r", "created_at": "2026-01-01"})
        except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert open_db(path)["stores"].count == 80
