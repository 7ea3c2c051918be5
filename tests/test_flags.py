"""Visit warnings: one rule each, stored as codes with parameters, shown in the reader's words."""

from __future__ import annotations

import html
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.support import NullTranslations
from conftest import make_photo, make_store, make_visit
from shopper_answers import all_fields

from audit.visits import flags as flag_rules
from audit.visits import review as review_flow
from reports.text import duration_text

ROOT = Path(__file__).resolve().parent.parent
WARSAW = (52.23, 21.01)  # where make_store puts a store
KRAKOW = (50.0617, 19.9373)
ANSWERS = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}


def post_json(client, url, body):
    """POST JSON with the CSRF header, as the phone's script does."""
    return client.http.post(url, json=body, headers={"X-CSRFToken": client.token(),
                                                      "Accept": "application/json"})


def stored(db, visit_id) -> list[dict]:
    """The visit's flags as stored."""
    return json.loads(db["visits"].get(visit_id)["flags"])


def page(client, url: str) -> str:
    """A page's text as the reader sees it (entities unescaped)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.text)


def speak(db, email, lang):
    """The user reads the app in this language from now on."""
    db.execute("UPDATE users SET language = ? WHERE email = ?", [lang, email])


def ago(minutes: float) -> str:
    """A time stamp `minutes` before now, as the phone sends it."""
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


@pytest.fixture
def russian_shopper(db, people):
    """'shopper' reads the app in Russian."""
    speak(db, "shopper@example.com", "ru")
    return people["shopper"]


# ---------------------------------------------------------------- stored as codes, shown translated


def test_russian_shoppers_warnings_read_in_english_and_in_polish_to_reviewers(
        login, db, people, russian_shopper):
    store = make_store(db, "RU-1")
    blind = make_visit(db, store, russian_shopper)
    far = make_visit(db, store, russian_shopper)
    shopper = login("shopper")
    shopper.post(f"/shopper/visits/{blind}/start", {})
    shopper.post(f"/shopper/visits/{far}/start",
                 {"lat": str(KRAKOW[0]), "lon": str(KRAKOW[1]), "accuracy": "15"})
    assert stored(db, blind) == [{"code": "no_position", "params": {}}]
    assert stored(db, far)[0]["params"]["accuracy"] == 15
    for visit_id in (blind, far):
        db["visits"].update(visit_id, {"status": "submitted", "ended_at": ago(0),
                                       "submitted_at": ago(0)})

    english = page(login("admin"), "/review/")
    assert "The phone's position was not shared at the start." in english
    assert "from the store (position accurate to 15 m)." in english
    assert "При начале" not in english and "магазина" not in english
    speak(db, "admin@example.com", "pl")
    polish = page(login("admin"), "/review/")
    assert "Przy rozpoczęciu telefon nie udostępnił lokalizacji." in polish
    assert "km od sklepu" in polish and "При начале" not in polish


@pytest.mark.parametrize(("code", "params", "lang", "expected"), [
    ("far_start", {"metres": 252_345, "accuracy": 15}, "en",
     "Started 252.3 km from the store (position accurate to 15 m)."),
    ("far_start", {"metres": 252_345, "accuracy": 15}, "pl", "252,3 km"),
    ("far_start", {"metres": 1_450, "accuracy": None}, "en",  # half up, as every number
     "Started 1.5 km from the store (accuracy of the position unknown)."),
    ("short_visit", {"took_seconds": 540, "usual_seconds": 1500}, "en",
     "Much shorter than usual: 9 min (usually 25 min)."),
    ("short_visit", {"took_seconds": 90_000, "usual_seconds": 604_800}, "en",
     "Much shorter than usual: 1 d 1 h (usually 7 d)."),
    ("short_visit", {"took_seconds": 540, "usual_seconds": 1500}, "ru", "9 мин"),
    ("photos_missing", {"criteria": ["price_tag_photo"]}, "en",
     "Photos missing: Photo of the price tag of the product you asked about"),
    ("mystery", {"message": "Ein alter Satz."}, "en", "Ein alter Satz."),
    ("mystery", {}, "en", "mystery"),
    ("far_start", {"message": "Old words."}, "en", "Old words."),
])
def test_each_flag_is_written_in_the_readers_language(app, db, code, params, lang, expected):
    from flask_babel import force_locale

    from audit.criteria_sets.versions import current_version_id, version_set
    from audit.web.flag_text import flag_text

    cs = version_set(db, current_version_id(db, "physical-store"))
    with app.test_request_context(), force_locale(lang):
        assert expected in flag_text({"code": code, "params": params}, cs)


def test_missing_photos_name_the_questions_not_their_keys(login, db, people):
    store = make_store(db, "PH-1")
    visit = make_visit(db, store, people["shopper"], "submitted", answers=ANSWERS,
                       submitted_at=ago(0))
    text = page(login("admin"), f"/review/visits/{visit}")
    warning = text.split("Photos missing: ")[1].split("</li>")[0]
    assert "Photo of the price tag of the product you asked about" in warning
    assert "price_tag_photo" not in warning


def test_a_photo_taken_clears_its_warning(app, db, people):
    store = make_store(db, "PH-2")
    visit = make_visit(db, store, people["shopper"], "submitted", answers=ANSWERS)
    before = [f["params"]["criteria"] for f in review_flow.visit_for_review(db, visit)["warnings"]
              if f["code"] == "photos_missing"]
    make_photo(db, app, visit, "price_tag_photo")
    after = [f["params"]["criteria"] for f in review_flow.visit_for_review(db, visit)["warnings"]
             if f["code"] == "photos_missing"]
    assert "price_tag_photo" in before[0] and "price_tag_photo" not in sum(after, [])


# ---------------------------------------------------------------- one short rule


def history(db, store, shopper, minutes: int, count: int = 5, status: str = "published"):
    """`count` earlier visits of the set, each `minutes` long."""
    for day in range(1, count + 1):
        start = datetime(2026, 10, day, 10, tzinfo=UTC)
        make_visit(db, store, shopper, status=status, started_at=start.isoformat(),
                   ended_at=(start + timedelta(minutes=minutes)).isoformat(),
                   submitted_at=(start + timedelta(minutes=minutes)).isoformat())


def submit_after(login, db, visit, minutes: float):
    """Start the visit `minutes` ago at the store and submit it now, through the phone's API."""
    client = login("shopper")
    post_json(client, f"/shopper/visits/{visit}/start",
              {"lat": WARSAW[0], "lon": WARSAW[1], "started_at": ago(minutes)})
    response = post_json(client, f"/shopper/visits/{visit}/submit",
                         {"uuid": str(uuid.uuid4()), "fields": all_fields(db, visit),
                          "photos": [], "ended_at": ago(0)})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("minutes", [10, 27, 45])
