"""Action plans: the verification rule worked by hand, and the writes with their refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from conftest import make_store, make_visit

from audit.actions import ActionInput, create_action, set_status, update_action, watch_keys
from audit.criteria_sets.versions import add_version, current_version_id, version_set
from audit.errors import Invalid
from criteria.scoring import NA
from reports.actions import Outcome, counts, outcome, verify, with_outcomes

TODAY = date(2026, 11, 20)
DONE_AT = "2026-03-01T09:00:00+00:00"


def visit(visit_id, day, **answers):
    """A published visit as verify() sees it; answers as key=(na, points)."""
    return {"id": visit_id, "at": f"{day}T10:00:00+00:00", "day": day,
            "answers": {k: {"na": na, "points": p} for k, (na, p) in answers.items()}}


def action(key="greeted_on_entry", status="done", done_at=DONE_AT, due="2026-03-10"):
    """An action row as outcome() sees it."""
    return {"criterion_key": key, "status": status, "done_at": done_at, "due_date": due}


# ---------------------------------------------------------------- the rule, by hand


def test_full_points_at_the_next_visit_confirms():
    visits = [visit(1, "2026-03-12", greeted_on_entry=(False, 1.0))]
    assert verify(action(), visits) == Outcome("confirmed", 1, "2026-03-12", 1.0)


def test_less_than_full_points_is_not_confirmed_even_when_not_failed():
    # A rating of 4 of 5 earns 0.75: better than the report's "failed" (< 0.5), not full.
    visits = [visit(1, "2026-03-12", friendliness=(False, 0.75))]
    assert verify(action("friendliness"), visits).state == "not_confirmed"


def test_failed_again_is_not_confirmed():
    visits = [visit(1, "2026-03-12", greeted_on_entry=(False, 0.0))]
    assert verify(action(), visits) == Outcome("not_confirmed", 1, "2026-03-12", 0.0)


def test_only_the_first_later_visit_decides():
    visits = [visit(2, "2026-04-20", greeted_on_entry=(False, 1.0)),
              visit(1, "2026-03-12", greeted_on_entry=(False, 0.0))]
    assert verify(action(), visits).visit_id == 1


def test_visits_before_the_action_was_done_do_not_count():
    visits = [visit(1, "2026-02-27", greeted_on_entry=(False, 1.0))]
    assert verify(action(), visits).state == "awaiting"


def test_na_does_not_decide_and_the_next_visit_does():
    visits = [visit(1, "2026-03-12", greeted_on_entry=(True, None)),
              visit(2, "2026-04-20", greeted_on_entry=(False, 0.0))]
    assert verify(action(), visits) == Outcome("not_confirmed", 2, "2026-04-20", 0.0)
    assert verify(action(), visits[:1]).state == "awaiting"


def test_criterion_removed_in_a_new_version_stays_awaiting():
    visits = [visit(1, "2026-03-12", served_at_all=(False, 1.0))]
    assert verify(action(), visits).state == "awaiting"


def test_two_actions_on_one_criterion_are_verified_each_from_its_own_done_time():
    visits = [visit(1, "2026-03-05", greeted_on_entry=(False, 0.0)),
              visit(2, "2026-03-20", greeted_on_entry=(False, 1.0))]
    first = action(done_at="2026-03-01T09:00:00+00:00")
    second = action(done_at="2026-03-10T09:00:00+00:00")
    assert verify(first, visits).state == "not_confirmed"
    assert verify(second, visits) == Outcome("confirmed", 2, "2026-03-20", 1.0)


@pytest.mark.parametrize(("row", "expected"), [
    (action(status="open", due="2026-11-20"), "open"),
    (action(status="open", due="2026-11-19"), "overdue"),
    (action(status="dropped"), "dropped"),
    (action(key=None), "done"),
    (action(), "awaiting"),
])
def test_states_before_any_verification(row, expected):
    assert outcome(row, [], TODAY).state == expected


def test_open_actions_are_not_verified_even_when_a_visit_passes():
    visits = [visit(1, "2026-03-12", greeted_on_entry=(False, 1.0))]
    assert outcome(action(status="open", due="2026-12-01"), visits, TODAY).state == "open"


def test_counts_share_confirmed_is_of_verified_actions_only():
    rows = [{"outcome": Outcome(s)} for s in ("confirmed", "confirmed", "not_confirmed",
                                             "awaiting", "open")]
    got = counts(rows)
    assert (got["total"], got["confirmed"], got["awaiting"]) == (5, 2, 1)
    assert got["share_confirmed"] == pytest.approx(200 / 3)
    assert counts([])["share_confirmed"] is None


# ---------------------------------------------------------------- from the database


@pytest.fixture
def shop(db, people):
    """A store of 'manager' and its row."""
    store_id = make_store(db, "ACT-1")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    return db["stores"].get(store_id)


def new_action(db, store, people, key="greeted_on_entry", **extra):
    """An open action due in a week, created as 'manager'."""
    data = ActionInput("Brief the staff on greeting", "Anna", date.today() + timedelta(days=7),
                       key)
    return create_action(db, store, replace(data, **extra), user_id=people["manager"], lang="en")


def done(db, action_id, people, when):
    """Mark done, then pin the done time (tests need it before the visits they make)."""
    set_status(db, db["actions"].get(action_id), "done", "Briefed on Monday",
               user_id=people["manager"])
    db["actions"].update(action_id, {"done_at": when})


def outcome_of(db, action_id):
    """The computed outcome, as the portal shows it."""
    return with_outcomes(db, [db["actions"].get(action_id)], date.today())[0]["outcome"]


def test_published_visit_after_done_confirms_from_stored_answers(db, people, shop):
    action_id = new_action(db, shop, people)
    done(db, action_id, people, "2026-03-01T09:00:00+00:00")
    make_visit(db, shop["id"], people["shopper"], "published",
               answers={"greeted_on_entry": False}, started_at="2026-02-20T10:00:00+00:00")
    assert outcome_of(db, action_id).state == "awaiting"
    v = make_visit(db, shop["id"], people["shopper"], "published",
                   answers={"greeted_on_entry": True}, started_at="2026-03-12T10:00:00+00:00")
    assert outcome_of(db, action_id) == Outcome("confirmed", v, "2026-03-12", 1.0)


def test_unpublished_visits_never_verify(db, people, shop):
    action_id = new_action(db, shop, people)
    done(db, action_id, people, "2026-03-01T09:00:00+00:00")
    make_visit(db, shop["id"], people["shopper"], "approved",
               answers={"greeted_on_entry": True}, started_at="2026-03-12T10:00:00+00:00")
    assert outcome_of(db, action_id).state == "awaiting"


def test_stored_na_is_skipped_and_a_correction_changes_the_outcome_at_once(db, people, shop):
    action_id = new_action(db, shop, people, criterion_key="extra_till_opened")
    done(db, action_id, people, "2026-03-01T09:00:00+00:00")
    make_visit(db, shop["id"], people["shopper"], "published",
               answers={"extra_till_opened": NA}, started_at="2026-03-12T10:00:00+00:00")
    assert outcome_of(db, action_id).state == "awaiting"
    later = make_visit(db, shop["id"], people["shopper"], "published",
                       answers={"extra_till_opened": False},
                       started_at="2026-04-02T10:00:00+00:00")
    assert outcome_of(db, action_id).state == "not_confirmed"
    from audit.visits.answers import AnswerInput
    from audit.visits.review import correct
    db["visits"].update(later, {"status": "approved"})
    correct(db, later, people["admin"], AnswerInput("extra_till_opened", True),
            reason="The second till was opened.")
    db["visits"].update(later, {"status": "published"})
    assert outcome_of(db, action_id).state == "confirmed"


def test_criterion_dropped_by_a_newer_version_leaves_the_action_awaiting(db, people, shop):
    action_id = new_action(db, shop, people, criterion_key="wait_acknowledged")
    done(db, action_id, people, "2026-03-01T09:00:00+00:00")
    cs = version_set(db, current_version_id(db, "physical-store"))
    sections = [replace(s, criteria=[c for c in s.criteria if c.key != "wait_acknowledged"])
                for s in cs.sections]
    set_id = db.execute("SELECT id FROM criteria_sets WHERE key = 'physical-store'").fetchone()[0]
    add_version(db, set_id, replace(cs, sections=sections), publish=True)
    make_visit(db, shop["id"], people["shopper"], "published",
               answers={"greeted_on_entry": True}, started_at="2026-03-12T10:00:00+00:00")
    assert outcome_of(db, action_id).state == "awaiting"


def test_every_change_is_logged_with_who_and_when(db, people, shop):
    action_id = new_action(db, shop, people)
    row = db["actions"].get(action_id)
    update_action(db, row, ActionInput("Brief again", "Ola", date.fromisoformat(row["due_date"]),
                                       "greeted_on_entry"), user_id=people["admin"], lang="en")
    set_status(db, db["actions"].get(action_id), "done", "done it", user_id=people["manager"])
    log = list(db.query("SELECT * FROM action_log WHERE action_id = ? ORDER BY id", [action_id]))
    assert [r["change"] for r in log] == ["create", "edit", "done"]
    assert [r["user_id"] for r in log] == [people["manager"], people["admin"], people["manager"]]
    assert '"owner": "Anna"' in log[1]["old_value"] and '"owner": "Ola"' in log[1]["new_value"]
    assert all(r["at"] for r in log) and log[2]["note"] == "done it"


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"text": "   "}, "text", "Say what will be done."),
    ({"text": "x" * 501}, "text", "under 500"),
    ({"due_date": None}, "due_date", "Give a due date."),
    ({"due_date": date.today() - timedelta(days=1)}, "due_date", "in the past"),
    ({"criterion_key": "no_such_key"}, "criterion_key", "has no criterion “no_such_key”"),
    ({"criterion_key": "staff_description"}, "criterion_key", "has no criterion"),  # unscored
    ({"owner": "o" * 101}, "owner", "under 100"),
])
def test_refused_action_writes_nothing(db, people, shop, change, field, message):
    with pytest.raises(Invalid) as err:  # a plain function: no request, no Flask needed
        new_action(db, shop, people, **change)
    assert err.value.field == field and message in err.value.english
    assert db["actions"].count == 0 and db["action_log"].count == 0


def test_due_date_that_has_passed_may_stay_when_editing(db, people, shop):
    action_id = new_action(db, shop, people)
    db["actions"].update(action_id, {"due_date": "2026-01-05"})
    row = db["actions"].get(action_id)
    update_action(db, row, ActionInput("New words", None, date(2026, 1, 5), None),
                  user_id=people["manager"], lang="en")
    assert db["actions"].get(action_id)["text"] == "New words"


def test_status_moves_and_refusals(db, people, shop):
    action_id = new_action(db, shop, people)
    set_status(db, db["actions"].get(action_id), "done", None, user_id=people["manager"])
    assert db["actions"].get(action_id)["done_at"]
    with pytest.raises(Invalid, match="cannot change from done to dropped"):
        set_status(db, db["actions"].get(action_id), "dropped", None, user_id=people["manager"])
    set_status(db, db["actions"].get(action_id), "open", None, user_id=people["manager"])
    row = db["actions"].get(action_id)
    assert row["status"] == "open" and row["done_at"] is None


def test_a_failing_write_rolls_back_action_and_log(db, people, shop, monkeypatch):
    import audit.actions as actions

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "_log", boom)
    with pytest.raises(RuntimeError):
        new_action(db, shop, people)
    assert db["actions"].count == 0


def test_watch_keys_are_the_criteria_still_to_verify(db, people, shop):
    new_action(db, shop, people)
    b = new_action(db, shop, people, criterion_key="served_at_all")
    new_action(db, shop, people, criterion_key=None)
    c = new_action(db, shop, people, criterion_key="friendliness")
    set_status(db, db["actions"].get(c), "dropped", None, user_id=people["manager"])
    done(db, b, people, "2026-03-01T09:00:00+00:00")
    assert watch_keys(db, shop["id"]) == ["greeted_on_entry", "served_at_all"]
