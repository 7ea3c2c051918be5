"""The shopper's visit through plain forms and the phone's JSON: start, sections, submit."""

import html
import json
import uuid

import pytest
from conftest import make_store, make_user, make_visit
from shopper_answers import all_fields, section_fields

from audit.criteria_sets.versions import version_set


@pytest.fixture
def visit(db, people):
    """A scheduled visit of 'shopper' to a physical store at 52.23, 21.01."""
    store_id = make_store(db, "FLOW-1")
    return make_visit(db, store_id, people["shopper"])


def post_json(client, url, body):
    """POST JSON with the CSRF header, as the phone's script does."""
    return client.http.post(url, json=body, headers={"X-CSRFToken": client.token(),
                                                      "Accept": "application/json"})


def sections(db, visit_id):
    """The checklist sections of a visit."""
    return version_set(db, db["visits"].get(visit_id)["version_id"]).sections


def test_my_visits_lists_own_visits_only(login, db, people, visit):
    other = make_visit(db, make_store(db, "OTHER-1"), people["shopper2"])
    page = login("shopper").get("/shopper/").text
    assert f"/shopper/visits/{visit}" in page
    assert f"/shopper/visits/{other}" not in page


def test_start_records_time_position_and_distance(login, db, visit):
    response = login("shopper").post(f"/shopper/visits/{visit}/start",
                                     {"lat": "52.2301", "lon": "21.0101", "accuracy": "15"})
    assert response.status_code == 302 and response.location.endswith("/sections/1")
    row = db["visits"].get(visit)
    assert row["status"] == "in_progress" and row["started_at"]
    assert row["start_accuracy"] == 15 and row["start_distance_m"] < 50
    assert json.loads(row["flags"]) == []


def test_far_start_is_flagged_not_refused(login, db, visit):
    login("shopper").post(f"/shopper/visits/{visit}/start", {"lat": "50.06", "lon": "19.94"})
    row = db["visits"].get(visit)
    assert row["status"] == "in_progress"
    assert row["start_distance_m"] > 200_000
    assert [f["code"] for f in json.loads(row["flags"])] == ["far_start"]


def test_start_without_position_is_flagged(login, db, visit):
    login("shopper").post(f"/shopper/visits/{visit}/start", {})
    assert [f["code"] for f in json.loads(db["visits"].get(visit)["flags"])] == ["no_position"]


def test_online_start_records_url_and_channel(login, db, people):
    visit_id = make_visit(db, make_store(db, "WEB-1", channel="online"), people["shopper"])
    login("shopper").post(f"/shopper/visits/{visit_id}/start",
                          {"online_url": "https://shop.example/p/1", "online_channel": "app"})
    row = db["visits"].get(visit_id)
    assert (row["online_url"], row["online_channel"]) == ("https://shop.example/p/1", "app")
    assert row["start_lat"] is None and json.loads(row["flags"]) == []


def test_second_start_keeps_the_first(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    first = db["visits"].get(visit)["started_at"]
    client.post(f"/shopper/visits/{visit}/start", {"lat": "10", "lon": "10"})
    row = db["visits"].get(visit)
    assert row["started_at"] == first and row["start_lat"] == pytest.approx(52.23)


def test_whole_visit_through_plain_forms(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {"lat": "52.23", "lon": "21.01"})
    all_sections = sections(db, visit)
    for number, section in enumerate(all_sections, start=1):
        page = client.get(f"/shopper/visits/{visit}/sections/{number}")
        assert f"Section {number} of {len(all_sections)}" in page.text
        response = client.post(f"/shopper/visits/{visit}/sections/{number}",
                               {**section_fields(section.criteria), "go": "next"})
        assert response.status_code == 302, response.text[:2000]
        if response.location.endswith(f"/sections/{number}"):
            # The answers opened more questions here (show_if): the page asks them, then on.
            response = client.post(f"/shopper/visits/{visit}/sections/{number}",
                                   {**section_fields(section.criteria), "go": "next"})
            assert response.status_code == 302, response.text[:2000]
    assert response.location.endswith("/summary")
    summary = client.get(f"/shopper/visits/{visit}/summary").text
    assert "Every required question is answered." in summary
    token = str(uuid.uuid4())
    response = client.post(f"/shopper/visits/{visit}/submit", {"uuid": token})
    assert response.status_code == 302
    row = db["visits"].get(visit)
    assert row["status"] == "submitted" and row["submission_uuid"] == token
    assert row["ended_at"] and row["score"] is not None
    assert db["answers"].get((visit, "time_to_approach"))["value"] == "90"


def test_section_keeps_a_comment_and_na(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {})
    number = next(i for i, s in enumerate(sections(db, visit), 1) if s.key == "waiting")
    client.post(f"/shopper/visits/{visit}/sections/{number}",
                {"na-extra_till_opened": "1", "c-queue_length": "Two at the till", "go": "stay"})
    assert db["answers"].get((visit, "extra_till_opened"))["na"] == 1
    assert db["answers"].get((visit, "queue_length"))["comment"] == "Two at the till"
    page = client.get(f"/shopper/visits/{visit}/sections/{number}").text
    assert "Two at the till" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"a-queue_length": "many"}, "Enter a whole number."),
        ({"a-queue_length": "-1"}, "Enter a whole number, 0 or more."),
        ({"a-till_wait-min": "x"}, "Enter minutes and seconds as numbers."),
        ({"na-queue_length": "1"}, "N/A is not allowed for this question."),
    ],
)
def test_bad_section_input_is_shown_and_nothing_is_lost(login, db, visit, fields, message):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {})
    number = next(i for i, s in enumerate(sections(db, visit), 1) if s.key == "waiting")
    body = {"c-till_wait": "kept comment", **fields, "go": "next"}
    response = client.post(f"/shopper/visits/{visit}/sections/{number}", body)
    assert response.status_code == 422
    assert message in response.text
    assert "kept comment" in response.text  # what was typed is shown again
    assert db["answers"].count_where("visit_id = ?", [visit]) == 0


