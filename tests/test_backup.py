"""Backups taken while the app writes are consistent; restore round-trips and refuses bad files."""

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from conftest import make_store, make_user, make_visit

from audit.storage.backup import backup_database, check_database
from audit.storage.db import now, open_db

WRITER = "backup-test-writer"


def visit_row(db, store_id, shopper_id, version_id):
    """A scheduled visit row, as the scheduling screens insert them."""
    stamp = now()
    return {"store_id": store_id, "shopper_id": shopper_id, "version_id": version_id,
            "status": "scheduled", "window_start": "2026-11-01", "window_end": "2026-11-30",
            "flags": "[]", "created_at": stamp, "updated_at": stamp}


class VisitWriter(threading.Thread):
    """Keeps writing visits, each with its log row in the same transaction, until stopped."""

    def __init__(self, path, template):
        super().__init__(daemon=True)
        self.path, self.template = path, template
        self.stop, self.started_writing = threading.Event(), threading.Event()
        self.written = 0

    def run(self):
        db = open_db(self.path)
        try:
            while not self.stop.is_set():
                with db.atomic():
                    visit_id = db["visits"].insert(dict(self.template)).last_pk
                    db["visit_log"].insert({"visit_id": visit_id, "at": now(), "action": WRITER})
                self.written += 1
                self.started_writing.set()
        finally:
            db.close()


def writer_rows(path):
    """(visits, log rows of the writer, visits without their log row) in a database file."""
    conn = sqlite3.connect(path)
    try:
        log = conn.execute("SELECT count(*) FROM visit_log WHERE action = ?", [WRITER]).fetchone()
        orphans = conn.execute(
            "SELECT count(*) FROM visits v WHERE status = 'scheduled' AND NOT EXISTS"
            " (SELECT 1 FROM visit_log l WHERE l.visit_id = v.id AND l.action = ?)", [WRITER]
        ).fetchone()
        visits = conn.execute("SELECT count(*) FROM visits WHERE status = 'scheduled'").fetchone()
        return visits[0], log[0], orphans[0]
    finally:
        conn.close()


@pytest.fixture
def busy_db(app, db, people):
    """A database with some megabytes of history, so a backup takes long enough to overlap."""
    store_id = make_store(db, "BK-1")
    padding_visit = make_visit(db, store_id, people["shopper"], status="in_progress")
    with db.atomic():
        db["visit_log"].insert_all(
            {"visit_id": padding_visit, "at": now(), "action": "padding", "note": "x" * 2000}
            for _ in range(4000)
        )
    version_id = db["visits"].get(padding_visit)["version_id"]
    return visit_row(db, store_id, people["shopper"], version_id)


def test_backup_while_visits_are_written_shows_one_moment(app, db, busy_db, tmp_path):
    writer = VisitWriter(app.config["DATABASE"], busy_db)
    writer.start()
    assert writer.started_writing.wait(10)
    overlapped = 0
    try:
        for n in range(4):
            before = writer.written
            info = backup_database(app.config["DATABASE"], tmp_path / f"during-{n}.db")
            after = writer.written
            overlapped += after > before
            visits, log, orphans = writer_rows(info.path)
            assert (log, orphans) == (visits, 0), "a visit without its log row: torn copy"
            assert before <= visits <= after + 1  # +1: a commit between backup and counter
            assert check_database(info.path).tables["visits"] == visits + 1  # + padding visit
    finally:
        writer.stop.set()
        writer.join(10)
    assert overlapped, "the writer never wrote during a backup; the test proved nothing"
    assert writer.written > 0 and db["visits"].count == writer.written + 1


def test_backup_is_one_private_file_without_wal(app, db, people, tmp_path):
    target = tmp_path / "backups" / "audit.db"
    backup_database(app.config["DATABASE"], target)
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == len(people)
    conn.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["audit.db"]


def test_backup_command_refuses_to_overwrite_without_force(runner, db, people, tmp_path):
    target = tmp_path / "b.db"
    first = runner.invoke(args=["backup", str(target)])
    assert first.exit_code == 0, first.output
    assert "6 users" in first.output
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code == 1
    assert "already exists. Choose another name or pass --force" in again.output
    assert runner.invoke(args=["backup", "--force", str(target)]).exit_code == 0


def emails(path):
    """The users' e-mails in a database file."""
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT email FROM users")}
    finally:
        conn.close()


def kept_copies(app):
    """The copies restores kept beside the database, oldest first."""
    live = Path(app.config["DATABASE"])
    return sorted(live.parent.glob(live.name + ".before-restore-*"))


