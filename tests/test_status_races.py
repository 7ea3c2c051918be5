"""Cancel and reschedule racing the shopper's start and submission: one wins, the other is told.

No acknowledged submission ends cancelled or with another shopper; a start the phone was told
about is never moved to someone else; the phone of a visit taken away gets JSON it understands
(410 with the reason), not a 404 page it would retry for ever.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from conftest import make_store, make_visit
from shopper_answers import all_fields

from audit.errors import Conflict
from audit.visits.field import StartInfo, start_visit, submit_visit, visit_for_shopper
from audit.visits.scheduling import cancel, reschedule

ROUNDS = 20


class Phone:
    """A logged-in client that posts JSON with the CSRF header, as the phone's script does."""

    def __init__(self, client):
        self.client, self.csrf = client, client.token()

    def post(self, url, body):
        return self.client.http.post(url, json=body, headers={
            "X-CSRFToken": self.csrf, "Accept": "application/json"})


class Admin:
    """A logged-in admin posting the scheduling forms."""

    def __init__(self, client):
        self.client, self.csrf = client, client.token()

    def post(self, url, data):
        return self.client.http.post(url, data={**data, "csrf_token": self.csrf})


def race(*calls):
    """Run the calls at once (a barrier lets them go together); their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


class Autosaver(threading.Thread):
    """Load beside the race: another shopper's phone autosaving its visit all along."""

    def __init__(self, phone, visit_id, fields):
        super().__init__(daemon=True)
        self.phone, self.visit_id, self.fields = phone, visit_id, fields
        self.stop, self.statuses = threading.Event(), []

    def run(self):
        while not self.stop.is_set():
            r = self.phone.post(f"/shopper/visits/{self.visit_id}/draft", {"fields": self.fields})
            self.statuses.append(r.status_code)


@pytest.fixture
def load(login, db, people):
    """A second shopper autosaving while the races run."""
    visit_id = make_visit(db, make_store(db, "LOAD-1"), people["shopper2"], status="in_progress")
    saver = Autosaver(Phone(login("shopper2")), visit_id, all_fields(db, visit_id))
    saver.start()
    yield saver
    saver.stop.set()
    saver.join(30)
    assert saver.statuses and set(saver.statuses) == {200}


def test_cancel_racing_submit_never_cancels_an_acknowledged_submission(login, db, people, load):
    phone, admin = Phone(login("shopper")), Admin(login("admin"))
    store = make_store(db, "RACE-C")
    visits = [make_visit(db, store, people["shopper"], status="in_progress")
              for _ in range(ROUNDS)]
    fields = all_fields(db, visits[0])
    outcomes = []
    for visit_id in visits:
        submitted, cancelled = race(
            lambda v=visit_id: phone.post(f"/shopper/visits/{v}/submit", {
                "uuid": str(uuid.uuid4()), "fields": fields, "photos": []}),
            lambda v=visit_id: admin.post(f"/admin/visits/{v}/cancel", {}))
        status = db["visits"].get(visit_id)["status"]
        assert cancelled.status_code == 302
        if submitted.status_code == 200:
            assert submitted.json["status"] == "submitted"
            assert status == "submitted", f"visit {visit_id}: acknowledged, then {status}"
        else:
            assert (submitted.status_code, submitted.json["error"]) == (410, "visit_cancelled")
            assert "cancelled by the office" in submitted.json["message"]
            assert status == "cancelled"
        outcomes.append(status)
    assert db["visit_events"].count_where("action = 'submit'") == outcomes.count("submitted")


def test_reschedule_racing_start_never_moves_a_started_visit(login, db, people, load):
    phone, admin = Phone(login("shopper")), Admin(login("admin"))
    visits = [make_visit(db, make_store(db, f"RACE-R{n}"), people["shopper"])
              for n in range(ROUNDS)]
    for visit_id in visits:
        started, moved = race(
            lambda v=visit_id: phone.post(f"/shopper/visits/{v}/start",
                                          {"lat": 52.23, "lon": 21.01}),
            lambda v=visit_id: admin.post(f"/admin/visits/{v}", {
                "shopper_id": people["shopper2"], "window_start": "2026-12-01",
                "window_end": "2026-12-05"}))
        row = db["visits"].get(visit_id)
        assert moved.status_code in (422, 302)
        draft = phone.post(f"/shopper/visits/{visit_id}/draft", {"fields": {}})
        if started.status_code == 200:
            assert (row["status"], row["shopper_id"]) == ("in_progress", people["shopper"])
            assert row["window_start"] == "2026-11-01" and row["start_lat"] == 52.23
            assert draft.status_code == 200
        else:
            assert (started.status_code, started.json["error"]) == (410, "visit_moved")
            assert (row["status"], row["shopper_id"]) == ("scheduled", people["shopper2"])
            assert row["started_at"] is None and row["start_lat"] is None
            # The phone's autosave is told too, in JSON: it stops and shows why.
            assert (draft.status_code, draft.json["error"]) == (410, "visit_moved")