@pytest.mark.parametrize(("lang", "fields", "message"), [
    ("pl", {"a-queue_length": "-1"}, "Wpisz liczbę całkowitą: 0 lub więcej."),
    ("pl", {"na-queue_length": "1"}, "Przy tym pytaniu nie można zaznaczyć „nie dotyczy”."),
    ("ru", {"a-queue_length": "-1"}, "Введите целое число не меньше 0."),
    ("ru", {"na-queue_length": "1"}, "В этом вопросе нельзя отметить «неприменимо»."),
])
def test_answer_refused_by_its_criterion_is_explained_in_the_shoppers_language(
        login, db, visit, people, lang, fields, message):
    db["users"].update(people["shopper"], {"language": lang})
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {})
    number = next(i for i, s in enumerate(sections(db, visit), 1) if s.key == "waiting")
    response = client.post(f"/shopper/visits/{visit}/sections/{number}", {**fields, "go": "next"})
    assert response.status_code == 422
    assert message in html.unescape(response.text)


def test_summary_lists_missing_answers_with_links(login, db, visit):
    client = login("shopper")
    client.post(f"/shopper/visits/{visit}/start", {})
    page = client.get(f"/shopper/visits/{visit}/summary").text
    assert f'href="/shopper/visits/{visit}/sections/1#q-greeted_on_entry"' in page
    response = client.post(f"/shopper/visits/{visit}/submit", {"uuid": str(uuid.uuid4())})
    assert response.status_code == 302 and response.location.endswith("/summary")
    assert db["visits"].get(visit)["status"] == "in_progress"


def test_draft_json_saves_what_fits_and_restores_on_the_page(login, db, visit):
    client = login("shopper")
    response = post_json(client, f"/shopper/visits/{visit}/draft", {"fields": {
        "a-greeted_on_entry": "no", "c-greeted_on_entry": "Nobody looked up",
        "a-queue_length": "lots", "tz": "60"}})
    assert response.status_code == 200
    assert response.json["errors"] == {"queue_length": "Enter a whole number."}
    assert db["visits"].get(visit)["status"] == "in_progress"  # a draft starts the visit
    page = client.get(f"/shopper/visits/{visit}/sections/1").text
    assert 'value="no" checked' in page and "Nobody looked up" in page


def test_interval_answer_keeps_the_phones_offset(login, db, people):
    visit_id = make_visit(db, make_store(db, "WEB-2", channel="online"), people["shopper"])
    client = login("shopper")
    post_json(client, f"/shopper/visits/{visit_id}/draft", {"fields": {
        "a-email_response_time-from": "2026-11-02T10:00",
        "a-email_response_time-to": "2026-11-02T13:30", "tz": "60"}})
    value = json.loads(db["answers"].get((visit_id, "email_response_time"))["value"])
    assert value == {"from": "2026-11-02T10:00:00+01:00", "to": "2026-11-02T13:30:00+01:00"}


