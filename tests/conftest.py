"""Fixtures: an app on a tmp_path database, a client per role, factories for rows."""

from __future__ import annotations

import re

import pytest

from audit import create_app
from audit import report_runs as jobs
from audit.api_tokens import create_token
from audit.mail.unsubscribe import token as unsubscribe_token
from audit.storage.db import open_db
from audit.users import create_user
from audit.web.database import get_db

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The .mo files (built, not committed) exist before any app starts: pytest alone works."""
    from i18n_catalogues import compile_catalogues

    return compile_catalogues()


@pytest.fixture
def app(tmp_path):
    """An app on its own SQLite file under tmp_path; CSRF stays on, as in production."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE": str(tmp_path / "audit.db"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "REPORT_DIR": str(tmp_path / "reports"),
        }
    )
    yield app


@pytest.fixture
def db(app):
    """A connection to the app's database for arranging and checking rows."""
    database = open_db(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def runner(app):
    """The Flask CLI runner."""
    return app.test_cli_runner()


def make_user(db, role="shopper", email=None, name=None, reviewer=False, password=PASSWORD):
    """A user row; returns its id."""
    email = email or f"{role}-{db['users'].count + 1}@example.com"
    return create_user(db, email=email, name=name or email.split("@")[0], role=role,
                       password=password, is_reviewer=reviewer)


def make_store(db, code="S-1", channel="physical", region="North", **extra):
    """A store row; returns its id."""
    row = {"code": code, "name": f"Store {code}", "channel": channel, "region": region,
           "address": "Main St 1" if channel == "physical" else None,
           "url": "https://shop.example" if channel == "online" else None,
           "latitude": 52.23, "longitude": 21.01, "archived": 0,
           "created_at": "2026-01-01T00:00:00+00:00"}
    row.update(extra)
    return db["stores"].insert(row).last_pk


class Client:
    """A test client that logs in as someone and posts forms with a real CSRF token."""

    def __init__(self, app, email, password=PASSWORD):
        self.http = app.test_client()
        self.email = email
        if email:
            response = self.post("/login", {"email": email, "password": password})
            assert response.status_code == 302, response.text

    def token(self) -> str:
        """Read a CSRF token from a page that has a form, as a browser would."""
        page = self.http.get("/", follow_redirects=True)
        found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text)
        assert found, page.text[:500]
        return found.group(1)

    def get(self, url, **kw):
        return self.http.get(url, **kw)

    def post(self, url, data=None, **kw):
        """POST with the CSRF token added (unless the test sets its own)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.http.post(url, data=data, **kw)


@pytest.fixture
def people(db):
    """One user of each kind, plus a reviewer admin and a second shopper and manager."""
    return {
        "admin": make_user(db, "admin", "admin@example.com", reviewer=True),
        "plain_admin": make_user(db, "admin", "plain-admin@example.com"),
        "manager": make_user(db, "manager", "manager@example.com"),
        "manager2": make_user(db, "manager", "manager2@example.com"),
        "shopper": make_user(db, "shopper", "shopper@example.com"),
        "shopper2": make_user(db, "shopper", "shopper2@example.com"),
    }


@pytest.fixture
def login(app, people):
    """login('admin') -> a Client logged in as that person (None: anonymous)."""
    emails = {
        "admin": "admin@example.com",
        "plain_admin": "plain-admin@example.com",
        "manager": "manager@example.com",
        "manager2": "manager2@example.com",
        "shopper": "shopper@example.com",
        "shopper2": "shopper2@example.com",
    }

    def _login(who):
        return Client(app, emails[who] if who else None)

    return _login


def make_visit(db, store_id, shopper_id, status="scheduled", set_key=None, answers=None,
               **extra):
    """A visit row on the current version of the store's channel set; answers are scored."""
    from audit.criteria_sets.versions import current_version_id
    from audit.visits.answers import AnswerInput, save_answers

    channel = db["stores"].get(store_id)["channel"]
    set_key = set_key or ("physical-store" if channel == "physical" else "online-shop")
    stamp = "2026-11-02T10:00:00+00:00"
    row = {"store_id": store_id, "shopper_id": shopper_id,
           "version_id": current_version_id(db, set_key), "status": status,
           "window_start": "2026-11-01", "window_end": "2026-11-30", "flags": "[]",
           "created_at": stamp, "updated_at": stamp}
    if status not in ("scheduled",):
        row["started_at"] = stamp
    row.update(extra)
    visit_id = db["visits"].insert(row).last_pk
    if answers:
        entries = [AnswerInput(k, v) for k, v in answers.items()]
        save_answers(db, visit_id, entries, user_id=shopper_id)
    return visit_id


def make_photo(db, app, visit_id, criterion_key="price_tag_photo", client_id="sample-photo-1"):
    """A stored photo (a small real JPEG) of a visit; returns its id."""
    import io

    from PIL import Image

    from audit.visits.photos import store_photo

    image = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(image, "JPEG")
    image.seek(0)
    visit = db["visits"].get(visit_id)
    status = visit["status"]
    db["visits"].update(visit_id, {"status": "in_progress"})  # photos go to open visits only
    photo, _created = store_photo(db, app.config["UPLOAD_DIR"], db["visits"].get(visit_id),
                                  criterion_key=criterion_key, client_id=client_id, stream=image)
    db["visits"].update(visit_id, {"status": status})
    return photo["id"]


