"""Show-if logic, evidence, and the multi_choice, amount and nps types, with worked examples."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from criteria.io import CriteriaError, dump_set, load_set, set_from_dict, set_to_dict
from criteria.logic import (
    can_be_shown,
    condition_data,
    describe,
    hidden_keys,
    holds,
    missing_evidence,
    passes,
    set_logic_data,
)
from criteria.scoring import NA, criterion_points, score_visit, validate_value

SHOP_YAML = """\
key: shop
name: {en: Shop}
channel: physical
sections:
  - key: visit
    title: {en: Visit}
    criteria:
      - {key: bought, type: yes_no, weight: 0, text: {en: Did you buy something?}}  # a branch
      - key: pay_ways
        type: multi_choice
        text: {en: Which ways to pay were offered?}
        show_if: {bought: "yes"}
        options:
          - {key: card, label: {en: Card}, points: 0.5}
          - {key: cash, label: {en: Cash}, points: 0.3}
          - {key: blik, label: {en: BLIK}, points: 0.5}
      - key: receipt_amount
        type: amount
        currency: PLN
        text: {en: Amount on the receipt}
        show_if: {bought: true}
      - {key: helped, type: yes_no, text: {en: Was someone free to help?}}
      - key: promised
        type: yes_no
        text: {en: Did someone promise to come?}
        show_if: {helped: false}
        photos: true
      - key: queue
        type: count
        text: {en: People in the queue}
        bands: [{max: 2, points: 1}, {points: 0}]
      - {key: recommend, type: nps, text: {en: Would you recommend the shop?}}
  - key: checkout
    title: {en: Checkout}
    show_if: {bought: "yes"}
    criteria:
      - key: receipt_given
        type: yes_no
        text: {en: Were you given a receipt?}
        knockout: true
        evidence: {when: false, comment: true, photos: 1}
