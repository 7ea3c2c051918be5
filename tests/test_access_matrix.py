"""Every route × every role: the expected answer is written down here, once.

A route missing from ACCESS fails the suite, so a new route cannot ship unguarded.
"""

from __future__ import annotations

import pytest

# Who may use each endpoint: public, any (logged in), shopper, manager, admin, reviewer, staff
# (manager or admin), token (a bearer token only: every session, logged in or not, gets 401).
ACCESS = {
    "auth.login": "public",
    "auth.logout": "any",
    "auth.logout_everywhere": "any",
    "auth.home": "any",
    "health.healthz": "public",
    "favicon.favicon": "public",
    "i18n.choose_language": "public",
    "admin.index": "admin",
    "admin.users": "admin",
    "admin.user_new": "admin",
    "admin.user_edit": "admin",
    "admin.user_logout": "admin",
    "admin.stores": "admin",
    "admin.store_edit": "admin",
    "admin.store_archive": "admin",
    # -- shopper (field app) --
    "shopper.index": "shopper",
    "shopper.visit": "shopper",
    "shopper.start": "shopper",
    "shopper.section": "shopper",
    "shopper.summary": "shopper",
    "shopper.end": "shopper",
    "shopper.draft": "shopper",
    "shopper.submit": "shopper",
    "shopper.photo_upload": "shopper",
    "shopper.photo_delete": "shopper",
    "shopper.state": "shopper",
    "shopper.service_worker": "shopper",
    "photos.photo": "any",
    # -- manager portal --
    "manager.index": "manager",
    "manager.store": "manager",
    "manager.store_report": "manager",
    "manager.visit_report": "manager",
    "manager.answers_csv": "manager",
    # -- review --
    "review.index": "reviewer",
    "review.visit": "reviewer",
    "review.approve": "reviewer",
    "review.publish": "reviewer",
    "review.return_visit": "reviewer",
    "review.correct": "reviewer",
    "review.batch": "reviewer",
    "admin.reports": "admin",
    "admin.summary_report": "admin",
    "admin.answers_csv": "admin",
    # -- background report jobs --
    "admin.report_run_start": "admin",
    "admin.report_run": "admin",
    "admin.report_run_cancel": "admin",
    "admin.report_run_retry": "admin",
    "admin.report_run_zip": "admin",
    # -- admin: criteria sets --
    "admin.criteria_sets": "admin",
    "admin.criteria_import": "admin",
    "admin.criteria_set_new": "admin",
    "admin.criteria_set": "admin",
    "admin.criteria_archive": "admin",
    "admin.criteria_duplicate": "admin",
    "admin.criteria_diff": "admin",
    "admin.criteria_export": "admin",
    "admin.criteria_preview": "admin",
    "admin.criteria_publish": "admin",
    "admin.criteria_edit": "admin",
    "admin.criteria_move": "admin",
    "admin.criteria_section": "admin",
    "admin.criteria_criterion": "admin",
    "admin.criteria_yaml": "admin",
    # -- actions --
    "manager.actions": "manager",
    "manager.action_new": "manager",
    "manager.action": "manager",
    "manager.action_status": "manager",
    "admin.store_actions": "admin",
    "admin.visit_followup": "admin",
    # -- admin: visit scheduling --
    "admin.visits": "admin",
    "admin.visit_new": "admin",
    "admin.visit_edit": "admin",
    "admin.visit_cancel": "admin",
    "admin.visit_undo_cancel": "admin",
    # -- the JSON API: bearer tokens only, a session never opens it (tests/test_api.py) --
    "api.openapi": "public",
    "api.stores": "token",
    "api.store": "token",
    "api.store_period_figures": "token",
    "api.region_period_figures": "token",
    "api.visits": "token",
    "api.visit": "token",
    "api.actions": "token",
    "api_tokens.index": "staff",
    "api_tokens.revoke": "staff",
    # -- e-mail: the outbox, each user's choices, the one-click unsubscribe --
    "admin.outbox_page": "admin",
    "admin.outbox_resend": "admin",
    "account.notifications": "any",
    "account.unsubscribe": "public",
}

ROLES = [None, "shopper", "manager", "plain_admin", "admin"]


def allowed(rule: str, who: str | None) -> bool:
    """Whether `who` may use a route with this access rule."""
    return {
        "public": True,
        "any": who is not None,
        "shopper": who == "shopper",
        "manager": who == "manager",
        "admin": who in ("admin", "plain_admin"),
        "reviewer": who == "admin",
        "staff": who in ("manager", "admin", "plain_admin"),
        "token": False,
    }[rule]


def routes(app):
    """(endpoint, rule, methods) for every route of ours."""
    return [
        (r.endpoint, r, r.methods - {"HEAD", "OPTIONS"})
        for r in app.url_map.iter_rules()
        if r.endpoint != "static"
    ]


def test_every_route_has_an_access_rule(app):
    endpoints = {endpoint for endpoint, _r, _m in routes(app)}
    assert endpoints - set(ACCESS) == set(), "add the new routes to ACCESS"
    assert set(ACCESS) - endpoints == set(), "ACCESS names routes that no longer exist"


@pytest.mark.parametrize("who", ROLES)
def test_role_route_matrix(app, sample, login, who):
    client = login(who)
    for endpoint, rule, methods in routes(app):
        url = rule.build({k: sample[k] for k in rule.arguments}, append_unknown=False)[1]
        method = "GET" if "GET" in methods else "POST"
        if method == "POST" and allowed(ACCESS[endpoint], who):
            continue  # writes are tested where they belong; here only refusals matter
        response = client.get(url) if method == "GET" else client.post(url)
        expected = ACCESS[endpoint]
        if allowed(expected, who):
            assert response.status_code in (200, 302), (endpoint, who, response.status_code)
            if response.status_code == 302 and expected != "public":
                assert "/login" not in response.location, (endpoint, who)
        elif expected == "token":
            assert response.status_code == 401, (endpoint, who, response.status_code)
        elif who is None:
            assert response.status_code == 302 and "/login" in response.location, (endpoint,)
        else:
            assert response.status_code == 403, (endpoint, who, response.status_code)
