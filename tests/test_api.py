"""The read-only JSON API (/api/v1/): bearer tokens, what a token sees, the OpenAPI document,
the figures equal to the PDFs', cursor paging, the rate limit."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from conftest import make_store, make_user, make_visit
from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator import OAS31Validator
from test_fuzz_forms import QUERY_NAMES, SETTINGS, values_st
from test_reports import published

from audit import create_app
from audit.api.openapi import PATHS, document
from audit.api_tokens import create_token, revoke_token, token_hash
from audit.stores import set_manager_regions
from reports import aggregate
from reports.period import Period

SHOPPER_NAME = "Zofia Tajemnicza"
SHOPPER_EMAIL = "zofia.tajemnicza@example.com"
YEAR = "start=2026-01-01&end=2026-12-31"


@pytest.fixture
def world(app, db, people):
    """Two regions, three stores; 'manager' has OWN-1, 'manager2' OTHER-1 (same region) and
    SOUTH-1 through the South region; published visits by a named shopper; an action."""
    shopper = make_user(db, "shopper", SHOPPER_EMAIL, name=SHOPPER_NAME)
    own = make_store(db, "OWN-1", region="North")
    other = make_store(db, "OTHER-1", region="North")
    south = make_store(db, "SOUTH-1", region="South")
    db["store_managers"].insert({"store_id": own, "user_id": people["manager"]})
    db["store_managers"].insert({"store_id": other, "user_id": people["manager2"]})
    set_manager_regions(db, people["manager2"], ["South"])
    visits = {
        "own": [published(db, own, shopper, day, n) for n, day in
                enumerate(["2026-03-04", "2026-04-10", "2026-05-12", "2026-06-20"])],
        "other": [published(db, other, shopper, "2026-04-11", 7)],
        "south": [published(db, south, shopper, "2026-04-12", 8)],
    }
    action = db["actions"].insert({
        "store_id": own, "criterion_key": "greeted_on_entry", "text": "Greet everyone",
        "due_date": "2099-01-01", "status": "open", "source_visit_id": visits["own"][0],
        "created_by": people["manager"], "created_at": "2026-03-05T00:00:00+00:00",
        "updated_at": "2026-03-05"}).last_pk
    db["actions"].insert({
        "store_id": other, "text": "Not yours", "due_date": "2099-01-01", "status": "open",
        "created_at": "2026-03-05T00:00:00+00:00", "updated_at": "2026-03-05"})
    tokens = {who: create_token(db, people[who], f"{who} tool")[1]
              for who in ("admin", "manager", "manager2", "shopper")}
    return {"own": own, "other": other, "south": south, "visits": visits, "action": action,
            "ref_of": lambda visit_id: db["visits"].get(visit_id)["ref"],
            "tokens": tokens, "shopper": shopper}


class Api:
    """GET /api/v1/... with a bearer token, each answer checked against the OpenAPI document."""

    def __init__(self, app, token: str | None):
        self.http = app.test_client()
        self.token = token

    def get(self, path: str, status: int = 200):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.get("/api/v1" + path, headers=headers)
        assert response.status_code == status, (path, response.status_code, response.text)
        assert response.mimetype == "application/json", path
        conforms(path, response)
        return response.get_json()


def schema_of(path: str, status: int) -> dict:
    """The response schema the document gives for a concrete path and status."""
    doc = document()
    route = path.split("?")[0]
    for template, *_rest in PATHS:
        parts, given = template.split("/"), route.split("/")
        if len(parts) == len(given) and all(
                p == g or p.startswith("{") for p, g in zip(parts, given, strict=True)):
            answer = doc["paths"][template]["get"]["responses"][str(status)]
            return answer["content"]["application/json"]["schema"]
    raise AssertionError(f"{path} is not in the OpenAPI document")


def conforms(path: str, response) -> None:
    """The answer validates against its schema in the document (with its components)."""
    if path.startswith("/openapi.json"):
        return
    # The document's components beside the $ref, so "#/components/..." resolves in it.
    schema = {**schema_of(path, response.status_code), "components": document()["components"]}
    OAS31Validator(schema).validate(response.get_json())


def api(app, world, who: str | None) -> Api:
    return Api(app, world["tokens"][who] if who else None)


# ---------------------------------------------------------------- who may call it


def test_a_managers_token_lists_only_their_stores(app, world):
    stores = api(app, world, "manager").get("/stores")["items"]
    assert [s["code"] for s in stores] == ["OWN-1"]


def test_a_region_managers_token_lists_the_stores_of_their_region_too(app, world):
    stores = api(app, world, "manager2").get("/stores")["items"]
    assert [s["code"] for s in stores] == ["OTHER-1", "SOUTH-1"]


def test_an_admins_token_lists_every_store(app, world):
    stores = api(app, world, "admin").get("/stores")["items"]
    assert {s["code"] for s in stores} == {"OWN-1", "OTHER-1", "SOUTH-1"}


def test_a_shoppers_token_is_refused_with_403(app, world):
    answer = api(app, world, "shopper").get("/stores", 403)
    assert answer["error"] == "forbidden"


def test_no_token_is_refused_with_401_saying_how_to_authenticate(app, world):
    response = app.test_client().get("/api/v1/stores")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "token_missing"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "Token x"])
def test_a_wrong_or_malformed_token_is_refused_with_401(app, world, header):
    response = app.test_client().get("/api/v1/stores", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_session_cookie_alone_does_not_open_the_api(app, world, login):
    manager = login("manager")
    assert manager.get("/manager/").status_code == 200  # the session works in the portal
    response = manager.get("/api/v1/stores")
    assert response.status_code == 401
    assert b"OWN-1" not in response.data


def test_a_revoked_token_stops_working_at_once(app, db, world, people):
    client = api(app, world, "manager")
    client.get("/stores")
    token_id = db.execute("SELECT id FROM api_tokens WHERE token_hash = ?",
                          [token_hash(world["tokens"]["manager"])]).fetchone()[0]
    revoke_token(db, people["manager"], token_id)
    assert client.get("/stores", 401)["error"] == "token_invalid"


def test_a_deactivated_users_token_stops_working(app, db, world, people):
    db["users"].update(people["manager"], {"active": 0})
    api(app, world, "manager").get("/stores", 401)


def test_the_database_keeps_only_the_sha256_of_a_token(db, world):
    secret = world["tokens"]["manager"]
    dump = "\n".join(json.dumps(r) for r in db.query("SELECT * FROM api_tokens"))
    assert secret not in dump
    assert token_hash(secret) in dump


def test_a_token_notes_when_it_was_last_used(app, db, world):
    secret = world["tokens"]["manager"]
    row = "SELECT last_used_at FROM api_tokens WHERE token_hash = ?"
    assert db.execute(row, [token_hash(secret)]).fetchone()[0] is None
    api(app, world, "manager").get("/stores")
    assert db.execute(row, [token_hash(secret)]).fetchone()[0] is not None


def test_the_api_takes_no_writes(app, world):
    response = app.test_client().post("/api/v1/stores", headers={
        "Authorization": f"Bearer {world['tokens']['manager']}"})
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_an_unknown_api_url_answers_json_404_and_other_pages_keep_theirs(app):
    assert app.test_client().get("/api/v1/nothing").get_json()["error"] == "not_found"
    assert app.test_client().get("/nothing").mimetype == "text/html"


# ---------------------------------------------------------------- what a token sees


def test_another_managers_store_and_its_visits_do_not_exist_for_a_token(app, world):
    client = api(app, world, "manager")
    other = world["other"]
    assert client.get(f"/stores/{other}", 404)["error"] == "not_found"
    client.get(f"/stores/{other}/figures?{YEAR}", 404)
    client.get(f"/visits/{world['ref_of'](world['visits']['other'][0])}", 404)
    client.get(f"/actions?store_id={other}", 404)
    visits = client.get(f"/visits?{YEAR}&store_id={other}")
    assert visits["items"] == []


def test_a_visit_lists_its_sections_and_answers_in_checklist_order(app, db, world):
    visit_id = world["visits"]["own"][0]
    visit = api(app, world, "manager").get(f"/visits/{world['ref_of'](visit_id)}?lang=pl")
    assert visit["id"] == world['ref_of'](visit_id) and visit["id"] != str(visit_id)
    assert visit["score"] == pytest.approx(db["visits"].get(visit_id)["score"])
    assert visit["store_code"] == "OWN-1"
    stored = {r["criterion_key"] for r in db.query(
        "SELECT criterion_key FROM answers WHERE visit_id = ?", [visit_id])}
    assert {a["criterion_key"] for a in visit["answers"]} == stored
    assert len(visit["sections"]) == db.execute(
        "SELECT COUNT(*) FROM section_scores WHERE visit_id = ?", [visit_id]).fetchone()[0]
    greeted = next(a for a in visit["answers"] if a["criterion_key"] == "greeted_on_entry")
    assert greeted["type"] == "yes_no" and isinstance(greeted["value"], bool)


def test_an_unpublished_visit_does_not_exist_for_a_token(app, db, world, people):
    approved = make_visit(db, world["own"], world["shopper"], status="approved",
                          started_at="2026-06-01T10:00:00+00:00")
    client = api(app, world, "manager")
    client.get(f"/visits/{approved}", 404)
    ids = [v["id"] for v in client.get(f"/visits?{YEAR}")["items"]]
    assert str(approved) not in ids


def test_no_answer_of_the_api_names_the_shopper(app, db, world):
    client = api(app, world, "manager")
    answers = [client.get("/stores"), client.get(f"/visits?{YEAR}"),
               client.get(f"/visits/{world['ref_of'](world['visits']['own'][0])}"),
               client.get(f"/stores/{world['own']}/figures?{YEAR}"),
               client.get(f"/regions/North/figures?{YEAR}"), client.get("/actions")]
    text = json.dumps(answers, ensure_ascii=False).lower()
    assert "tajemnicza" not in text and "zofia" not in text
    assert {k for k in keys(answers) if any(w in k for w in ("shopper", "user", "email",
                                                               "created_by"))} == set()


def keys(value) -> set[str]:
    """Every key of every object in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_actions_list_the_users_stores_with_their_state(app, world):
    items = api(app, world, "manager").get("/actions")["items"]
    assert [(a["id"], a["state"], a["store_code"]) for a in items] == [
        (world["action"], "open", "OWN-1")]
    assert items[0]["source_visit"] == world['ref_of'](world["visits"]["own"][0])


