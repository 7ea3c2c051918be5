"""API tokens: the domain functions, the page where users make and revoke their own, the CLI."""

from __future__ import annotations

import re

import pytest
from conftest import make_user
from table_dump import changed_tables, table_dump

from audit.api_tokens import (
    MAX_TOKENS,
    PREFIX,
    create_token,
    revoke_token,
    token_hash,
    user_for_token,
    user_tokens,
)
from audit.errors import Invalid, NotFound

PAGE = "/account/api-tokens/"


def stores(app, secret: str) -> int:
    """The status of GET /api/v1/stores with this token."""
    return app.test_client().get("/api/v1/stores",
                                 headers={"Authorization": f"Bearer {secret}"}).status_code


# ---------------------------------------------------------------- domain


def test_a_token_is_256_random_bits_kept_only_as_its_sha256(db, people):
    token_id, secret = create_token(db, people["manager"], "  Power   BI ")
    assert secret.startswith(PREFIX) and len(secret) >= len(PREFIX) + 43
    row = db["api_tokens"].get(token_id)
    assert row["token_hash"] == token_hash(secret) and secret not in str(row)
    assert row["name"] == "Power BI"
    assert user_for_token(db, secret)["id"] == people["manager"]


@pytest.mark.parametrize(("name", "code"), [("   ", "token_name_missing"),
                                            ("x" * 81, "token_name_long")])
def test_a_token_needs_a_short_name_and_a_refusal_writes_nothing(db, people, name, code):
    before = table_dump(db)
    with pytest.raises(Invalid) as refused:
        create_token(db, people["manager"], name)
    assert refused.value.code == code
    assert changed_tables(before, table_dump(db)) == []


def test_a_user_has_at_most_a_handful_of_live_tokens(db, people):
    ids = [create_token(db, people["manager"], f"t{i}")[0] for i in range(MAX_TOKENS)]
    with pytest.raises(Invalid):
        create_token(db, people["manager"], "one too many")
    revoke_token(db, people["manager"], ids[0])
    create_token(db, people["manager"], "room again")


def test_nobody_revokes_another_users_token(db, people):
    token_id, secret = create_token(db, people["manager2"], "theirs")
    with pytest.raises(NotFound):
        revoke_token(db, people["manager"], token_id)
    assert user_for_token(db, secret) is not None


# ---------------------------------------------------------------- the page


def test_a_manager_makes_a_token_that_is_shown_once_and_works(app, db, login, people):
    manager = login("manager")
    made = manager.post(PAGE, {"name": "Power BI"})
    assert made.status_code == 201
    secret = re.search(rf"data-token>({PREFIX}[\w-]+)<", made.text).group(1)
    assert stores(app, secret) == 200
    listed = manager.get(PAGE)
    assert "Power BI" in listed.text and secret not in listed.text
    assert secret not in (made.headers.get("Set-Cookie") or "")


def test_a_manager_revokes_their_token_and_it_stops_working(app, db, login, people):
    token_id, secret = create_token(db, people["manager"], "old script")
    response = login("manager").post(f"{PAGE}{token_id}/revoke")
    assert response.status_code == 302
    assert stores(app, secret) == 401
    assert user_tokens(db, people["manager"])[0]["revoked_at"] is not None


def test_the_tokens_page_refuses_a_form_without_its_csrf_token(app, db, login, people):
    token_id, secret = create_token(db, people["manager"], "kept")
    manager = login("manager")
    assert manager.post(PAGE, {"name": "x", "csrf_token": ""}).status_code == 400
    assert manager.post(f"{PAGE}{token_id}/revoke", {"csrf_token": ""}).status_code == 400
    assert stores(app, secret) == 200 and len(user_tokens(db, people["manager"])) == 1


def test_a_nameless_token_is_refused_on_the_form(db, login, people):
    response = login("manager").post(PAGE, {"name": "  "})
    assert response.status_code == 422
    assert user_tokens(db, people["manager"]) == []


def test_a_shopper_has_no_tokens_page(login):
    assert login("shopper").get(PAGE).status_code == 403


@pytest.mark.parametrize(("lang", "title"), [("en", "API tokens"), ("pl", "Tokeny API"),
                                             ("ru", "API-токены")])
def test_the_tokens_page_speaks_the_users_language(db, login, people, lang, title):
    db["users"].update(people["manager"], {"language": lang})
    page = login("manager").get(PAGE)
    assert f"<h1>{title}</h1>" in page.text


# ---------------------------------------------------------------- CLI


def test_the_cli_prints_a_new_working_token_once(app, db, runner, people):
    result = runner.invoke(args=["api-token", "create", "manager@example.com", "--name", "BI"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert stores(app, secret) == 200
    assert [t["name"] for t in user_tokens(db, people["manager"])] == ["BI"]


def test_the_cli_refuses_an_unknown_email_clearly(runner, people):
    result = runner.invoke(args=["api-token", "create", "nobody@example.com"])
    assert result.exit_code == 1
    assert "No user has the e-mail nobody@example.com" in result.output


def test_a_shoppers_cli_token_answers_403(app, db, runner):
    make_user(db, "shopper", "walker@example.com")
    result = runner.invoke(args=["api-token", "create", "walker@example.com"])
    assert result.exit_code == 0, result.output
    assert stores(app, result.stdout.strip()) == 403