def test_restore_round_trip_keeps_the_replaced_database(app, runner, db, people, tmp_path):
    backup = tmp_path / "b.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    make_user(db, "shopper", "after-backup@example.com")
    db["users"].delete(people["manager2"])

    refused = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert refused.exit_code == 1 and "Replace the current database" in refused.output
    assert db["users"].count_where("email = 'after-backup@example.com'") == 1
    assert kept_copies(app) == []
    assert not Path(app.config["DATABASE"] + ".maintenance").exists()

    result = runner.invoke(args=["restore", str(backup)], input="y\n")
    assert result.exit_code == 0, result.output
    now_emails = {r["email"] for r in db.query("SELECT email FROM users")}
    assert "after-backup@example.com" not in now_emails and "manager2@example.com" in now_emails
    [kept] = kept_copies(app)
    assert f"kept as {kept}" in result.output
    kept_emails = emails(kept)
    assert "after-backup@example.com" in kept_emails and "manager2@example.com" not in kept_emails
    assert db.journal_mode == "wal"  # the live file keeps its mode
    page = app.test_client().get("/healthz")  # the serving app reads the restored file
    assert page.status_code == 200
    assert not Path(app.config["DATABASE"] + ".maintenance").exists()


def test_restore_then_undo_then_undo_again_loses_nothing(app, runner, db, people, tmp_path):
    backup = tmp_path / "b.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    make_user(db, "shopper", "after-backup@example.com")
    live = app.config["DATABASE"]
    with_new_user = emails(live)

    assert runner.invoke(args=["restore", "--yes", str(backup)]).exit_code == 0
    assert emails(live) == emails(backup)
    [first_copy] = kept_copies(app)

    undo = runner.invoke(args=["restore", "--yes", str(first_copy)])  # as the output suggests
    assert undo.exit_code == 0, undo.output
    assert emails(live) == with_new_user  # everything since the backup is back
    assert emails(first_copy) == with_new_user  # the copy restored from is left as it was
    second_copy = next(p for p in kept_copies(app) if p != first_copy)
    assert emails(second_copy) == emails(backup)

    redo = runner.invoke(args=["restore", "--yes", str(second_copy)])
    assert redo.exit_code == 0, redo.output
    assert emails(live) == emails(backup)
    assert len(kept_copies(app)) == 3
    assert emails(first_copy) == with_new_user  # no restore overwrote an earlier one's copy


def test_restore_of_the_database_onto_itself_is_refused(app, runner, db, people):
    result = runner.invoke(args=["restore", "--yes", app.config["DATABASE"]])
    assert result.exit_code == 1 and "is the database itself" in result.output
    assert kept_copies(app) == []


def _text(path, live):
    path.write_text("name,score\nWAW-01,80\n")


def _empty(path, live):
    path.write_bytes(b"")


def _other_app(path, live):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()


def _newer_app(path, live):
    backup_database(live, path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('audit', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()


def _corrupt(path, live):
    backup_database(live, path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2: page * 2 + 600] = b"\xff" * 600  # trash a b-tree page, keep the header
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make_file", "expected"),
    [
        (_text, "is not an SQLite database."),
        (_empty, "is not an SQLite database."),
        (_other_app, "is an SQLite database, but not one of this app."),
        (_newer_app, "comes from a newer version of the app (migrations m999_from_the_future)"),
        (_corrupt, "failed the integrity check"),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_good_database_of_ours(
    app, runner, db, people, tmp_path, make_file, expected
):
    bad = tmp_path / "bad.db"
    make_file(bad, app.config["DATABASE"])
    result = runner.invoke(args=["restore", "--yes", str(bad)])
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output
    assert db["users"].count == len(people)
    assert kept_copies(app) == []


def test_restore_of_a_missing_file_says_so(runner, tmp_path):
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "nope.db")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_backup_and_restore_have_help_with_an_example(runner):
    for command in ("backup", "restore"):
        result = runner.invoke(args=[command, "--help"])
        assert result.exit_code == 0 and "Example: flask --app app" in result.output


def test_restore_says_which_submissions_it_would_lose_before_it_asks(
        app, runner, db, people, tmp_path):
    from audit.visits.lifecycle import move

    store_id = make_store(db, "LOST-1")
    before = make_visit(db, store_id, people["shopper"], status="in_progress")
    move(db, before, "submit", actor_id=people["shopper"], params={"uuid": "first"})
    backup = tmp_path / "b.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    after = make_visit(db, store_id, people["shopper"], status="in_progress")
    move(db, after, "submit", actor_id=people["shopper"], params={"uuid": "second"})

    answer = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert answer.exit_code == 1
    assert (f"1 submission(s) received since then will be lost from the database"
            f" (visits {after})") in answer.output
    assert answer.output.index("will be lost") < answer.output.index("Replace the current")
    assert db["visits"].get(after)["status"] == "submitted"  # nothing done without a yes
