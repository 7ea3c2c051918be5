"""A full disk: 503 with a clear message (never a 500), logged, on /healthz, nothing half-written.

The disk is a real one when the machine allows it: a 16 MB tmpfs mounted for the test (root
only) and filled with a file. Elsewhere SQLite's own limit stands in for it: `PRAGMA
max_page_count` at the database's size makes every write that needs a page fail with the same
SQLITE_FULL ("database or disk is full") a full disk gives, for a submission with long comments
(rows that need new pages); photos are then not covered.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import sqlite3
import subprocess
import uuid

import pytest
from conftest import Client, make_store, make_user, make_visit
from PIL import Image
from shopper_answers import all_fields

import audit.storage.db as storage_db
from audit import create_app
from audit.storage.db import open_db
from audit.web import unavailable


def _mount_tmpfs(folder) -> bool:
    """Mount a 16 MB tmpfs at folder; False where the machine does not let us."""
    folder.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    return done.returncode == 0


class SmallDisk:
    """The database's disk, and how to fill it up and free it again."""

    def __init__(self, folder, real: bool, monkeypatch):
        self.folder, self.real, self.monkeypatch = folder, real, monkeypatch
        self.filler = folder / "filler"
        self.full = False

    def fill(self, db_path: str) -> None:
        """Leave no room for the next write."""
        checkpoint = sqlite3.connect(db_path)
        # An empty WAL: the next commit needs new space, not frames it could reuse.
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpoint.close()
        self.full = True
        if not self.real:
            # No free pages left inside the file (VACUUM), and no page may be added: a write
            # that needs room fails as on a full disk. Each connection opened from now on gets
            # the limit (it is per connection); the next request opens a new one.
            packed = sqlite3.connect(db_path)
            packed.execute("VACUUM")
            packed.close()
            storage_db.forget_db(db_path)
            return
        with self.filler.open("wb", buffering=0) as f:
            for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
                try:
                    while True:
                        f.write(b"\0" * chunk)
                except OSError as err:
                    assert err.errno == errno.ENOSPC

    def free(self, db_path: str) -> None:
        """Room again."""
        self.full = False
        self.filler.unlink(missing_ok=True)
        storage_db.forget_db(db_path)


@pytest.fixture
def disk(tmp_path, monkeypatch):
    folder = tmp_path / "small"
    real = _mount_tmpfs(folder)
    small = SmallDisk(folder, real, monkeypatch)
    if not real:
        opened = storage_db.open_db

        def limited(path):
            db = opened(path)
            if small.full:
                pages = db.execute("PRAGMA page_count").fetchone()[0]
                db.execute(f"PRAGMA max_page_count = {pages}")
            return db

        monkeypatch.setattr(storage_db, "open_db", limited)
    yield small
    if real:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def app(disk, tmp_path):
    """The app with its database and photos on the small disk."""
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                       "DATABASE": str(disk.folder / "audit.db"),
                       "UPLOAD_DIR": str(disk.folder / "uploads"),
                       "REPORT_DIR": str(tmp_path / "reports")})


def jpeg() -> bytes:
    """A photo as the phone sends it."""
    out = io.BytesIO()
    Image.effect_noise((600, 450), 80).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def test_full_disk_answers_503_logs_it_shows_it_on_healthz_and_writes_nothing(
        app, disk, db, caplog, monkeypatch):
    shopper_id = make_user(db, "shopper", "shopper@example.com")
    visit_id = make_visit(db, make_store(db, "FULL-1"), shopper_id, status="in_progress")
    fields = all_fields(db, visit_id)
    # Long comments (4,000 bytes each in UTF-8): rows that need new pages, so the submission
    # cannot fit into room left inside pages the database already has.
    fields |= {f"c-{k[2:]}": "ż" * 2000 for k in list(fields) if k.count("-") == 1}
    phone = Client(app, "shopper@example.com")
    headers = {"X-CSRFToken": phone.token(), "Accept": "application/json"}
    body = {"uuid": str(uuid.uuid4()), "fields": fields, "photos": [],
            "ended_at": "2026-11-02T10:30:00+00:00"}
    assert app.test_client().get("/healthz").status_code == 200
    path = app.config["DATABASE"]

    disk.fill(path)
    with caplog.at_level(logging.ERROR):
        refused = phone.http.post(f"/shopper/visits/{visit_id}/submit", json=body,
                                  headers=headers)
    assert refused.status_code == 503, refused.text
    assert refused.json["error"] == "disk_full"
    assert "disk is full" in refused.json["message"]
    assert "Disk full" in caplog.text
    page = phone.http.post(f"/shopper/visits/{visit_id}/draft", json={"fields": fields},
                           headers={"X-CSRFToken": headers["X-CSRFToken"]})
    assert page.status_code == 503 and "disk is full" in page.text  # a person's page, too
    if disk.real:
        photo = phone.http.post(
            f"/shopper/visits/{visit_id}/photos", headers=headers,
            data={"file": (io.BytesIO(jpeg()), "p.jpg"), "client_id": "phone-photo-0001",
                  "criterion": "price_tag_photo"}, content_type="multipart/form-data")
        assert (photo.status_code, photo.json["error"]) == (503, "disk_full")
        uploads = disk.folder / "uploads"
        assert not uploads.exists() or list(uploads.iterdir()) == []  # no half-written file
    health = app.test_client().get("/healthz")
    assert (health.status_code, health.json["checks"]["disk"]["error"]) == (503, "disk_full")

    check = open_db(path)  # nothing half-written: the visit is as it was, the file intact
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check["visits"].get(visit_id)["status"] == "in_progress"
    assert check["answers"].count_where("visit_id = ?", [visit_id]) == 0
    assert check["visit_events"].count_where("visit_id = ?", [visit_id]) == 0
    check.close()

    disk.free(path)
    monkeypatch.setattr(unavailable, "FULL_REMEMBERED_SECONDS", 0)
    again = phone.http.post(f"/shopper/visits/{visit_id}/submit", json=body, headers=headers)
    assert again.status_code == 200, again.text  # the phone's retry goes through
    assert app.test_client().get("/healthz").status_code == 200
