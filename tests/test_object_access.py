"""Object-level access: every route that takes an object id × every role, asked for an object
that belongs to SOMEONE ELSE. The expected answer is written down here, once.

tests/test_access_matrix.py checks who may use a route at all; this file checks that a role that
may use it still cannot reach another person's object through it. A route (or a rule of one)
taking an id without an entry here fails the suite, and so does a view that reads an id from the
query string (request.args.get(..., type=int)) without an entry in QUERY_IDS.

The `foreign` fixture (tests/conftest.py) builds the other people's objects: a store managed only
by 'manager2', visits of 'shopper2' there (one published, with a photo), an action there, a job
started by 'manager2', and an approved (not yet published) visit of 'shopper2' with a photo in
'manager''s own store.
"""

from __future__ import annotations

import inspect
import re

import pytest
from table_dump import changed_tables, table_dump
from test_access_matrix import ACCESS, ROLES, allowed

OK = "ok"  # 200 or a redirect that is not to the login page: admins see every object

# endpoint: {role: answer} for someone else's objects (every id in the URL from `foreign`).
# Roles: "shopper", "manager", "admin" (both admins); only roles ACCESS lets use the route.
OBJECT_ACCESS = {
    # The field app: another shopper's visit does not exist for a shopper (no id probing).
    "shopper.visit": {"shopper": 404},
    "shopper.start": {"shopper": 404},
    "shopper.section": {"shopper": 404},
    "shopper.summary": {"shopper": 404},
    "shopper.end": {"shopper": 404},
    "shopper.draft": {"shopper": 404},
    "shopper.submit": {"shopper": 404},
    "shopper.photo_upload": {"shopper": 404},
    "shopper.photo_delete": {"shopper": 404},
    "shopper.state": {"shopper": 404},
    # Photos: 404 for anyone who may not see it, so ids reveal nothing.
    "photos.photo": {"shopper": 404, "manager": 404, "admin": OK},
    # Manager portal: another manager's store (and what hangs off it) is 403.
    "manager.store": {"manager": 403},
    "manager.store_report": {"manager": 403},
    "manager.visit_report": {"manager": 403},
    "manager.action_new": {"manager": 403},
    "manager.action": {"manager": 403},
    "manager.action_status": {"manager": 403},
    # Review: reviewers (admins) review every shopper's visit.
    "review.visit": {"admin": OK},
    "review.approve": {"admin": OK},
    "review.publish": {"admin": OK},
    "review.return_visit": {"admin": OK},
    "review.correct": {"admin": OK},
    # Admin: admins manage every object; ownership does not narrow it.
    "admin.user_edit": {"admin": OK},
    "admin.user_logout": {"admin": OK},
    "admin.store_edit": {"admin": OK},
    "admin.store_archive": {"admin": OK},
    "admin.store_actions": {"admin": OK},
    "admin.visit_followup": {"admin": OK},
    "admin.visit_edit": {"admin": OK},
    "admin.visit_cancel": {"admin": OK},
    "admin.visit_undo_cancel": {"admin": OK},
    # The foreign job is 'manager2''s one-store report, not a run of many: not on these pages.
    "admin.report_run": {"admin": 404},
    "admin.report_run_cancel": {"admin": 404},
    "admin.report_run_retry": {"admin": 404},
    "admin.report_run_zip": {"admin": 404},
    "admin.criteria_set": {"admin": OK},
    "admin.criteria_archive": {"admin": OK},
    "admin.criteria_duplicate": {"admin": OK},
    "admin.criteria_diff": {"admin": OK},
    "admin.criteria_export": {"admin": OK},
    "admin.criteria_preview": {"admin": OK},
    "admin.criteria_publish": {"admin": OK},
    "admin.criteria_edit": {"admin": OK},
    "admin.criteria_move": {"admin": OK},
    "admin.criteria_section": {"admin": OK},
    "admin.criteria_criterion": {"admin": OK},
    "admin.criteria_yaml": {"admin": OK},
    # Tokens: another person's token does not exist for you.
    "api_tokens.revoke": {"manager": 404, "admin": 404},
    # The outbox: admins resend any message. An unsubscribe token is its own credential (a
    # signed user and kind, for one-click links in e-mails): anyone holding it may use it.
    "admin.outbox_resend": {"admin": OK},
    "account.unsubscribe": {None: OK, "shopper": OK, "manager": OK, "admin": OK},
}

# Routes taking a published visit or a photo, asked for one of the manager's OWN store that is
# not published yet (shot by 'shopper2'); the shopper's own visit id with that photo for
# shopper.photo_delete. Every route with such an argument needs an entry.
UNPUBLISHED = {
    "manager.visit_report": {"manager": 404},
    "photos.photo": {"shopper": 404, "manager": 404, "admin": OK},
    "shopper.photo_delete": {"shopper": 404},
}
UNPUBLISHED_ARGS = {"published_visit_id": "unpublished_visit_id",
                    "published_visit_ref": "unpublished_visit_ref",
                    "photo_id": "unpublished_photo_id"}

# (endpoint, query parameter): {role: answer}, the path ids from `sample` (the role's own).
QUERY_IDS = {
    ("manager.answers_csv", "store_id"): {"manager": 403},
    # ?job= only picks which of THIS store's jobs the page shows; another's job is ignored.
    ("manager.store_report", "job"): {"manager": OK},
    ("admin.criteria_diff", "new"): {"admin": OK},
    ("admin.criteria_diff", "old"): {"admin": OK},
}
QUERY_VALUES = {"store_id": "store_id", "job": "job_id", "new": "version_id", "old": "version_id"}