# ---------------------------------------------------------------- figures = the PDFs' figures


def test_a_stores_period_figures_equal_its_report_data(app, db, world):
    period = Period(date(2026, 4, 1), date(2026, 6, 30))
    figures = api(app, world, "manager").get(
        f"/stores/{world['own']}/figures?start=2026-04-01&end=2026-06-30")
    report = aggregate.store_report(db, world["own"], period, "en")
    summary = report["summary"]
    assert figures["visits"] == summary["visits"] == 3
    assert figures["score"] == pytest.approx(summary["score"])
    assert figures["region_average"] == pytest.approx(summary["region"])
    assert figures["chain_average"] == pytest.approx(summary["chain"])
    assert figures["previous_visits"] == summary["previous_visits"] == 1
    assert [(s["key"], s["store"]) for s in figures["sections"]] == [
        (s["key"], pytest.approx(s["store"])) for s in report["sections"]]


def test_a_managers_region_figures_list_only_their_stores_without_ranks(app, db, world):
    mine = api(app, world, "manager").get(f"/regions/North/figures?{YEAR}")
    stores = [s for g in mine["groups"] for s in g["stores"]]
    assert [(s["store_code"], s["rank"]) for s in stores] == [("OWN-1", None)]
    everyone = api(app, world, "admin").get(f"/regions/North/figures?{YEAR}")
    assert {s["store_code"] for g in everyone["groups"] for s in g["stores"]} == {
        "OWN-1", "OTHER-1"}
    # The region average is the one the manager's store report prints as the benchmark.
    report = aggregate.summary_report(db, Period.parse("2026-01-01", "2026-12-31"), "en",
                                      "North")
    assert mine["groups"][0]["score"] == pytest.approx(report["groups"][0]["score"])