@pytest.fixture
def sample(app, db, people):
    """Objects that belong to 'shopper' and 'manager', for routes that take ids."""
    store_id = make_store(db, "OWN-1")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    visit_id = make_visit(db, store_id, people["shopper"], status="in_progress")
    published_id = make_visit(db, store_id, people["shopper"], status="published")
    set_id = db.execute("SELECT id FROM criteria_sets WHERE key = 'physical-store'").fetchone()[0]
    return {
        "store_id": store_id, "visit_id": visit_id, "user_id": people["shopper2"],
        "code": "OWN-1", "version_id": db["visits"].get(visit_id)["version_id"],
        "set_id": set_id, "section_key": "first_contact", "criterion_key": "greeted_on_entry",
        "number": 1, "photo_id": make_photo(db, app, published_id),
        "published_visit_id": published_id,
        "region": "North", "ref": db["visits"].get(published_id)["ref"],
        "token_id": create_token(db, people["manager"], "sample")[0],
        "published_visit_ref": db["visits"].get(published_id)["ref"],
        "job_id": db["jobs"].insert({  # a finished run of store reports (audit/jobs.py)
            "kind": "store_reports", "params": '{"start": "2026-01-01", "end": "2026-06-30"}',
            "total": 0, "status": "done", "created_at": "2026-07-01T00:00:00+00:00",
            "updated_at": "2026-07-01T00:00:00+00:00"}).last_pk,
        "message_id": db["outbox"].insert({  # a sent e-mail to 'manager' (audit/outbox.py)
            "channel": "email", "kind": "visit_published", "recipient_id": people["manager"],
            "key": "sample", "status": "sent", "next_try_at": "2026-01-01T00:00:00+00:00",
            "created_at": "2026-01-01T00:00:00+00:00"}).last_pk,
        "token": unsubscribe_token(app, people["manager"], "visit_published"),
        "action_id": db["actions"].insert({  # an open action of 'manager''s store
            "store_id": store_id, "text": "Brief the staff", "due_date": "2099-01-01",
            "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01"}).last_pk,
    }


@pytest.fixture
def foreign(app, db, people, sample):
    """Objects that belong to SOMEONE ELSE: 'shopper2' and 'manager2' (tests/test_object_access.py).

    Unpublished objects of 'manager''s own store (shot by 'shopper2') are here too, because a
    manager must not see a visit or photo before it is published.
    """
    store_id = make_store(db, "F-1", region="South")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager2"]})
    visit_id = make_visit(db, store_id, people["shopper2"], status="in_progress")
    published_id = make_visit(db, store_id, people["shopper2"], status="published")
    unpublished_id = make_visit(db, sample["store_id"], people["shopper2"], status="approved")
    return {
        **{k: sample[k] for k in ("set_id", "version_id", "section_key", "criterion_key",
                                  "number")},
        "store_id": store_id, "code": "F-1", "visit_id": visit_id,
        "published_visit_id": published_id, "user_id": people["shopper2"],
        "published_visit_ref": db["visits"].get(published_id)["ref"],
        "unpublished_visit_ref": db["visits"].get(unpublished_id)["ref"],
        "photo_id": make_photo(db, app, published_id, client_id="foreign-photo-1"),
        "unpublished_visit_id": unpublished_id,
        "region": "South", "ref": db["visits"].get(published_id)["ref"],
        "token_id": create_token(db, people["manager2"], "foreign")[0],
        "unpublished_photo_id": make_photo(db, app, unpublished_id, client_id="foreign-photo-2"),
        "action_id": db["actions"].insert({
            "store_id": store_id, "text": "Clean the windows", "due_date": "2099-01-01",
            "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01"}).last_pk,
        "job_id": db["jobs"].insert({
            "kind": "store_report", "params": '{"start": "2026-01-01", "end": "2026-06-30"}',
            "total": 1, "failed": 1, "status": "done", "message": "FOREIGN-JOB-MESSAGE",
            "started_by": people["manager2"], "created_at": "2026-07-01T00:00:00+00:00",
            "updated_at": "2026-07-01T00:00:00+00:00"}).last_pk,
        "message_id": db["outbox"].insert({
            "channel": "email", "kind": "visit_published", "recipient_id": people["manager2"],
            "key": "foreign", "status": "failed", "next_try_at": "2026-01-01T00:00:00+00:00",
            "created_at": "2026-01-01T00:00:00+00:00"}).last_pk,
        "token": unsubscribe_token(app, people["manager2"], "visit_published"),
    }


@pytest.fixture
def sql_steps(app):
    """sql_steps(client, url) -> SQLite VM steps (in hundreds) the request ran: a measure of
    rows read that does not depend on the machine's speed."""
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0  # go on

    @app.before_request
    def count_steps():
        get_db().conn.set_progress_handler(tick, 100)

    @app.teardown_request
    def stop_counting(_exc):
        get_db().conn.set_progress_handler(None, 0)

    def _measure(client, url: str) -> int:
        counted[0] = 0
        response = client.get(url)
        assert response.status_code == 200, response.text
        return counted[0]

    return _measure


@pytest.fixture
def filequeue(app, tmp_path):
    """The app on a SQLite queue file that no worker serves."""
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_FILE=str(tmp_path / "queue.db"))
    return jobs.queue_for(app.config)


@pytest.fixture
def no_drivers(monkeypatch):
    """Starting a report runs no driver thread: the test advances the runs itself."""
    monkeypatch.setattr(jobs, "ensure_driver", lambda config, db, job_id: None)