def submit_json(client, visit_id, token, fields, photos=()):
    """The phone's offline submission."""
    return post_json(client, f"/shopper/visits/{visit_id}/submit",
                     {"uuid": token, "fields": fields, "photos": list(photos),
                      "ended_at": "2026-11-02T10:30:00+00:00"})


def test_double_submit_is_one_submission_with_the_same_answer(login, db, visit):
    client = login("shopper")
    post_json(client, f"/shopper/visits/{visit}/start", {"lat": 52.23, "lon": 21.01})
    token, fields = str(uuid.uuid4()), all_fields(db, visit)
    first = submit_json(client, visit, token, fields)
    second = submit_json(client, visit, token, fields)
    assert first.status_code == second.status_code == 200, first.text
    assert first.json == second.json and first.json["status"] == "submitted"
    assert db["visits"].count_where("status = 'submitted'") == 1
    assert db["visit_events"].count_where("action = 'submit'") == 1


def test_same_uuid_with_other_content_is_refused(login, db, visit):
    client = login("shopper")
    token, fields = str(uuid.uuid4()), all_fields(db, visit)
    submit_json(client, visit, token, fields)
    response = submit_json(client, visit, token, {**fields, "a-greeted_on_entry": "no"})
    assert response.status_code == 409
    assert "already received with different answers" in response.json["message"]
    assert db["answers"].get((visit, "greeted_on_entry"))["value"] == "true"


def test_submission_from_another_device_keeps_the_first(login, db, visit):
    client = login("shopper")
    fields = all_fields(db, visit)
    submit_json(client, visit, str(uuid.uuid4()), fields)
    response = submit_json(client, visit, str(uuid.uuid4()), {**fields, "a-run_around": "yes"})
    assert response.status_code == 409
    assert "already submitted from another device" in response.json["message"]
    assert db["answers"].get((visit, "run_around"))["value"] == "true"  # "yes" of the first


def test_second_device_is_told_the_first_submission_time_in_local_format(login, db, visit):
    client = login("shopper")
    fields = all_fields(db, visit)
    submit_json(client, visit, str(uuid.uuid4()), fields)
    db["visits"].update(visit, {"submitted_at": "2026-11-02T09:05:00+00:00"})
    response = submit_json(client, visit, str(uuid.uuid4()), fields)
    assert response.json["error"] == "already_submitted"
    # 09:05 UTC is 10:05 in Warsaw (the app's zone); the raw stamp is not shown.
    assert "10:05" in response.json["message"]
    assert "2026-11-02T09:05" not in response.json["message"]


def test_submit_missing_answers_is_refused_with_the_list(login, db, visit):
    response = submit_json(login("shopper"), visit, str(uuid.uuid4()),
                           {"a-greeted_on_entry": "yes"})
    assert response.status_code == 422
    assert "time_to_approach" in response.json["details"]
    assert db["visits"].get(visit)["status"] == "scheduled"  # the refused submit wrote nothing


def test_submit_waits_for_its_photos(login, db, visit):
    client = login("shopper")
    response = submit_json(client, visit, str(uuid.uuid4()), all_fields(db, visit),
                           photos=["photo-not-sent-1"])
    assert response.status_code == 409 and response.json["error"] == "photos_missing"
    assert db["visits"].get(visit)["status"] == "scheduled"


def test_submitted_visit_is_read_only(login, db, visit):
    client = login("shopper")
    submit_json(client, visit, str(uuid.uuid4()), all_fields(db, visit))
    page = client.get(f"/shopper/visits/{visit}")
    assert "can no longer be changed" in page.text
    assert 'enctype="multipart/form-data"' not in page.text
    response = post_json(client, f"/shopper/visits/{visit}/draft",
                         {"fields": {"a-greeted_on_entry": "no"}})
    assert response.status_code == 409
    assert client.get(f"/shopper/visits/{visit}/sections/1").status_code == 302
    assert db["answers"].get((visit, "greeted_on_entry"))["value"] == "true"


def test_returned_visit_shows_the_note_and_can_be_resubmitted(login, db, visit):
    client = login("shopper")
    fields = all_fields(db, visit)
    old_token = str(uuid.uuid4())
    submit_json(client, visit, old_token, fields)
    db["visits"].update(visit, {"status": "returned", "return_note": "Add the receipt photo."})
    assert "Add the receipt photo." in client.get(f"/shopper/visits/{visit}").text
    stale = submit_json(client, visit, old_token, {**fields, "a-run_around": "no"})
    assert stale.status_code == 409
    fresh = submit_json(client, visit, str(uuid.uuid4()), {**fields, "a-run_around": "no"})
    assert fresh.status_code == 200
    assert db["visits"].get(visit)["status"] == "submitted"
    assert db["visit_log"].count_where("action = 'correct' AND criterion_key = 'run_around'") == 1