def test_a_region_without_a_store_of_the_manager_does_not_exist_for_them(app, world):
    api(app, world, "manager").get(f"/regions/South/figures?{YEAR}", 404)
    api(app, world, "admin").get(f"/regions/Nowhere/figures?{YEAR}", 404)


# ---------------------------------------------------------------- paging and parameters


def test_paging_with_the_cursor_returns_each_visit_once(app, world):
    client = api(app, world, "admin")
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get(f"/visits?{YEAR}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [v["id"] for v in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = [world['ref_of'](v) for vs in world["visits"].values() for v in vs]
    assert sorted(seen) == sorted(everything)
    assert len(set(seen)) == len(seen) and pages == 3


def test_the_period_narrows_the_visits(app, world):
    items = api(app, world, "manager").get("/visits?start=2026-04-01&end=2026-05-31")["items"]
    assert [v["day"] for v in items] == ["2026-04-10", "2026-05-12"]


@pytest.mark.parametrize(("query", "says"), [
    ("", "start=YYYY-MM-DD"),
    ("start=2026-13-01&end=2026-12-31", "'from' must be a date"),
    ("start=2026-12-31&end=2026-01-01", "after its end"),
    (f"{YEAR}&limit=0", "'limit'"),
    (f"{YEAR}&limit=500", "'limit'"),
    (f"{YEAR}&cursor=bm90LWEtY3Vyc29y", "'cursor'"),
    (f"{YEAR}&cursor=%%%", "'cursor'"),
    (f"{YEAR}&lang=de", "'lang'"),
    (f"{YEAR}&store_id=abc", "'store_id'"),
])
def test_a_wrong_parameter_is_refused_with_400_saying_which(app, world, query, says):
    answer = api(app, world, "manager").get(f"/visits?{query}", 400)
    assert answer["error"] == "bad_parameter" and says in answer["message"]


def test_fuzzed_query_strings_never_500_and_every_answer_matches_the_document(app, world):
    client = api(app, world, "manager")
    paths = ["/stores", f"/stores/{world['own']}", f"/stores/{world['own']}/figures",
             "/regions/North/figures", "/visits", f"/visits/{world['visits']['own'][0]}",
             "/actions"]

    @SETTINGS
    @given(path=st.sampled_from(paths),
           query=st.dictionaries(st.sampled_from(QUERY_NAMES + ["limit", "cursor"]), values_st,
                                 max_size=4))
    def ask(path, query):
        headers = {"Authorization": f"Bearer {client.token}"}
        response = client.http.get("/api/v1" + path, headers=headers,
                                    query_string={k: v[:2000] for k, v in query.items()})
        assert response.status_code in (200, 400, 404), (path, query, response.status_code)
        conforms(path, response)

    ask()


# ---------------------------------------------------------------- the document


def test_every_api_route_is_in_the_openapi_document(app):
    documented = {"/api/v1" + p for p in document()["paths"]}
    routes = {r.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
              for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    names = {"{ref}": "{visit}"}
    for old, new in names.items():
        routes = {r.replace(old, new) for r in routes}
    assert routes == documented


def test_the_openapi_document_is_served_without_a_token_and_its_schemas_are_valid(app):
    served = app.test_client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    doc = served.get_json()
    assert doc["openapi"].startswith("3.1") and doc["paths"]
    for schema in doc["components"]["schemas"].values():
        OAS31Validator.check_schema(schema)
    refs = set(re.findall(r"#/components/schemas/(\w+)", json.dumps(doc)))
    assert refs <= set(doc["components"]["schemas"])


# ---------------------------------------------------------------- rate limit


def test_the_rate_limit_counts_per_token(tmp_path, people_free_app):
    app, tokens = people_free_app
    first, second = Api(app, tokens[0]), Api(app, tokens[1])
    for _ in range(3):
        first.get("/stores")
    refused = first.http.get("/api/v1/stores", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    second.get("/stores")  # another token has its own count


@pytest.fixture
def people_free_app(tmp_path):
    """An app whose API allows 3 requests a minute, with two managers' tokens."""
    from audit.storage.db import open_db

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "a.db"),
                      "API_RATE_LIMIT": "3 per minute"})
    db = open_db(app.config["DATABASE"])
    tokens = [create_token(db, make_user(db, "manager", f"m{i}@example.com"), "t")[1]
              for i in range(2)]
    db.close()
    return app, tokens
