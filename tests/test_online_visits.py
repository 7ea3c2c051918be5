"""Online visits that last days: inquiries with response times, order to refund, overdue."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import make_store, make_visit
from pypdf import PdfReader
from shopper_answers import all_fields

from audit.criteria_sets.versions import version_set
from audit.visits.answers import AnswerInput, save_answers
from audit.visits.review import approve, correct, publish
from reports.aggregate import Period
from reports.render import store_pdf

WARSAW = ZoneInfo("Europe/Warsaw")


def post_json(client, url, body):
    """POST JSON with the CSRF header, as the phone's script does."""
    return client.http.post(url, json=body, headers={"X-CSRFToken": client.token(),
                                                      "Accept": "application/json"})


def local(moment: datetime) -> str:
    """A datetime-local field value in Warsaw time (the app's TIMEZONE), as typed without JS."""
    return moment.astimezone(WARSAW).strftime("%Y-%m-%dT%H:%M")


def section_of(db, visit_id, key) -> int:
    """The number of the checklist section (online criteria only) that holds a criterion."""
    cs = version_set(db, db["visits"].get(visit_id)["version_id"])
    numbered = [s for s in cs.sections if any(c.channel in ("any", "online") for c in s.criteria)]
    return next(n for n, s in enumerate(numbered, 1) if any(c.key == key for c in s.criteria))


def section_form(db, visit_id, key, **fields) -> dict:
    """A plain form post of the section holding `key`: every field of it, with these values."""
    cs = version_set(db, db["visits"].get(visit_id)["version_id"])
    section = cs.section_of(key)
    base = {k: v for k, v in all_fields(db, visit_id).items()
            if any(k.startswith(f"a-{c.key}") for c in section.criteria)}
    # Intervals of the section are left empty unless the test names them.
    base = {k: v for k, v in base.items()
            if not any(k.startswith(f"a-{c.key}-") and c.type == "interval"
                       for c in section.criteria)}
    return {**base, **fields, "go": "next"}


@pytest.fixture
def online(db, people):
    """A scheduled visit of 'shopper' to an online shop, window around today."""
    store = make_store(db, "WEB-1", channel="online", region="Net")
    today = datetime.now(UTC).date()
    return make_visit(db, store, people["shopper"],
                      window_start=(today - timedelta(days=10)).isoformat(),
                      window_end=(today + timedelta(days=10)).isoformat())


def stored(db, visit_id, key):
    """The stored value of one answer."""
    row = db["answers"].get((visit_id, key))
    return json.loads(row["value"]) if row["value"] else None


def test_inquiry_on_one_day_and_answer_the_next_shows_and_scores_the_response_time(
        login, db, online):
    client = login("shopper")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    sent = now - timedelta(hours=23, minutes=13)
    number = section_of(db, online, "email_response_time")
    # Day 1: the question goes out by e-mail; the shopper closes the phone.
    day1 = client.post(f"/shopper/visits/{online}/sections/{number}", section_form(
        db, online, "email_response_time", **{
            "a-email_response_time-from": local(sent),
            "a-email_response_time-channel": "email",
            "a-email_response_time-note": "Do you deliver to Gdańsk on Saturdays?"}))
    assert day1.status_code == 302, day1.text
    value = stored(db, online, "email_response_time")
    assert value["to"] is None and value["channel"] == "email"
    assert value["note"] == "Do you deliver to Gdańsk on Saturdays?"
    assert datetime.fromisoformat(value["from"]) == sent  # read in Warsaw time, no JS
    mine = client.get("/shopper/").text
    # By the server's clock, which goes on: a minute may turn after `now` was cut to the minute.
    assert re.search(r"Waiting for: Answer received \(question sent 23 h 1[34] min ago\)", mine)
    visit_page = client.get(f"/shopper/visits/{online}").text
    assert "Waiting for: Answer received" in visit_page

    # Day 2: the answer arrives; the page says how long it took, the engine scores the band.
    day2 = client.post(f"/shopper/visits/{online}/sections/{number}", section_form(
        db, online, "email_response_time", **{
            "a-email_response_time-from": local(sent),
            "a-email_response_time-to": local(now),
            "a-email_response_time-channel": "email",
            "a-email_response_time-note": "Do you deliver to Gdańsk on Saturdays?"}))
    assert day2.status_code == 302, day2.text
    page = client.get(f"/shopper/visits/{online}/sections/{number}").text
    assert "Time between: 23 h 13 min" in page
    answer = db["answers"].get((online, "email_response_time"))
    assert answer["points"] == 0.5  # 4 h < 23 h 13 min <= 24 h
    assert "Waiting for: " not in client.get("/shopper/").text