def test_start_with_a_read_from_before_a_reschedule_is_refused(db, people):
    visit_id = make_visit(db, make_store(db, "STALE-1"), people["shopper"])
    seen = visit_for_shopper(db, visit_id, people["shopper"])  # the route read it
    reschedule(db, visit_id, shopper_id=people["shopper2"], window_start=date(2026, 12, 1),
               window_end=date(2026, 12, 5), revisit_days=90)
    with pytest.raises(Conflict) as refused:
        start_visit(db, seen, StartInfo(lat=52.23, lon=21.01), far_metres=1000)
    assert refused.value.code == "visit_moved"
    row = db["visits"].get(visit_id)
    assert (row["status"], row["shopper_id"], row["started_at"]) == (
        "scheduled", people["shopper2"], None)


def test_submission_checked_before_a_reschedule_is_refused(db, people):
    visit_id = make_visit(db, make_store(db, "STALE-2"), people["shopper"])
    fields = all_fields(db, visit_id)
    assert fields  # the visit's checklist has required answers to send
    reschedule(db, visit_id, shopper_id=people["shopper2"], window_start=date(2026, 12, 1),
               window_end=date(2026, 12, 5), revisit_days=90)
    with pytest.raises(Conflict) as refused:
        submit_visit(db, visit_id, submission_uuid=str(uuid.uuid4()), entries=[], photo_ids=[],
                     user_id=people["shopper"])
    assert refused.value.code == "visit_moved"
    assert db["visits"].get(visit_id)["status"] == "scheduled"


def test_submission_checked_before_a_cancel_is_told_it_was_cancelled(db, people):
    visit_id = make_visit(db, make_store(db, "STALE-3"), people["shopper"], status="in_progress")
    cancel(db, visit_id, people["admin"])
    with pytest.raises(Conflict) as refused:
        submit_visit(db, visit_id, submission_uuid=str(uuid.uuid4()), entries=[], photo_ids=[],
                     user_id=people["shopper"])
    assert refused.value.code == "visit_cancelled"


@pytest.mark.parametrize("path", ["/start", "/draft", "/submit", "/end", "/state.json"])
def test_phone_of_a_cancelled_visit_gets_json_saying_so(login, db, people, path):
    visit_id = make_visit(db, make_store(db, "GONE-1"), people["shopper"], status="in_progress")
    cancel(db, visit_id, people["admin"])
    phone = Phone(login("shopper"))
    if path == "/state.json":
        response = phone.client.http.get(f"/shopper/visits/{visit_id}{path}",
                                         headers={"Accept": "application/json"})
    else:
        response = phone.post(f"/shopper/visits/{visit_id}{path}", {"fields": {}})
    assert response.status_code == 410
    assert response.json["error"] == "visit_cancelled"


def test_phone_of_a_visit_given_to_someone_else_gets_json_saying_so(login, db, people):
    visit_id = make_visit(db, make_store(db, "GONE-2"), people["shopper"])
    reschedule(db, visit_id, shopper_id=people["shopper2"], window_start=date(2026, 12, 1),
               window_end=date(2026, 12, 5), revisit_days=90)
    response = Phone(login("shopper")).post(f"/shopper/visits/{visit_id}/start", {})
    assert (response.status_code, response.json["error"]) == (410, "visit_moved")
    page = login("shopper").get(f"/shopper/visits/{visit_id}")
    assert page.status_code == 410 and "given to another shopper" in page.text


def test_a_visit_never_yours_stays_not_found_in_json(login, db, people):
    visit_id = make_visit(db, make_store(db, "GONE-3"), people["shopper2"])
    cancel(db, visit_id, people["admin"])
    response = Phone(login("shopper")).post(f"/shopper/visits/{visit_id}/draft", {"fields": {}})
    assert (response.status_code, response.json["error"]) == (404, "no_visit")


@pytest.mark.parametrize("step", ["draft", "end", "photo"])
def test_a_write_checked_before_a_cancel_writes_nothing(app, db, people, step):
    import io

    from PIL import Image

    from audit.visits.answers import AnswerInput
    from audit.visits.field import end_visit, save_draft
    from audit.visits.photos import store_photo

    visit_id = make_visit(db, make_store(db, "STALE-4"), people["shopper"], status="in_progress")
    seen = visit_for_shopper(db, visit_id, people["shopper"])  # the route read it
    cancel(db, visit_id, people["admin"])
    with pytest.raises(Conflict) as refused:
        if step == "draft":
            from audit.criteria_sets.versions import version_set

            yes_no = next(c for c in version_set(db, seen["version_id"]).criteria()
                          if c.type == "yes_no")
            save_draft(db, seen, [AnswerInput(yes_no.key, True)], user_id=people["shopper"])
        elif step == "end":
            end_visit(db, seen, None)
        else:
            out = io.BytesIO()
            Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
            out.seek(0)
            store_photo(db, app.config["UPLOAD_DIR"], seen, criterion_key="price_tag_photo",
                        client_id="phone-photo-0001", stream=out)
    assert refused.value.code == "visit_cancelled"
    row = db["visits"].get(visit_id)
    assert row["ended_at"] is None
    assert db["answers"].count_where("visit_id = ?", [visit_id]) == 0
    assert db["photos"].count_where("visit_id = ?", [visit_id]) == 0