QUERY_ID = re.compile(r"""request\.args\.get\(\s*["'](\w+)["']\s*,\s*type=(?:int|row_id)""")


def kind(who: str | None) -> str | None:
    """The table's role name for a logged-in test person."""
    return "admin" if who == "plain_admin" else who


def object_rules(app):
    """Every URL rule of ours that takes an argument (an object id or a key inside one)."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static" and r.arguments]


def url_of(rule, values: dict) -> str:
    """The rule's URL with its arguments taken from values."""
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def check(client, db, endpoint: str, who: str | None, url: str, method: str, expected):
    """Ask once; assert the answer, that a refusal wrote nothing, and that nothing leaked."""
    before = table_dump(db)
    response = client.get(url) if method == "GET" else client.post(url)
    where = (endpoint, who, method, url, response.status_code)
    if expected == OK:
        assert response.status_code in (200, 302), where
        if response.status_code == 302:
            assert "/login" not in response.location, where
    elif expected == "login":
        assert response.status_code == 302 and "/login" in response.location, where
    else:
        assert response.status_code == expected, where
    if expected != OK:
        assert changed_tables(before, table_dump(db)) == [], where
    if kind(who) != "admin":  # admins see every job, a manager only their store's
        assert b"FOREIGN-JOB-MESSAGE" not in response.data, where


def expectation(table: dict, endpoint: str, who: str | None):
    """The written-down answer: the role refusal when ACCESS says no, else the table's entry.

    The API answers every session 401 before it looks at an object (tests/test_api.py checks
    objects with tokens)."""
    if ACCESS[endpoint] == "token":
        return 401
    if not allowed(ACCESS[endpoint], who):
        return "login" if who is None else 403
    return table[endpoint][kind(who)]


def methods_to_try(rule, expected) -> list[str]:
    """GET where there is one; POST too unless the answer is OK (writes are tested elsewhere)."""
    methods = [m for m in ("GET", "POST") if m in rule.methods]
    return [m for m in methods if not (m == "POST" and expected == OK)]


def test_every_object_route_has_an_entry(app):
    missing = []
    for rule in object_rules(app):
        entry = OBJECT_ACCESS.get(rule.endpoint, {})
        for who in ROLES:
            if allowed(ACCESS[rule.endpoint], who) and kind(who) not in entry:
                missing.append((rule.endpoint, kind(who)))
        if set(rule.arguments) & set(UNPUBLISHED_ARGS) and rule.endpoint not in UNPUBLISHED:
            missing.append((rule.endpoint, "UNPUBLISHED"))
    assert missing == [], "write down who gets what for someone else's object"
    endpoints = {r.endpoint for r in object_rules(app)}
    assert set(OBJECT_ACCESS) - endpoints == set(), "OBJECT_ACCESS names routes without ids"


def test_every_id_read_from_the_query_string_has_an_entry(app):
    found = {(endpoint, name) for endpoint, view in app.view_functions.items()
             for name in QUERY_ID.findall(inspect.getsource(view))}
    assert found - set(QUERY_IDS) == set(), "add the query-string ids to QUERY_IDS"
    assert set(QUERY_IDS) - found == set(), "QUERY_IDS names ids no view reads"


def test_the_foreign_objects_belong_to_someone_else(db, people, sample, foreign):
    """The fixture itself: a test that passes with the person's own objects proves nothing."""
    assert db["visits"].get(foreign["visit_id"])["shopper_id"] == people["shopper2"]
    assert db["visits"].get(foreign["unpublished_visit_id"])["store_id"] == sample["store_id"]
    assert db["visits"].get(foreign["unpublished_visit_id"])["status"] != "published"
    managers = {r["user_id"] for r in db["store_managers"].rows_where(
        "store_id = ?", [foreign["store_id"]])}
    assert managers == {people["manager2"]}
    assert db["actions"].get(foreign["action_id"])["store_id"] == foreign["store_id"]


@pytest.mark.parametrize("who", ROLES)
def test_someone_elses_object_is_refused(app, db, foreign, login, who):
    client = login(who)
    for rule in object_rules(app):
        expected = expectation(OBJECT_ACCESS, rule.endpoint, who)
        for method in methods_to_try(rule, expected):
            check(client, db, rule.endpoint, who, url_of(rule, foreign), method, expected)


@pytest.mark.parametrize("who", ROLES)
def test_an_unpublished_object_of_my_own_store_is_refused(app, db, sample, foreign, login, who):
    client = login(who)
    values = {**sample, **{k: foreign[v] for k, v in UNPUBLISHED_ARGS.items()}}
    for rule in object_rules(app):
        if rule.endpoint in UNPUBLISHED and set(rule.arguments) & set(UNPUBLISHED_ARGS):
            expected = expectation(UNPUBLISHED, rule.endpoint, who)
            for method in methods_to_try(rule, expected):
                check(client, db, rule.endpoint, who, url_of(rule, values), method, expected)


@pytest.mark.parametrize("who", ROLES)
def test_someone_elses_id_in_the_query_string_is_refused(app, db, sample, foreign, login, who):
    client = login(who)
    for (endpoint, name), answers in QUERY_IDS.items():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        expected = expectation({endpoint: answers}, endpoint, who)
        url = f"{url_of(rule, sample)}?{name}={foreign[QUERY_VALUES[name]]}"
        check(client, db, endpoint, who, url, "GET", expected)