def test_submission_and_review_agree_on_a_short_visit(login, db, people, minutes):
    """60 minutes usual: 10 is short for any rule, 27 was short only on the review pages."""
    store = make_store(db, "SHORT-1")
    history(db, store, people["shopper2"], 60)
    visit = make_visit(db, store, people["shopper"])
    submit_after(login, db, visit, minutes)
    at_submission = "short_visit" in [f["code"] for f in stored(db, visit)]
    on_review = "Much shorter than usual" in page(login("admin"), "/review/")
    assert at_submission == on_review
    assert at_submission == (minutes < 60 * flag_rules.SHORT_SHARE)


def test_short_visit_flag_keeps_its_figures(login, db, people):
    store = make_store(db, "SHORT-2")
    history(db, store, people["shopper2"], 60, status="submitted")
    visit = make_visit(db, store, people["shopper"])
    submit_after(login, db, visit, 10)
    short = next(f for f in stored(db, visit) if f["code"] == "short_visit")
    assert short["params"]["usual_seconds"] == 3600
    assert 590 <= short["params"]["took_seconds"] <= 610
    took = duration_text(short["params"]["took_seconds"], NullTranslations().gettext)
    assert f"Much shorter than usual: {took} (usually 1 h)." in \
        page(login("admin"), f"/review/visits/{visit}")


def test_usual_length_needs_five_visits_of_the_set(db, people):
    store = make_store(db, "FEW-1")
    history(db, store, people["shopper2"], 60, count=4)
    version = db.execute("SELECT version_id FROM visits LIMIT 1").fetchone()[0]
    assert flag_rules.usual_seconds(db, version) is None
    history(db, store, people["shopper2"], 60, count=1)
    assert flag_rules.usual_seconds(db, version) == 3600


def test_usual_length_spans_the_versions_of_the_set(db, people):
    from audit.criteria_sets.versions import add_version, version_set

    store = make_store(db, "VER-1")
    history(db, store, people["shopper2"], 30)
    old = db.execute("SELECT version_id FROM visits LIMIT 1").fetchone()[0]
    set_id = db["criteria_versions"].get(old)["set_id"]
    new = add_version(db, set_id, version_set(db, old), publish=True)
    assert flag_rules.usual_seconds(db, new) == 1800


# ---------------------------------------------------------------- one distance function