def test_a_week_of_steps_then_submit_review_timeline_and_report(login, db, people, online, app):
    client = login("shopper")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    assert post_json(client, f"/shopper/visits/{online}/start",
                     {"online_url": "https://shop.example/"}).status_code == 200
    day = lambda n, h=10, m=0: (now - timedelta(days=7 - n)).replace(hour=h, minute=m)  # noqa: E731
    # Each step on its own day, as the phone's drafts (with the phone's +01:00 offset).
    steps = [
        {"a-email_response_time-from": day(0, 10, 2), "a-email_response_time-channel": "email",
         "a-email_response_time-note": "Is the jacket waterproof?"},
        {"a-email_response_time-to": day(1, 9, 15)},
        {"a-chat_response_time-from": day(1, 12, 0), "a-chat_response_time-channel": "chat"},
        {"a-chat_response_time-to": day(1, 12, 4)},
        {"a-order_confirmation_time-from": day(2, 18, 30),
         "a-dispatch_notice_time-from": day(2, 18, 30), "a-delivery_time-from": day(2, 18, 30)},
        {"a-order_confirmation_time-to": day(2, 18, 31)},
        {"a-dispatch_notice_time-to": day(3, 11, 0)},
        {"a-delivery_time-to": day(4, 14, 20)},
        {"a-refund_time-from": day(5, 9, 0)},
        {"a-refund_time-to": day(6, 16, 45)},
        {"na-form_response_time": "1"},  # the shop has no contact form
    ]
    known = {}
    for fields in steps:
        known |= {k: v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if isinstance(v, datetime)
                  else v for k, v in fields.items()}
        response = post_json(client, f"/shopper/visits/{online}/draft",
                             {"fields": {**known, "tz": "0"}})
        assert response.status_code == 200 and response.json["errors"] == {}, response.json
    assert stored(db, online, "email_response_time")["to"].startswith(
        day(1, 9, 15).strftime("%Y-%m-%dT09:15"))
    rest = {k: v for k, v in all_fields(db, online).items() if "_time-" not in k}
    result = post_json(client, f"/shopper/visits/{online}/submit",
                       {"uuid": str(uuid.uuid4()), "fields": {**rest, **known, "tz": "0"}})
    assert result.status_code == 200, result.text
    assert db["visits"].get(online)["status"] == "submitted"

    reviewer = login("admin")
    page = reviewer.get(f"/review/visits/{online}").text
    assert "Timeline" in page and "23 h 13 min" in page  # e-mail 10:02 -> 09:15 next day
    assert page.count("Order placed") == 1  # one order, three criteria measure from it
    assert "Is the jacket waterproof?" in page and "E-mail" in page and "4 min" in page

    approve(db, online, people["admin"])
    publish(db, online, people["admin"])
    period = Period(now.date() - timedelta(days=30), now.date())
    pdf = store_pdf(db, db["visits"].get(online)["store_id"], period, "en",
                    report_dir=app.config["REPORT_DIR"])
    (Path(app.config["REPORT_DIR"]).parent / "review.html").write_text(page)
    words = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Response times" in words
    assert "E-mail" in words and "23 h 13 min" in words and "Chat" in words


