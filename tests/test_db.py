"""The database wrapper: every user action is one transaction that waits for the write lock."""

import threading

import pytest

from audit.db import open_db


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