"""


@pytest.fixture(scope="module")
def shop():
    return load_set(SHOP_YAML)


def raw_shop() -> dict:
    """The shop set as a fresh plain dict."""
    return set_to_dict(load_set(SHOP_YAML))


# ---------------------------------------------------------------- evaluating


def test_criteria_and_sections_are_hidden_until_their_condition_holds(shop):
    nothing = hidden_keys(shop, {})
    assert nothing == {"pay_ways", "receipt_amount", "promised", "receipt_given"}
    bought = hidden_keys(shop, {"bought": True, "helped": True})
    assert bought == {"promised"}


def test_a_hidden_section_hides_every_criterion_in_it(shop):
    assert "receipt_given" in hidden_keys(shop, {"bought": False})
    assert "receipt_given" not in hidden_keys(shop, {"bought": True})


@pytest.mark.parametrize(("test", "answer", "expected"), [
    ("yes", True, True),
    ("yes", False, False),
    (False, False, True),
    (1, True, False),                      # true is not 1
    ("card", ["card", "cash"], True),      # multi_choice: chosen
    ("blik", ["card"], False),
    ({"in": ["blik", "cash"]}, ["cash"], True),
    ({"in": ["blik", "cash"]}, [], False),
    ({"not": "cash"}, ["card"], True),
    ({"not": "cash"}, "card", True),
    ({"not": "cash"}, None, False),        # unanswered never passes, `not` included
    ({"not": 0}, NA, False),               # nor N/A
    ({"min": 10, "max": 50}, 10, True),
    ({"min": 10, "max": 50}, 50.01, False),
    ({"max": 5}, 0, True),
    ({"min": 1}, "1", False),
])
def test_a_value_test_follows_the_documented_rules(test, answer, expected):
    assert passes(test, answer) is expected


def test_a_condition_on_a_hidden_criterion_does_not_hold():
    assert not holds({"x": True}, {"x": True}, hidden={"x"})
    assert holds({"x": True}, {"x": True}, hidden=set())


def test_all_and_any_combine_conditions():
    answers = {"a": True, "b": 3}
    assert holds({"all": [{"a": True}, {"b": {"min": 3}}]}, answers, set())
    assert not holds({"all": [{"a": True}, {"b": {"min": 4}}]}, answers, set())
    assert holds({"any": [{"a": False}, {"b": 3}]}, answers, set())
    assert not holds({"a": True, "b": 4}, answers, set())  # several keys: all must hold


def test_an_invalid_stored_answer_counts_as_unanswered_in_conditions(shop):
    assert "pay_ways" in hidden_keys(shop, {"bought": "maybe"})


# ---------------------------------------------------------------- scoring


def test_a_hidden_criterion_counts_on_neither_side_whatever_is_stored(shop):
    # bought: no hides the checkout section, so its failed knock-out is ignored; queue 1 earns 1.
    result = score_visit(shop, {"bought": False, "helped": True, "queue": 1,
                                "receipt_given": False, "pay_ways": []})
    assert result.score == 100
    assert result.knocked_out == []
    assert result.sections["checkout"].score is None
    assert result.criteria["pay_ways"].hidden and not result.criteria["pay_ways"].applicable
    assert result.missing == []


def test_a_shown_criterion_counts_and_knocks_out(shop):
    result = score_visit(shop, {"bought": True, "helped": True, "queue": 1,
                                "pay_ways": ["card"], "receipt_given": False})
    assert result.knocked_out == ["receipt_given"]
    assert result.sections["checkout"].score == 0
    # visit: pay_ways 0.5 + helped 1 + queue 1 = 2.5 of 3 (bought weighs 0)
    assert result.sections["visit"].score == pytest.approx(250 / 3)


def test_a_hidden_required_criterion_is_never_missing(shop):
    shown = score_visit(shop, {"bought": True})
    hidden = score_visit(shop, {"bought": False})
    assert "pay_ways" in shown.missing and "receipt_given" in shown.missing
    assert "pay_ways" not in hidden.missing and "receipt_given" not in hidden.missing


@pytest.mark.parametrize(("chosen", "points"), [
    ([], 0.0), (["card"], 0.5), (["card", "cash"], 0.8), (["card", "blik", "cash"], 1.0),
])
def test_multi_choice_earns_the_chosen_options_points_up_to_one(shop, chosen, points):
    assert criterion_points(shop.criterion("pay_ways"), chosen) == pytest.approx(points)


@pytest.mark.parametrize("value", [["card", "card"], ["nope"], "card", [1]])
def test_multi_choice_refuses_anything_but_distinct_option_keys(shop, value):
    assert validate_value(shop.criterion("pay_ways"), value)


@pytest.mark.parametrize(("value", "ok"), [
    (0, True), (12.5, True), (12.55, True), (12.555, False), (-1, False), ("12", False),
    (True, False),
])
def test_an_amount_is_money_of_at_most_two_decimals(shop, value, ok):
    assert (validate_value(shop.criterion("receipt_amount"), value) is None) is ok


def test_an_amount_is_scored_only_with_bands():
    raw = raw_shop()
    amount = raw["sections"][0]["criteria"][2]
    assert criterion_points(set_from_dict(raw).criterion("receipt_amount"), 30) is None
    amount["bands"] = [{"max": 20, "points": 1}, {"points": 0.5}]
    banded = set_from_dict(raw).criterion("receipt_amount")
    assert banded.scored and banded.required
    assert criterion_points(banded, 30) == 0.5


@pytest.mark.parametrize(("value", "ok"), [(0, True), (10, True), (11, False), (5.5, False)])
def test_nps_takes_a_whole_number_from_0_to_10_and_is_never_scored(shop, value, ok):
    recommend = shop.criterion("recommend")
    assert (validate_value(recommend, value) is None) is ok
    assert not recommend.scored and not recommend.required
    assert criterion_points(recommend, 10) is None


# ---------------------------------------------------------------- evidence


@pytest.mark.parametrize(("value", "comment", "photos", "missing"), [
    (False, None, 0, ["comment", "photos"]),
    (False, "No printer", 0, ["photos"]),
    (False, "  ", 1, ["comment"]),
    (False, "No printer", 1, []),
    (True, None, 0, []),      # `when: false`: a yes needs nothing
    (None, None, 0, []),      # unanswered: nothing yet
])
def test_evidence_is_required_only_for_answers_that_meet_its_when(shop, value, comment, photos,
                                                                 missing):
    c = shop.criterion("receipt_given")
    assert missing_evidence(c, value, comment, photos) == missing


def test_a_criterion_takes_photos_when_flagged_or_when_its_evidence_asks_for_them(shop):
    assert shop.criterion("promised").takes_photos
    assert shop.criterion("receipt_given").takes_photos
    assert not shop.criterion("bought").takes_photos


# ---------------------------------------------------------------- for the phone and the editor


def test_conditions_as_data_use_one_shape_with_booleans_for_yes_no(shop):
    assert condition_data({"bought": "yes"}, shop) == {"key": "bought", "eq": True}
    assert condition_data({"bought": "no", "queue": {"max": 2}}, shop) == {"all": [
        {"key": "bought", "eq": False}, {"key": "queue", "min": None, "max": 2}]}
    assert condition_data({"any": [{"pay_ways": {"in": ["card"]}}]}, shop) == {
        "any": [{"key": "pay_ways", "in": ["card"]}]}
    data = set_logic_data(shop)
    assert data["sections"][1] == {"key": "checkout", "show_if": {"key": "bought", "eq": True},
                                   "criteria": [{"key": "receipt_given", "show_if": None}]}
    json.dumps(data)  # the phone gets it as JSON


@pytest.mark.parametrize(("condition", "words"), [
    ({"bought": "yes"}, "shown when 'Did you buy something?' is Yes"),
    ({"pay_ways": "cash"}, "shown when 'Which ways to pay were offered?' includes Cash"),
    ({"bought": True, "helped": {"not": True}},
     "shown when 'Did you buy something?' is Yes and 'Was someone free to help?' is not Yes"),
    ({"any": [{"queue": {"min": 3}}, {"helped": False}]},
     "shown when 'People in the queue' is at least 3 or 'Was someone free to help?' is No"),
    ({"queue": {"min": 1, "max": 4}}, "shown when 'People in the queue' is between 1 and 4"),
])
def test_a_condition_reads_as_words(shop, condition, words):
    assert describe(condition, shop, "en") == words


def test_describe_translates_its_words_with_the_function_it_is_given(shop):
    polish = {"shown when %(condition)s": "widoczne, gdy %(condition)s",
              "'%(question)s' is %(value)s": "„%(question)s” to %(value)s", "Yes": "Tak"}
    words = describe({"bought": "yes"}, shop, "pl", translate=lambda s: polish.get(s, s))
    assert words == "widoczne, gdy „Did you buy something?” to Tak"


def test_a_round_trip_through_yaml_keeps_the_logic(shop):
    again = load_set(dump_set(shop))
    assert again == shop
    assert again.sections[1].show_if == {"bought": "yes"}
    assert again.criterion("receipt_given").evidence.photos == 1


# ---------------------------------------------------------------- import refuses bad logic


def with_change(change) -> dict:
    """The shop dict after `change(raw)`."""
    raw = raw_shop()
    change(raw)
    return raw


def crit(raw: dict, key: str) -> dict:
    """The criterion dict with `key`."""
    return next(c for s in raw["sections"] for c in s["criteria"] if c["key"] == key)


BAD_LOGIC = [
    (lambda r: crit(r, "bought").update(show_if={"helped": True}),
     "sections[visit].criteria[bought].show_if: the condition names 'helped', which comes later;"
     " a condition may only name criteria before it"),
    (lambda r: crit(r, "promised").update(show_if={"nobody": True}),
     "the condition names 'nobody', which is not a criterion of this set"),
    (lambda r: crit(r, "promised").update(show_if={"promised": True}),
     "'promised' cannot depend on its own answer"),
    (lambda r: r["sections"][1].update(show_if={"receipt_given": True}),
     "section 'checkout' cannot depend on 'receipt_given', a question inside it"),
    (lambda r: crit(r, "promised").update(show_if={"helped": "maybe"}),
     "'helped' is a yes/no question: test it with yes or no, got 'maybe'"),
    (lambda r: crit(r, "promised").update(show_if={"helped": ["yes"]}),
     "'helped' is a yes/no question: test it with yes or no, got ['yes']"),
    (lambda r: crit(r, "receipt_amount").update(show_if={"pay_ways": ["card"]}),
     "'pay_ways' has no option ['card'] (options: card, cash, blik)"),
    (lambda r: crit(r, "receipt_amount").update(show_if={"pay_ways": {"in": ["card", "gold"]}}),
     "'pay_ways' has no option 'gold' (options: card, cash, blik)"),
    (lambda r: crit(r, "recommend").update(show_if={"queue": {"min": 5, "max": 2}}),
     "min 5 is greater than max 2, so no answer fits"),
    (lambda r: crit(r, "recommend").update(show_if={"queue": -1}),
     "'queue' can never have the answer -1"),
    (lambda r: crit(r, "recommend").update(show_if={"bought": {"min": 1}}),
     "min and max only apply to numbers; 'bought' is of type 'yes_no'"),
    (lambda r: crit(r, "recommend").update(show_if={"queue": {"min": "a"}}),
     "min and max must be numbers, got 'a'"),
    (lambda r: crit(r, "recommend").update(show_if={"queue": {"over": 3}}),
     "a test must be an answer, {in: [...]}, {not: answer} or {min: ..., max: ...}; "
     "got {'over': 3}"),
    (lambda r: crit(r, "recommend").update(show_if={"queue": {"in": []}}),
     "in needs a list of answers"),
    (lambda r: crit(r, "recommend").update(show_if={"any": []}),
     "any needs a list of conditions"),
    (lambda r: crit(r, "recommend").update(show_if={"any": ["x"]}),
     "a condition must be a map of earlier criterion keys to answers, like {bought: yes}, "
     "got a string"),
    (lambda r: crit(r, "recommend").update(show_if="bought"),
     "a condition must be a map of earlier criterion keys to answers, like {bought: yes}, "
     "got a string"),
    (lambda r: r["sections"][0]["criteria"].insert(6, {"key": "note", "type": "text",
                                                       "text": {"en": "Note"}})
     or crit(r, "recommend").update(show_if={"note": "x"}),
     "'note' is of type 'text', which a condition cannot test"),
    (lambda r: crit(r, "receipt_given").update(evidence={"when": "maybe", "comment": True}),
     "sections[checkout].criteria[receipt_given].evidence.when: 'receipt_given' is a yes/no "
     "question"),
    (lambda r: crit(r, "receipt_given").update(evidence={"when": False}),
     "evidence needs comment: true or photos: a number of at least 1"),
    (lambda r: crit(r, "receipt_given").update(evidence={"comment": True, "photo": 1}),
     "unknown field 'photo'; did you mean 'photos'?"),
    (lambda r: crit(r, "receipt_amount").pop("currency"),
     "an amount needs a currency: a three-letter code such as PLN"),
    (lambda r: crit(r, "receipt_amount").update(currency="zł"),
     "currency must be a three-letter code in capitals such as PLN, got 'zł'"),
    (lambda r: crit(r, "queue").update(currency="PLN"),
     "field 'currency' does not apply to type 'count'"),
    # bought is yes in the section's condition and no in the knock-out's own: never both.
    (lambda r: crit(r, "receipt_given").update(show_if={"bought": False}),
     "knock-out 'receipt_given' can never be shown: no answers before it meet its conditions"),
    (lambda r: crit(r, "receipt_given").update(show_if={"queue": {"min": 3},
                                                        "any": [{"queue": {"max": 2}}]}),
     "knock-out 'receipt_given' can never be shown"),
    (lambda r: crit(r, "receipt_given").update(show_if={"promised": True, "helped": True}),
     "knock-out 'receipt_given' can never be shown"),  # promised is asked only when not helped
]


@pytest.mark.parametrize(("change", "expected"), BAD_LOGIC)
def test_import_refuses_bad_logic_with_a_clear_problem(change, expected):
    with pytest.raises(CriteriaError) as err:
        set_from_dict(with_change(change))
    assert expected in str(err.value)


def test_a_knockout_that_some_answers_show_is_accepted(shop):
    raw = with_change(lambda r: crit(r, "receipt_given").update(
        show_if={"queue": {"min": 3}, "pay_ways": {"not": "cash"}}))
    cs = set_from_dict(raw)
    assert can_be_shown(cs, "receipt_given")


def test_a_set_keeps_its_own_copy_of_a_condition():
    raw = raw_shop()
    cs = set_from_dict(raw)
    crit(raw, "promised")["show_if"]["helped"] = True
    assert cs.criterion("promised").show_if == {"helped": False}
    assert copy.deepcopy(cs) == cs


def test_the_cli_scores_lists_numbers_and_hidden_criteria_by_the_same_rules(runner, tmp_path,
                                                                           shop):
    set_path, answers_path = tmp_path / "shop.yaml", tmp_path / "answers.json"
    set_path.write_text(SHOP_YAML)
    answers = {"bought": True, "pay_ways": ["card", "cash"], "receipt_amount": 42.9,
               "helped": True, "promised": False, "queue": 4, "recommend": 9,
               "receipt_given": True}
    answers_path.write_text(json.dumps(answers))
    result = runner.invoke(args=["criteria", "score", str(set_path), str(answers_path)])
    assert result.exit_code == 0, result.output
    # visit: pay_ways 0.8 + helped 1 + queue 0 = 1.8 of 3 = 60; checkout 100; promised is
    # hidden (someone helped), so its stored "no" is ignored.
    assert json.loads(result.stdout) == {"score": 80.0, "passed": True,
                                         "sections": {"visit": 60.0, "checkout": 100.0},
                                         "knocked_out": []}
    assert json.loads(result.stdout) == score_visit(shop, answers).to_summary()


def test_the_readmes_worked_logic_example_scores_as_it_says():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    yaml_text = readme.split("```yaml\nkey: logic-example\n", 1)[1].split("```", 1)[0]
    cs = load_set("key: logic-example\n" + yaml_text)
    answers = {"bought": True, "pay_ways": ["card", "cash"], "receipt_amount": 42.5,
               "helped": False, "promised": True, "recommend": 9, "receipt_given": True}
    summary = score_visit(cs, answers).to_summary()
    assert json.dumps(summary) in readme
    assert score_visit(cs, {**answers, "bought": False}).to_summary() == {
        "score": 50.0, "passed": False, "sections": {"visit": 50.0, "checkout": None},
        "knocked_out": []}


@pytest.mark.parametrize(("key", "value", "lang", "shown"), [
    ("pay_ways", ["card", "blik"], "en", "Card, BLIK"),
    ("pay_ways", [], "en", "None of these"),
    ("receipt_amount", 1234.5, "pl", "1\u00a0234,50 PLN"),
    ("receipt_amount", 7, "en", "7.00 PLN"),
    ("recommend", 9, "en", "9 / 10"),
])
def test_new_answer_types_read_as_words(shop, key, value, lang, shown):
    from reports.text import answer_text
    assert answer_text(shop.criterion(key), value, False, lang, lambda s: s) == shown


def test_describe_reads_in_polish_and_russian_through_the_apps_catalogues(app):
    from flask_babel import force_locale, gettext

    from audit.criteria_sets.versions import current_version_id, version_set
    with app.app_context():
        from audit.storage.db import open_db
        db = open_db(app.config["DATABASE"])
        cs = version_set(db, current_version_id(db, "physical-store"))
        db.close()
    condition = cs.criterion("overcharged").show_if
    with app.test_request_context():
        with force_locale("pl"):
            assert describe(condition, cs, "pl", gettext) == (
                "widoczne, gdy na „Czy doszło do zakupu?” odpowiedziano Tak")
        with force_locale("ru"):
            assert describe(condition, cs, "ru", gettext) == (
                "показывается, если на «Вы что-нибудь купили?» ответили Да")