def test_far_start_uses_the_one_distance_function(login, db, people):
    visit = make_visit(db, make_store(db, "FAR-1"), people["shopper"])
    login("shopper").post(f"/shopper/visits/{visit}/start",
                          {"lat": str(KRAKOW[0]), "lon": str(KRAKOW[1]), "accuracy": "30"})
    row = db["visits"].get(visit)
    metres = flag_rules.distance_m(*KRAKOW, *WARSAW)
    assert 250_000 < metres < 255_000  # Kraków to Warsaw, as the crow flies
    assert row["start_distance_m"] == pytest.approx(metres)
    assert stored(db, visit) == [{"code": "far_start",
                                  "params": {"metres": round(metres), "accuracy": 30}}]
    haversines = [p.relative_to(ROOT).as_posix() for p in (ROOT / "audit").rglob("*.py")
                  if "def distance_m" in p.read_text() or "asin(" in p.read_text()]
    assert haversines == ["audit/visits/flags.py"]


def test_a_start_near_the_store_raises_no_flag():
    metres, raised = flag_rules.start_flags("physical", (52.2301, 21.0101), WARSAW, 10, 1000)
    assert metres < 50 and raised == []
    assert flag_rules.start_flags("online", (None, None), (None, None), None, 1000) == (None, [])


# ---------------------------------------------------------------- cost does not grow with history


def queue_cost(db) -> tuple[int, int]:
    """(statements, SQLite VM steps / 100) of building the queue with its warning texts."""
    from audit.web.flag_text import flag_text

    statements, steps = [], [0]

    def step() -> int:
        steps[0] += 1
        return 0

    db.conn.set_trace_callback(statements.append)
    db.conn.set_progress_handler(step, 100)
    try:
        for v in review_flow.review_queue(db):
            [flag_text(f) for f in v["warnings"]]
    finally:
        db.conn.set_trace_callback(None)
        db.conn.set_progress_handler(None, 0)
    return len(statements), steps[0]


def test_queue_cost_does_not_grow_with_published_visits(db, people):
    store = make_store(db, "BIG-1")
    for _ in range(3):
        make_visit(db, store, people["shopper"], "submitted", answers=ANSWERS,
                   ended_at="2026-11-02T10:25:00+00:00", submitted_at=ago(0))

    def publish(count: int) -> None:
        first = datetime(2020, 1, 1, tzinfo=UTC)
        version = db.execute("SELECT version_id FROM visits LIMIT 1").fetchone()[0]
        with db.atomic():
            db["visits"].insert_all({
                "store_id": store, "shopper_id": people["shopper2"], "version_id": version,
                "status": "published", "window_start": "2020-01-01", "window_end": "2030-01-01",
                "started_at": (first + timedelta(days=n)).isoformat(),
                "ended_at": (first + timedelta(days=n, minutes=30)).isoformat(),
                "submitted_at": (first + timedelta(days=n, minutes=30)).isoformat(),
                "flags": "[]", "created_at": "2020-01-01", "updated_at": "2020-01-01"}
                for n in range(count))

    publish(50)
    queue_cost(db)  # parsed versions cached, as after the first page
    small = queue_cost(db)
    publish(450)
    large = queue_cost(db)
    assert large[0] == small[0]
    assert large[1] <= small[1] * 1.1 + 2, (small, large)


# ---------------------------------------------------------------- m011: old sentences to codes


def test_m011_turns_old_sentences_into_codes_with_figures(tmp_path):
    from audit.criteria_sets.versions import load_builtin_sets
    from audit.storage.db import open_db
    from audit.storage.migrations import migrations

    old = open_db(tmp_path / "old.db")
    migrations.apply(old, stop_before="m011_flags_as_codes")
    load_builtin_sets(old)
    # A user as that schema holds one (create_user logs to m013's user_log, not there yet).
    shopper = old["users"].insert({"email": "old@example.com", "name": "Old", "role": "shopper",
                                   "password_hash": "x", "created_at": "2026-01-01"}).last_pk
    store = make_store(old, "OLD-1")
    sentences = [
        {"code": "no_position", "message": "При начале визита телефон не передал местоположение."},
        {"code": "far_start", "message": "Rozpoczęta 2400 m od sklepu (dokładność: 12 m)."},
        {"code": "short_visit",
         "message": "Визит длился 4 мин; визиты по этому набору обычно длятся 25 мин."},
        {"code": "strange", "message": "Something else."},
    ]
    visit = make_visit(old, store, shopper, "submitted", started_at="2026-11-02T10:00:00+00:00",
                       ended_at="2026-11-02T10:04:00+00:00", start_distance_m=2400.4,
                       start_accuracy=12.0, flags=json.dumps(sentences, ensure_ascii=False))
    plain = make_visit(old, store, shopper, "submitted")
    migrations.apply(old)
    assert stored(old, visit) == [
        {"code": "no_position", "params": {}},
        {"code": "far_start", "params": {"metres": 2400, "accuracy": 12}},
        {"code": "short_visit", "params": {"took_seconds": 240, "usual_seconds": 1500}},
        {"code": "strange", "params": {"message": "Something else."}},
    ]
    assert stored(old, plain) == []
    old.close()