def test_short_visit_is_flagged(login, db, people, visit):
    store = db["visits"].get(visit)["store_id"]
    for day in range(1, 6):  # five earlier visits of an hour each
        make_visit(db, store, people["shopper2"], status="submitted",
                   started_at=f"2026-10-0{day}T10:00:00+00:00",
                   ended_at=f"2026-10-0{day}T11:00:00+00:00",
                   submitted_at=f"2026-10-0{day}T11:00:00+00:00")
    client = login("shopper")
    post_json(client, f"/shopper/visits/{visit}/start", {"lat": 52.23, "lon": 21.01})
    response = submit_json(client, visit, str(uuid.uuid4()), all_fields(db, visit))
    assert response.status_code == 200
    assert "short_visit" in [f["code"] for f in json.loads(db["visits"].get(visit)["flags"])]


def test_visit_keeps_its_version_when_the_set_changes(login, db, visit):
    from audit.criteria_sets.versions import add_version

    row = db["visits"].get(visit)
    cs = version_set(db, row["version_id"])
    set_id = db["criteria_versions"].get(row["version_id"])["set_id"]
    add_version(db, set_id, cs, publish=True)
    login("shopper").post(f"/shopper/visits/{visit}/start", {})
    assert db["visits"].get(visit)["version_id"] == row["version_id"]


@pytest.mark.parametrize("path", ["", "/sections/1", "/summary", "/state.json"])
def test_another_shoppers_visit_is_404(login, db, people, path):
    other = make_visit(db, make_store(db, "X-1"), people["shopper2"])
    assert login("shopper").get(f"/shopper/visits/{other}{path}").status_code == 404


@pytest.mark.parametrize("path", ["/start", "/draft", "/submit", "/end"])
def test_another_shoppers_visit_refuses_writes_with_404(login, db, people, path):
    other = make_visit(db, make_store(db, "X-2"), people["shopper2"])
    response = post_json(login("shopper"), f"/shopper/visits/{other}{path}", {"fields": {}})
    assert response.status_code == 404
    assert db["visits"].get(other)["status"] == "scheduled"


def test_cancelled_visit_is_gone_for_the_shopper(login, db, people, visit):
    db["visits"].update(visit, {"status": "cancelled"})
    page = login("shopper").get(f"/shopper/visits/{visit}")
    assert page.status_code == 410 and "This visit was cancelled by the office." in page.text


def test_service_worker_is_served_for_the_shopper_scope(login):
    response = login("shopper").get("/shopper/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"


def test_unknown_section_is_404(login, visit):
    assert login("shopper").get(f"/shopper/visits/{visit}/sections/99").status_code == 404


def test_new_shopper_sees_nothing(app, db):
    make_user(db, "shopper", "new@example.com")
    from conftest import Client

    assert "No visits assigned to you." in Client(app, "new@example.com").get("/shopper/").text


def test_usual_length_is_the_median_of_the_200_newest_submitted_visits_of_the_set(db, people):
    """Read along an index now; the figure is the same as over every visit of the set."""
    import statistics
    from datetime import UTC, datetime, timedelta

    from audit.visits.field import usual_minutes

    store = make_store(db, "USUAL-1")
    first = datetime(2026, 9, 1, tzinfo=UTC)
    for n in range(230):  # the oldest 30 are long and fall out of the newest 200
        minutes = 100 if n < 30 else 20 + n % 7
        start = first + timedelta(hours=n)
        make_visit(db, store, people["shopper2"], status="published" if n % 2 else "submitted",
                   started_at=start.isoformat(),
                   ended_at=(start + timedelta(minutes=minutes)).isoformat(),
                   submitted_at=(start + timedelta(minutes=59)).isoformat())
    make_visit(db, store, people["shopper2"], status="in_progress",
               started_at="2026-10-01T10:00:00+00:00")  # not submitted: never counted
    version = db.execute("SELECT version_id FROM visits LIMIT 1").fetchone()[0]
    lengths = [20 + n % 7 for n in range(30, 230)]
    assert usual_minutes(db, version) == pytest.approx(statistics.median(lengths))