@pytest.mark.parametrize(("fields", "message"), [
    ({"a-email_response_time-from": -2, "a-email_response_time-to": -3},
     "“Answer received” cannot be before “Question sent”."),
    ({"a-email_response_time-from": -2, "a-email_response_time-to": +2},
     "“Answer received” is in the future: check the date and time."),
    ({"a-email_response_time-from": +3}, "“Question sent” is in the future"),
    ({"a-email_response_time-to": -2}, "Enter “Question sent” as well."),
    ({"a-email_response_time-from": -2, "a-email_response_time-channel": "fax"},
     "Choose how you contacted the shop."),
])
def test_bad_steps_get_a_message_at_the_field_and_nothing_is_written(login, db, online,
                                                                     fields, message):
    client = login("shopper")
    now = datetime.now(UTC)
    typed = {k: local(now + timedelta(hours=v)) if isinstance(v, int) else v
             for k, v in fields.items()}
    number = section_of(db, online, "email_response_time")
    form = section_form(db, online, "email_response_time", **typed)
    response = client.post(f"/shopper/visits/{online}/sections/{number}", form)
    assert response.status_code == 422
    assert message in response.text
    assert 'id="q-email_response_time"' in response.text
    assert db["answers"].count_where("visit_id = ?", [online]) == 0
    # The times typed are still on the form.
    for name, value in typed.items():
        if not name.endswith("-channel"):
            assert f'name="{name}" value="{value}"' in response.text


def test_a_shared_step_entered_twice_with_another_time_is_refused_at_the_field(login, db,
                                                                               online):
    client = login("shopper")
    now = datetime.now(UTC)
    number = section_of(db, online, "order_confirmation_time")
    form = section_form(db, online, "order_confirmation_time", **{
        "a-order_confirmation_time-from": local(now - timedelta(days=2)),
        "a-dispatch_notice_time-from": local(now - timedelta(days=1))})
    response = client.post(f"/shopper/visits/{online}/sections/{number}", form)
    assert response.status_code == 422
    assert "“Order placed” is already recorded at" in response.text
    assert db["answers"].count_where("visit_id = ?", [online]) == 0
    # The phone's draft keeps the good answers and reports only the refused one.
    draft = post_json(client, f"/shopper/visits/{online}/draft", {"fields": {
        "a-order_confirmation_time-from": local(now - timedelta(days=2)),
        "a-dispatch_notice_time-from": local(now - timedelta(days=1))}})
    assert list(draft.json["errors"]) == ["dispatch_notice_time"]
    assert stored(db, online, "order_confirmation_time")["from"]


def test_unanswered_inquiry_after_the_deadline_scores_the_last_band_as_no_answer(login, db,
                                                                                 online):
    client = login("shopper")
    sent = datetime.now(UTC) - timedelta(hours=73)
    response = post_json(client, f"/shopper/visits/{online}/draft", {"fields": {
        "a-email_response_time-from": local(sent)}})
    assert response.json["errors"] == {}
    assert db["answers"].get((online, "email_response_time"))["points"] == 0
    assert "No answer" in client.get(f"/shopper/visits/{online}").text
    assert "No answer to “Question sent”" in client.get("/shopper/").text
    number = section_of(db, online, "email_response_time")
    assert "No answer: the deadline has passed." in client.get(
        f"/shopper/visits/{online}/sections/{number}").text


def test_visit_left_open_past_its_window_shows_overdue_and_stays_open(login, db, people):
    store = make_store(db, "WEB-9", channel="online")
    late = make_visit(db, store, people["shopper"], status="in_progress",
                      window_start="2026-01-01", window_end="2026-01-31")
    on_time = make_visit(db, store, people["shopper"], status="in_progress",
                         window_start="2026-01-01", window_end="2099-01-31")
    mine = login("shopper").get("/shopper/").text
    assert mine.count("Overdue: the visit window ended") == 1
    assert "Overdue: the visit window ended on" in login("shopper").get(
        f"/shopper/visits/{late}").text
    assert "Overdue" not in login("shopper").get(f"/shopper/visits/{on_time}").text
    admin = login("admin").get("/admin/visits").text
    assert admin.count("Overdue: the visit window ended") == 1
    assert db["visits"].get(late)["status"] == "in_progress"  # never closed by itself


def test_reviewer_correction_keeps_the_channel_and_question(db, people, online):
    db["visits"].update(online, {"status": "submitted"})
    save_answers(db, online, [AnswerInput("email_response_time", {
        "from": "2026-11-02T10:00:00+01:00", "to": None, "channel": "form",
        "note": "Gift wrap?"})], user_id=people["shopper"])
    typed = {"from": "2026-11-02T10:00:00+01:00", "to": "2026-11-02T12:00:00+01:00"}
    correct(db, online, people["admin"], AnswerInput("email_response_time", typed),
            reason="The answer came at noon.")
    assert stored(db, online, "email_response_time") == {**typed, "channel": "form",
                                                         "note": "Gift wrap?"}
