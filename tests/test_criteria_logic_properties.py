"""Properties of show-if logic on generated sets with conditions and generated answers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_criteria_properties import CHECK, NOW, criteria_sets, values

from criteria.io import CriteriaError, dump_set, load_set, set_from_dict
from criteria.model import CriteriaSet, Criterion, Section
from criteria.scoring import NA, score_visit
from criteria.validate import CONDITION_TYPES, NUMERIC_TYPES


@st.composite
def value_tests(draw, c: Criterion) -> object:
    """A value test on criterion `c`, in any of the forms a file may write."""
    value = draw(values(c))
    if c.type == "multi_choice":
        value = draw(st.sampled_from([o.key for o in c.options]))
    if c.type == "yes_no":
        value = draw(st.sampled_from([value, "yes" if value else "no"]))
    forms = [value, {"in": [value]}, {"not": value}]
    if c.type in NUMERIC_TYPES:
        other = draw(values(c))
        forms += [{"min": min(value, other), "max": max(value, other)}, {"min": value},
                  {"max": value}]
    return draw(st.sampled_from(forms))


@st.composite
def conditions(draw, earlier: list[Criterion], depth: int = 0) -> dict:
    """A condition over `earlier` criteria: one to two keys, sometimes in an all/any group."""
    picked = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2,
                           unique_by=lambda c: c.key))
    condition = {c.key: draw(value_tests(c)) for c in picked}
    if depth == 0 and draw(st.booleans()):
        group = draw(st.sampled_from(["all", "any"]))
        more = draw(st.lists(conditions(earlier, depth + 1), min_size=1, max_size=2))
        return {group: [condition, *more]}
    return condition


@st.composite
def sets_with_logic(draw) -> CriteriaSet:
    """A generated set where criteria and sections may be shown only on earlier answers."""
    cs = draw(criteria_sets())
    earlier: list[Criterion] = []
    sections = []
    for section in cs.sections:
        show_if = draw(conditions(earlier)) if earlier and draw(st.booleans()) else None
        items = []
        for c in section.criteria:
            if earlier and draw(st.integers(0, 2)) == 0:
                c = replace(c, show_if=draw(conditions(earlier)))
            items.append(c)
        earlier += [c for c in section.criteria if c.type in CONDITION_TYPES]
        sections.append(replace(section, criteria=items, show_if=show_if))
    return replace(cs, sections=sections)


@st.composite
def answers_for(draw, cs: CriteriaSet) -> dict:
    """Answers with some criteria unanswered and some N/A (where allowed)."""
    answers = {}
    for c in cs.criteria():
        choice = draw(st.sampled_from(["value", "value", "value", "missing", "na"]))
        if choice == "value":
            answers[c.key] = draw(values(c))
        elif choice == "na" and c.na_allowed:
            answers[c.key] = NA
    return answers


CHANNELS = st.sampled_from([None, "physical", "online"])


@CHECK
@given(sets_with_logic().flatmap(lambda cs: st.tuples(st.just(cs), answers_for(cs))), CHANNELS,
       st.data())
def test_changing_a_hidden_criterions_stored_answer_never_changes_any_score(visit, channel,
                                                                            data):
    cs, answers = visit
    before = score_visit(cs, answers, channel=channel, now=NOW)
    assume(before.hidden)
    key = data.draw(st.sampled_from(sorted(before.hidden)))
    target = cs.criterion(key)
    stored = data.draw(st.one_of(values(target), st.just(NA), st.just("nonsense")))
    after = score_visit(cs, {**answers, key: stored}, channel=channel, now=NOW)
    removed = score_visit(cs, {k: v for k, v in answers.items() if k != key}, channel=channel,
                          now=NOW)
    assert after == before == removed


@CHECK
@given(sets_with_logic().filter(lambda cs: len(cs.sections) > 1).flatmap(
    lambda cs: st.tuples(st.just(cs), answers_for(cs), st.integers(1, len(cs.sections) - 1))),
    CHANNELS)
def test_hiding_a_section_scores_the_same_as_removing_it(visit, channel):
    cs, answers, index = visit
    # A weight-0 gate in the first section decides the section: answered "no", it hides it.
    gate = Criterion("gate", "yes_no", {"en": "Gate"}, weight=0)
    first = replace(cs.sections[0], criteria=[gate, *cs.sections[0].criteria])
    hidden = replace(cs.sections[index], show_if={"gate": True})
    rest = [first, *cs.sections[1:]]
    with_hidden = replace(cs, sections=[*rest[:index], hidden, *rest[index + 1:]])
    without = replace(cs, sections=[*rest[:index], *rest[index + 1:]])
    answers = {**answers, "gate": False}
    a = score_visit(with_hidden, answers, channel=channel, now=NOW)
    b = score_visit(without, answers, channel=channel, now=NOW)
    gone = {c.key for c in hidden.criteria}
    assert a.score == b.score and a.passed == b.passed
    assert a.knocked_out == b.knocked_out and a.missing == b.missing and a.invalid == b.invalid
    assert {k: s for k, s in a.sections.items() if k != hidden.key} == b.sections
    assert {k: s for k, s in a.criteria.items() if k not in gone} == b.criteria
    assert a.sections[hidden.key].score is None and not a.sections[hidden.key].knocked_out
    assert gone <= a.hidden


@CHECK
@given(sets_with_logic(), st.sampled_from(["yaml", "json"]))
def test_a_set_with_logic_loads_back_equal_or_is_refused_for_a_knockout_never_shown(cs, fmt):
    try:
        again = load_set(dump_set(cs, fmt), fmt)
    except CriteriaError as err:
        assert all("can never be shown" in p.message for p in err.problems), err
        return
    assert again == cs


@pytest.mark.parametrize("seed_answer", [True, False])
def test_the_generator_makes_sets_whose_criteria_are_sometimes_hidden(seed_answer):
    """Guard against a generator that never hides anything (the properties would be vacuous)."""
    cs = CriteriaSet("g", {"en": "G"}, "any", sections=[
        Section("a", {"en": "A"}, criteria=[Criterion("q", "yes_no", {"en": "Q"})]),
        Section("b", {"en": "B"}, show_if={"q": True},
                criteria=[Criterion("r", "yes_no", {"en": "R"})]),
    ])
    result = score_visit(cs, {"q": seed_answer, "r": True})
    assert ("r" in result.hidden) is (not seed_answer)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
    | st.sampled_from(["yes", "no", "card", "cash", "bought", "helped", "all", "any", "in", "not",
                       "min", "max"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["bought", "helped", "queue", "pay_ways", "all", "any", "in", "not", "min",
                         "max", "nope"]), inner, max_size=3),
    max_leaves=8)


@CHECK
@given(json_values, json_values)
def test_any_show_if_or_evidence_is_accepted_or_refused_with_problems_never_a_crash(show_if,
                                                                                    when):
    from test_criteria_logic import crit, raw_shop
    raw = raw_shop()
    crit(raw, "recommend")["show_if"] = show_if
    crit(raw, "receipt_given")["evidence"] = {"when": when, "comment": True}
    try:
        cs = set_from_dict(raw)
    except CriteriaError as err:
        assert err.problems
        return
    score_visit(cs, {"bought": True, "queue": 3, "pay_ways": ["card"], "recommend": 5})
