"""`flask restore` while shoppers submit: no acknowledged submission is lost without the operator
being told, and the app answers 503 (keep and retry) while the restore runs.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import uuid

from conftest import make_store, make_visit
from shopper_answers import all_fields

from audit.storage.maintenance import fence_file

PHONES = 3
VISITS_PER_PHONE = 14


class Phone(threading.Thread):
    """A shopper's phone sending its visits one after another; a 503 is kept and sent again."""

    def __init__(self, client, visits, fields):
        super().__init__(daemon=True)
        self.client, self.visits, self.fields = client, visits, fields
        self.csrf = client.token()
        self.acknowledged, self.statuses = [], []

    def run(self):
        for visit_id in self.visits:
            body = {"uuid": str(uuid.uuid4()), "fields": self.fields, "photos": []}
            while True:
                r = self.client.http.post(f"/shopper/visits/{visit_id}/submit", json=body,
                                          headers={"X-CSRFToken": self.csrf,
                                                   "Accept": "application/json"})
                self.statuses.append(r.status_code)
                if r.status_code != 503:
                    break
                time.sleep(0.05)  # the phone retries later (every 20 s; sooner here)
            if r.status_code == 200:
                self.acknowledged.append(visit_id)


def submitted(path) -> set[int]:
    """The visits a database file holds as submitted."""
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM visits WHERE status = 'submitted'")}
    finally:
        conn.close()


def test_restore_under_load_loses_no_acknowledged_submission_silently(
        app, runner, db, people, login, tmp_path):
    store = make_store(db, "LOAD-R")
    visits = [make_visit(db, store, people["shopper"], status="in_progress")
              for _ in range(PHONES * VISITS_PER_PHONE)]
    fields = all_fields(db, visits[0])
    phones = [Phone(login("shopper"), visits[n::PHONES], fields) for n in range(PHONES)]
    backup = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    for phone in phones:
        phone.start()
    while sum(len(p.acknowledged) for p in phones) < 6:  # some are sent after the backup
        time.sleep(0.01)

    restore = runner.invoke(args=["restore", "--yes", str(backup)])

    for phone in phones:
        phone.join(120)
    assert restore.exit_code == 0, restore.output
    statuses = [s for p in phones for s in p.statuses]
    assert set(statuses) <= {200, 503} and statuses.count(200) == len(visits)
    acknowledged = {v for p in phones for v in p.acknowledged}
    live = submitted(app.config["DATABASE"])
    gone = acknowledged - live
    told = re.search(r"(\d+) submission\(s\) received since then will be lost", restore.output)
    assert gone, "the restore overlapped no submission: the test proves nothing"
    assert told and int(told.group(1)) == len(gone), restore.output
    kept = re.search(r"kept as (\S+);", restore.output).group(1)
    assert gone <= submitted(kept)  # what the restore took away is in the copy it kept
    assert not fence_file(app.config["DATABASE"]).exists()


def test_app_answers_503_while_the_fence_stands(app, db, people, login):
    visit_id = make_visit(db, make_store(db, "FENCE-1"), people["shopper"], status="in_progress")
    phone = login("shopper")
    csrf = phone.token()
    fence = fence_file(app.config["DATABASE"])
    fence.write_text("a restore\n")
    try:
        r = phone.http.post(f"/shopper/visits/{visit_id}/draft", json={"fields": {}},
                            headers={"X-CSRFToken": csrf, "Accept": "application/json"})
        assert (r.status_code, r.json["error"]) == (503, "maintenance")
        assert r.headers["Retry-After"] == "30"
        page = phone.get("/shopper/")
        assert page.status_code == 503 and "restored from a backup" in page.text
        assert app.test_client().get("/healthz").status_code == 503
    finally:
        fence.unlink()
    assert phone.get("/shopper/").status_code == 200


def test_a_write_begun_before_the_fence_went_up_is_refused_under_it(app, db, people):
    from audit.storage.db import kept_db, obey_fence
    from audit.storage.maintenance import UnderMaintenance

    path = app.config["DATABASE"]
    conn = obey_fence(kept_db(path), path)  # as the request's connection is
    fence_file(path).write_text("a restore\n")
    try:
        try:
            with conn.atomic():
                conn.execute("UPDATE users SET name = 'changed'")
        except UnderMaintenance:
            pass
        else:
            raise AssertionError("the write went through under the fence")
    finally:
        fence_file(path).unlink()
    assert db.execute("SELECT count(*) FROM users WHERE name = 'changed'").fetchone()[0] == 0
