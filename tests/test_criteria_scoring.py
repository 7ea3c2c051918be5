"""Scoring worked by hand: every answer type, N/A, knock-outs, weights, channels and intervals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from criteria.model import Band, CriteriaSet, Criterion, Option, Section
from criteria.scoring import (
    NA,
    contact_channel,
    criterion_points,
    interval_seconds,
    round_score,
    score_visit,
    validate_value,
)

WARSAW = ZoneInfo("Europe/Warsaw")
TIME_BANDS = [Band(60, 1), Band(180, 0.5), Band(None, 0)]
EMAIL_BANDS = [Band(14400, 1), Band(86400, 0.5), Band(None, 0)]


def crit(key: str, kind: str = "yes_no", **fields) -> Criterion:
    """A criterion with English text; bands, scale and options filled in for their types."""
    defaults = {
        "rating": {"scale": 5},
        "choice": {
            "options": [
                Option("all", {"en": "All"}, 1),
                Option("some", {"en": "Some"}, 0.5),
                Option("none", {"en": "None"}, 0),
            ]
        },
        "duration": {"bands": TIME_BANDS},
        "count": {"bands": [Band(2, 1), Band(5, 0.5), Band(None, 0)]},
        "number": {"bands": [Band(-10, 0), Band(0, 0.5), Band(None, 1)]},
        "interval": {"bands": EMAIL_BANDS, "deadline": 259200},
    }.get(kind, {})
    return Criterion(key, kind, {"en": key}, **{**defaults, **fields})


def section(key: str, *criteria: Criterion, weight: float = 1) -> Section:
    """A section with an English title."""
    return Section(key, {"en": key}, weight, list(criteria))


def make_set(*sections: Section, **fields) -> CriteriaSet:
    """A set with the given sections."""
    return CriteriaSet(
        "s", {"en": "S"}, fields.pop("channel", "any"), sections=list(sections), **fields
    )


def interval(start: str, end: str | None) -> dict:
    """An interval answer."""
    return {"from": start, "to": end}


# ---------------------------------------------------------------- points per answer type


@pytest.mark.parametrize(
    ("criterion", "value", "points"),
    [
        (crit("g"), True, 1),
        (crit("g"), False, 0),
        (crit("g", invert=True), True, 0),
        (crit("g", invert=True), False, 1),
        (crit("r", "rating"), 1, 0),
        (crit("r", "rating"), 2, 0.25),
        (crit("r", "rating"), 4, 0.75),
        (crit("r", "rating"), 5, 1),
        (crit("r", "rating", scale=2), 2, 1),
        (crit("r", "rating", scale=3), 2, 0.5),
        (crit("p", "choice"), "all", 1),
        (crit("p", "choice"), "some", 0.5),
        (crit("p", "choice"), "none", 0),
        (crit("t", "duration"), 0, 1),
        (crit("t", "duration"), 60, 1),  # a band's max is inclusive
        (crit("t", "duration"), 60.5, 0.5),
        (crit("t", "duration"), 180, 0.5),
        (crit("t", "duration"), 181, 0),
        (crit("t", "duration"), 10_000, 0),
        (crit("q", "count"), 2, 1),
        (crit("q", "count"), 3, 0.5),
        (crit("q", "count"), 6, 0),
        (crit("n", "number"), -20, 0),
        (crit("n", "number"), -3.5, 0.5),
        (crit("n", "number"), 0, 0.5),
        (crit("n", "number"), 0.1, 1),
    ],
)
def test_criterion_points_by_answer_type(criterion, value, points):
    assert criterion_points(criterion, value) == points


@pytest.mark.parametrize(
    "criterion",
    [crit("g"), crit("x", "text"), crit("y", "photo"), crit("t", "duration", na_allowed=True)],
)
def test_unanswered_and_na_earn_no_points(criterion):
    assert criterion_points(criterion, None) is None
    assert criterion_points(criterion, NA) is None


def test_text_and_photo_are_never_scored():
    assert criterion_points(crit("x", "text"), "Friendly staff") is None
    assert criterion_points(crit("y", "photo"), "receipt.jpg") is None


def test_unknown_option_key_is_an_error():
    with pytest.raises(ValueError, match="must be one of: all, some, none"):
        criterion_points(crit("p", "choice"), "card")


def test_rating_outside_the_scale_is_an_error():
    with pytest.raises(ValueError, match="from 1 to 5"):
        criterion_points(crit("r", "rating"), 6)


# ---------------------------------------------------------------- intervals and the deadline


def test_interval_scores_the_seconds_between():
    c = crit("e", "interval")
    assert (
        criterion_points(c, interval("2026-03-02T09:00:00+01:00", "2026-03-02T11:00:00+01:00")) == 1
    )
    assert (
        criterion_points(c, interval("2026-03-02T09:00:00+01:00", "2026-03-02T13:00:00+01:00")) == 1
    )
    assert (
        criterion_points(c, interval("2026-03-02T09:00:00+01:00", "2026-03-02T13:00:01+01:00"))
        == 0.5
    )
    assert (
        criterion_points(c, interval("2026-03-02T09:00:00+01:00", "2026-03-04T09:00:00+01:00")) == 0
    )


def test_interval_seconds_compares_offsets():
    assert interval_seconds(interval("2026-03-02T09:00:00+01:00", "2026-03-02T09:30:00Z")) == 5400
    assert interval_seconds(interval("2026-03-02T09:00:00+01:00", None)) is None
    assert interval_seconds(None) is None


def test_interval_without_an_answer_is_unanswered_before_the_deadline():
    c = crit("e", "interval")  # deadline 72 h
    now = datetime.fromisoformat("2026-03-04T08:59:59+01:00")
    assert criterion_points(c, interval("2026-03-01T09:00:00+01:00", None), now=now) is None


def test_interval_without_an_answer_scores_the_last_band_from_the_deadline_on():
    c = crit("e", "interval", bands=[Band(14400, 1), Band(None, 0.25)])
    at_deadline = datetime.fromisoformat("2026-03-04T09:00:00+01:00")
    assert criterion_points(c, interval("2026-03-01T09:00:00+01:00", None), now=at_deadline) == 0.25


def test_interval_answered_after_the_deadline_scores_the_last_band():
    c = crit("e", "interval", bands=[Band(14400, 1), Band(10**9, 0.5), Band(None, 0)])
    late = interval("2026-03-01T09:00:00+01:00", "2026-03-04T09:00:01+01:00")
    on_time = interval("2026-03-01T09:00:00+01:00", "2026-03-04T09:00:00+01:00")
    assert criterion_points(c, late) == 0
    assert criterion_points(c, on_time) == 0.5


def test_interval_without_a_deadline_waits_forever():
    c = crit("e", "interval", deadline=None)
    now = datetime.fromisoformat("2030-01-01T00:00:00+00:00")
    assert criterion_points(c, interval("2026-03-01T09:00:00+01:00", None), now=now) is None


def test_interval_across_the_autumn_dst_change_counts_real_seconds():
    # Europe/Warsaw leaves summer time on 2026-10-25 at 03:00 CEST -> 02:00 CET:
    # 01:30 to 03:30 on the wall clock is three real hours, not two.
    start = datetime(2026, 10, 25, 1, 30, tzinfo=WARSAW)
    end = datetime(2026, 10, 25, 3, 30, tzinfo=WARSAW)
    assert interval_seconds({"from": start, "to": end}) == 3 * 3600
    as_text = interval("2026-10-25T01:30:00+02:00", "2026-10-25T03:30:00+01:00")
    assert interval_seconds(as_text) == 3 * 3600
    c = crit("e", "interval", bands=[Band(2.5 * 3600, 1), Band(None, 0)])
    assert criterion_points(c, {"from": start, "to": end}) == 0


def test_interval_deadline_across_the_dst_change_uses_real_time():
    # 24 h deadline; from 12:00 CEST on the 24th to 11:30 CET on the 25th is 24.5 real hours
    # although the wall clock shows only 23.5.
    c = crit("e", "interval", deadline=86400)
    start = datetime(2026, 10, 24, 12, 0, tzinfo=WARSAW)
    now = datetime(2026, 10, 25, 11, 30, tzinfo=WARSAW)
    assert criterion_points(c, {"from": start, "to": None}, now=now) == 0
    earlier = datetime(2026, 10, 25, 10, 30, tzinfo=WARSAW)  # 23.5 real hours
    assert criterion_points(c, {"from": start, "to": None}, now=earlier) is None


def test_interval_ending_before_it_starts_is_an_error():
    with pytest.raises(ValueError, match="'to' is before 'from'"):
        criterion_points(
            crit("e", "interval"),
            interval("2026-03-02T09:00:00+01:00", "2026-03-02T08:59:00+01:00"),
        )


def test_interval_in_the_dst_fold_uses_the_offsets():
    # 02:30 happens twice on 2026-10-25 in Warsaw; the offsets tell the two apart.
    first = "2026-10-25T02:30:00+02:00"
    second = "2026-10-25T02:30:00+01:00"
    assert interval_seconds(interval(first, second)) == 3600
    with pytest.raises(ValueError, match="before"):
        interval_seconds(interval(second, first))


def test_interval_channel_and_note_do_not_change_the_score():
    c = crit("e", "interval")
    plain = interval("2026-03-02T09:00:00+01:00", "2026-03-03T08:13:00+01:00")  # 23 h 13 min
    assert interval_seconds(plain) == 23 * 3600 + 13 * 60
    assert criterion_points(c, plain) == 0.5
    assert criterion_points(c, {**plain, "channel": "chat", "note": "Size M in stock?"}) == 0.5


def test_interval_deadline_in_the_spring_dst_change_uses_real_time():
    # Warsaw skips 02:00-03:00 on 2026-03-29: 20:00 CET on the 28th to 21:00 CEST on the 29th is
    # 24 real hours (the wall clock says 25), so a 24 h deadline is reached exactly then.
    c = crit("e", "interval", bands=[Band(3600, 1), Band(None, 0.25)], deadline=86400)
    start = "2026-03-28T20:00:00+01:00"
    assert criterion_points(c, interval(start, None),
                            now=datetime(2026, 3, 29, 20, 59, tzinfo=WARSAW)) is None
    assert criterion_points(c, interval(start, None),
                            now=datetime(2026, 3, 29, 21, 0, tzinfo=WARSAW)) == 0.25
    # Answered one wall-clock minute before the deadline's wall time: 23 h 59 min, in time.
    answered = interval(start, "2026-03-29T20:59:00+02:00")
    assert interval_seconds(answered) == 23 * 3600 + 59 * 60


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("email_response_time", None, "email"),
    ("chat_response_time", None, "chat"),
    ("form_response_time", None, "form"),
    ("email_response_time", {"from": "2026-03-02T09:00:00Z", "channel": "social"}, "social"),
    ("delivery_time", None, None),
    ("emailish", None, None),
])
def test_contact_channel_of_an_inquiry(key, value, expected):
    assert contact_channel(crit(key, "interval"), value) == expected


# ---------------------------------------------------------------- validating raw values


@pytest.mark.parametrize(
    ("criterion", "value", "expected"),
    [
        (crit("g"), True, None),
        (crit("g"), None, None),
        (crit("g"), 1, "must be true or false"),
        (crit("g"), "yes", "must be true or false"),
        (crit("g"), NA, "N/A is not allowed"),
        (crit("g", na_allowed=True), NA, None),
        (crit("r", "rating"), 3, None),
        (crit("r", "rating"), 0, "must be a whole number from 1 to 5"),
        (crit("r", "rating"), 6, "must be a whole number from 1 to 5"),
        (crit("r", "rating"), 3.0, "must be a whole number from 1 to 5"),
        (crit("r", "rating"), True, "must be a whole number from 1 to 5"),
        (crit("p", "choice"), "some", None),
        (crit("p", "choice"), "card", "must be one of: all, some, none"),
        (crit("p", "choice"), 1, "must be one of"),
        (crit("q", "count"), 0, None),
        (crit("q", "count"), -1, "must be a whole number, 0 or more"),
        (crit("q", "count"), 2.5, "must be a whole number, 0 or more"),
        (crit("q", "count"), False, "must be a whole number, 0 or more"),
        (crit("t", "duration"), 12.5, None),
        (crit("t", "duration"), -1, "must be a number of seconds, 0 or more"),
        (crit("t", "duration"), "60", "must be a number of seconds"),
        (crit("t", "duration"), True, "must be a number of seconds"),
        (crit("t", "duration"), float("inf"), "must be a number of seconds"),
        (crit("n", "number"), -4.5, None),
        (crit("n", "number"), float("nan"), "must be a number"),
        (crit("n", "number"), True, "must be a number"),
        (crit("x", "text"), "Friendly", None),
        (crit("x", "text"), NA, None),  # on a text, "n/a" is just what the shopper typed
        (crit("x", "text"), "x" * 5000, None),
        (crit("x", "text"), "x" * 5001, "at most 5000 characters"),
        (crit("x", "text"), 5, "must be text"),
        (crit("e", "interval"), interval("2026-03-02T09:00:00+01:00", None), None),
        (crit("e", "interval"), interval("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"), None),
        (crit("e", "interval"), {"from": "2026-03-02T09:00:00Z"}, None),
        (crit("e", "interval"), interval("yesterday", None), "'from' is not an ISO-8601 time"),
        (
            crit("e", "interval"),
            interval("2026-03-02T09:00:00Z", "soon"),
            "'to' is not an ISO-8601 time",
        ),
        (crit("e", "interval"), interval("2026-03-02T09:00:00", None), "needs a UTC offset"),
        (crit("e", "interval"), interval("2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"), "before"),
        (crit("e", "interval"), {"to": "2026-03-02T09:00:00Z"}, "must be {"),
        (crit("e", "interval"), {"from": "2026-03-02T09:00:00Z", "at": 1}, "must be {"),
        (crit("e", "interval"), "2026-03-02T09:00:00Z", "must be {"),
        (crit("e", "interval"), interval(12, None), "'from' must be an ISO-8601 time"),
        (crit("e", "interval"), {**interval("2026-03-02T09:00:00Z", None), "channel": "email",
                                 "note": "Do you ship to Gdańsk?"}, None),
        (crit("e", "interval"), {**interval("2026-03-02T09:00:00Z", None), "channel": None}, None),
        (crit("e", "interval"), {**interval("2026-03-02T09:00:00Z", None), "channel": "fax"},
         "'channel' must be one of: email, chat, phone, form, social"),
        (crit("e", "interval"), {**interval("2026-03-02T09:00:00Z", None), "note": 5},
         "'note' must be text"),
        (crit("e", "interval"), {**interval("2026-03-02T09:00:00Z", None), "note": "x" * 5001},
         "at most 5000 characters"),
    ],
)
def test_validate_value(criterion, value, expected):
    message = validate_value(criterion, value)
    if expected is None:
        assert message is None
    else:
        assert expected in message


# ---------------------------------------------------------------- whole visits


def design_set(**fields) -> CriteriaSet:
    """The example set of DESIGN.md, in two sections."""
    return make_set(
        section(
            "waiting",
            crit("time_to_approach", "duration", weight=2),
            crit("queue_length", "count"),
            crit("greeted", knockout=True),
        ),
        section(
            "service",
            crit("knowledge", "rating", na_allowed=True),
            crit("payment", "choice"),
            crit("remarks", "text"),
            crit("receipt", "photo"),
        ),
        **fields,
    )


ANSWERS = {
    "time_to_approach": 100,  # 0.5 * 2
    "queue_length": 1,  # 1
    "greeted": True,  # 1
    "knowledge": 4,  # 0.75
    "payment": "some",  # 0.5
    "remarks": "Nice shop",
}


def test_score_visit_worked_example():
    # waiting: (1 + 1 + 1) / (2 + 1 + 1) = 75 %; service: (0.75 + 0.5) / 2 = 62.5 %; mean 68.75
    result = score_visit(design_set(pass_mark=60), ANSWERS)
    assert result.sections["waiting"].score == 75
    assert (result.sections["waiting"].earned, result.sections["waiting"].possible) == (3, 4)
    assert result.sections["service"].score == 62.5
    assert result.score == 68.75
    assert result.passed
    assert result.to_summary() == {
        "score": 68.8,
        "passed": True,
        "sections": {"waiting": 75.0, "service": 62.5},
        "knocked_out": [],
    }


def test_criterion_breakdown_explains_each_number():
    result = score_visit(design_set(), ANSWERS)
    assert result.criteria["time_to_approach"].points == 0.5
    assert (
        result.criteria["time_to_approach"].earned,
        result.criteria["time_to_approach"].possible,
    ) == (1, 2)
    remarks = result.criteria["remarks"]
    assert (remarks.points, remarks.possible, remarks.applicable) == (None, 0, False)


def test_visit_below_pass_mark_fails():
    result = score_visit(design_set(pass_mark=70), ANSWERS)
    assert result.score == 68.75 and not result.passed


def test_visit_exactly_at_pass_mark_passes():
    cs = make_set(section("a", crit("x"), crit("y"), crit("z"), crit("w"), crit("v")), pass_mark=80)
    answers = {"x": True, "y": True, "z": True, "w": True, "v": False}
    assert score_visit(cs, answers).passed


def test_visit_at_pass_mark_passes_despite_float_rounding():
    # 0.7 * 3 / 3 * 100 is 69.99999999999999 in floats, but 70 by hand.
    cs = make_set(
        section("a", crit("x", "choice", options=[Option("ok", {"en": "OK"}, 0.7)], weight=3)),
        pass_mark=70,
    )
    result = score_visit(cs, {"x": "ok"})
    assert result.passed and result.to_summary()["score"] == 70.0


def test_na_removes_the_criterion_from_both_sides():
    answers = {**ANSWERS, "knowledge": NA}
    result = score_visit(design_set(), answers)
    assert result.sections["service"].score == 50  # payment alone
    assert result.criteria["knowledge"].na and result.criteria["knowledge"].possible == 0
    assert result.missing == [] and result.invalid == []


def test_na_where_not_allowed_counts_as_unanswered_and_is_reported():
    answers = {**ANSWERS, "payment": NA}
    result = score_visit(design_set(), answers)
    assert result.invalid == ["payment"]
    assert result.missing == ["payment"]
    assert result.sections["service"].score == 75  # knowledge alone
    assert not result.criteria["payment"].na


def test_bad_values_count_as_unanswered_and_are_reported():
    result = score_visit(design_set(), {**ANSWERS, "greeted": "yes", "payment": "card"})
    assert result.invalid == ["greeted", "payment"]
    assert (
        result.criteria["greeted"].points is None and not result.criteria["greeted"].knockout_failed
    )


def test_unanswered_required_criteria_are_listed_as_missing_and_count_on_neither_side():
    answers = {k: v for k, v in ANSWERS.items() if k not in ("queue_length", "payment")}
    result = score_visit(design_set(), answers)
    assert result.missing == ["queue_length", "payment"]
    assert result.sections["waiting"].score == (1 + 1) / 3 * 100
    assert result.sections["service"].score == 75


def test_optional_unanswered_criteria_are_not_missing():
    cs = make_set(section("a", crit("x"), crit("y", required=False)))
    result = score_visit(cs, {"x": True})
    assert result.missing == [] and result.score == 100


def test_answers_for_other_keys_are_ignored():
    assert score_visit(design_set(), {**ANSWERS, "old_key": 3}).score == 68.75


def test_no_answers_gives_no_score_and_no_pass():
    result = score_visit(design_set(), {})
    assert result.score is None and not result.passed
    assert result.missing == ["time_to_approach", "queue_length", "greeted", "knowledge", "payment"]
    assert result.to_summary() == {
        "score": None,
        "passed": False,
        "sections": {"waiting": None, "service": None},
        "knocked_out": [],
    }


def test_section_with_nothing_applicable_has_no_score_and_drops_out():
    answers = {**ANSWERS, "knowledge": NA, "payment": None}
    cs = design_set()
    result = score_visit(cs, {k: v for k, v in answers.items() if v is not None})
    assert result.sections["service"].score is None
    assert result.score == 75  # only waiting counts, not (75 + 0) / 2


def test_section_of_only_text_and_photo_has_no_score():
    cs = make_set(section("a", crit("x")), section("notes", crit("n", "text"), crit("p", "photo")))
    result = score_visit(cs, {"x": True, "n": "hello"})
    assert result.sections["notes"].score is None and result.score == 100


def test_criterion_weights():
    cs = make_set(section("a", crit("x", weight=3), crit("y", weight=1), crit("z", weight=0)))
    result = score_visit(cs, {"x": True, "y": False, "z": False})
    assert result.score == 75


def test_section_weights_give_a_weighted_mean():
    cs = make_set(section("a", crit("x"), weight=1), section("b", crit("y"), crit("z"), weight=3))
    result = score_visit(cs, {"x": True, "y": True, "z": False})
    assert result.score == (100 * 1 + 50 * 3) / 4  # 62.5


def test_section_of_weight_zero_shows_its_score_but_does_not_count():
    cs = make_set(section("a", crit("x")), section("b", crit("y"), weight=0))
    result = score_visit(cs, {"x": True, "y": False})
    assert result.sections["b"].score == 0 and result.score == 100


def test_failed_knockout_sets_its_section_to_zero():
    result = score_visit(design_set(), {**ANSWERS, "greeted": False})
    assert result.sections["waiting"].score == 0 and result.sections["waiting"].knocked_out
    assert result.sections["service"].score == 62.5
    assert result.score == 31.25
    assert result.knocked_out == ["greeted"] and result.criteria["greeted"].knockout_failed
    assert not result.passed


def test_failed_knockout_with_visit_scope_sets_the_visit_to_zero():
    result = score_visit(design_set(knockout_scope="visit"), {**ANSWERS, "greeted": False})
    assert result.score == 0 and not result.passed
    assert result.knocked_out == ["greeted"]
    # The sections keep their own figures so the report can still explain them.
    assert result.sections["waiting"].score == 50 and not result.sections["waiting"].knocked_out
    assert result.to_summary()["knocked_out"] == ["greeted"]


def test_knockout_fails_whatever_the_score():
    cs = make_set(
        section("a", crit("k", knockout=True, weight=0), crit("x", weight=10)), pass_mark=50
    )
    result = score_visit(cs, {"k": False, "x": True})
    assert result.score == 0 and not result.passed


def test_knockout_with_partial_points_does_not_fail():
    cs = make_set(section("a", crit("k", "rating", knockout=True), crit("x")))
    result = score_visit(cs, {"k": 2, "x": True})
    assert result.knocked_out == [] and result.score == (0.25 + 1) / 2 * 100


def test_inverted_knockout_fails_on_yes():
    cs = make_set(section("a", crit("k", knockout=True, invert=True)))
    assert score_visit(cs, {"k": True}).knocked_out == ["k"]
    assert score_visit(cs, {"k": False}).score == 100


def test_knockout_answered_na_does_not_fail():
    cs = make_set(section("a", crit("k", knockout=True, na_allowed=True), crit("x")))
    result = score_visit(cs, {"k": NA, "x": True})
    assert result.knocked_out == [] and result.passed


def test_criteria_for_another_channel_do_not_apply():
    cs = make_set(
        section("a", crit("x"), crit("web", channel="online"), crit("shop", channel="physical"))
    )
    result = score_visit(cs, {"x": True, "shop": False}, channel="online")
    assert not result.criteria["shop"].applicable and result.criteria["shop"].possible == 0
    assert result.missing == ["web"]  # "shop" does not apply, so it is not missing either
    assert result.score == 100


def test_without_a_channel_every_criterion_applies():
    cs = make_set(section("a", crit("x"), crit("shop", channel="physical")))
    assert score_visit(cs, {"x": True, "shop": False}).score == 50


def test_interval_in_a_visit_uses_now_for_the_deadline():
    cs = make_set(section("a", crit("e", "interval"), crit("x")))
    answers = {"e": interval("2026-03-01T09:00:00+01:00", None), "x": True}
    waiting = score_visit(cs, answers, now=datetime.fromisoformat("2026-03-02T09:00:00+01:00"))
    assert waiting.score == 100 and waiting.missing == ["e"]
    late = score_visit(cs, answers, now=datetime.fromisoformat("2026-03-05T09:00:00+01:00"))
    assert late.score == 50 and late.missing == []


@pytest.mark.parametrize(
    ("score", "rounded"),
    [
        (83.33333333333333, 83.3),
        (83.25, 83.3),
        (62.5, 62.5),
        (0.05, 0.1),
        (99.95, 100.0),
        (None, None),
    ],
)
def test_summary_rounds_half_up_to_one_decimal(score, rounded):
    assert round_score(score) == rounded
