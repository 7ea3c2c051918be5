"""Scoring a visit's answers against a criteria set: pure functions, rules in the docstrings."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from .logic import hidden_keys
from .model import Band, CriteriaSet, Criterion, Section
from .values import (  # noqa: F401 (re-exported: other modules read the value rules from here)
    CONTACT_CHANNELS,
    MAX_TEXT,
    NA,
    _interval,
    _seconds,
    contact_channel,
    interval_seconds,
    validate_value,
)

# A score computed as 79.99999999999999 for a visit that is exactly 80 by hand must still pass.
PASS_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CriterionScore:
    """How one criterion counted: `earned` of `possible` (both 0 when it did not count)."""

    key: str
    section: str
    points: float | None
    earned: float
    possible: float
    na: bool
    applicable: bool
    knockout_failed: bool
    # Hidden by show_if: left out on both sides, never missing, never a knock-out.
    hidden: bool = False


@dataclass(frozen=True)
class SectionScore:
    """A section's score in 0..100, or None when nothing in it counted."""

    key: str
    score: float | None
    earned: float
    possible: float
    knocked_out: bool


@dataclass(frozen=True)
class VisitScore:
    """A visit's score with the breakdown that explains it."""

    score: float | None
    passed: bool
    sections: dict[str, SectionScore] = field(default_factory=dict)
    criteria: dict[str, CriterionScore] = field(default_factory=dict)
    knocked_out: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    hidden: frozenset[str] = frozenset()

    def to_summary(self) -> dict:
        """The CLI/JSON summary, scores rounded half-up to one decimal."""
        return {
            "score": round_score(self.score),
            "passed": self.passed,
            "sections": {key: round_score(s.score) for key, s in self.sections.items()},
            "knocked_out": list(self.knocked_out),
        }


def round_score(score: float | None) -> float | None:
    """Round to one decimal, half up as people do by hand (Python's round() goes half-even)."""
    if score is None:
        return None
    return float(Decimal(repr(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))



# ---------------------------------------------------------------- points


def band_points(bands: list[Band], value: float) -> float:
    """Points of the first band whose max is at least `value`; the last band catches the rest."""
    for band in bands:
        if band.max is None or value <= band.max:
            return band.points
    return bands[-1].points


def _interval_points(c: Criterion, value: object, now: datetime | None) -> float | None:
    """Interval rule: band of the seconds between; no answer by the deadline is the last band."""
    start, end = _interval(value)
    if end is None:
        now = now or datetime.now(UTC)
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        if c.deadline is not None and _seconds(start, now) >= c.deadline:
            return c.bands[-1].points
        return None  # still waiting: not answered yet
    seconds = _seconds(start, end)
    # A late answer must not score better than the "no answer" it was at the deadline.
    if c.deadline is not None and seconds > c.deadline:
        return c.bands[-1].points
    return band_points(c.bands, seconds)


def _yes_no_points(c: Criterion, value: object) -> float:
    """Yes earns 1, no 0; `invert` flips it for questions where "yes" is the failure."""
    return 1.0 if bool(value) != c.invert else 0.0


def _choice_points(c: Criterion, value: object) -> float:
    """The chosen option's points."""
    return next(o.points for o in c.options if o.key == value)


def _multi_choice_points(c: Criterion, value: object) -> float:
    """The chosen options' points added up, at most 1; none chosen is worth 0."""
    return min(1.0, math.fsum(o.points for o in c.options if o.key in value))


_POINTS: dict[str, Callable[[Criterion, object], float]] = {
    "yes_no": _yes_no_points,
    "rating": lambda c, v: (v - 1) / (c.scale - 1),
    "choice": _choice_points,
    "duration": lambda c, v: band_points(c.bands, v),
    "count": lambda c, v: band_points(c.bands, v),
    "number": lambda c, v: band_points(c.bands, v),
    "multi_choice": _multi_choice_points,
    "amount": lambda c, v: band_points(c.bands, v),
}


def criterion_points(c: Criterion, value: object, *, now: datetime | None = None) -> float | None:
    """Points in [0, 1] for a raw answer, or None when it earns none (unanswered, N/A, unscored).

    yes_no: yes 1, no 0 (`invert` flips). rating: (value - 1) / (scale - 1). choice: the
    option's points. multi_choice: the chosen options' points added up, at most 1 (none chosen:
    0). duration/count/number, and amount when it has bands: the first band whose max >= value,
    else the last.
    interval: the band of the seconds between `from` and `to`; with no `to`, once `now` (default:
    the current time) is `deadline` seconds past `from` it scores as the last band ("no answer"),
    before that it is unanswered. An answer later than the deadline also scores as the last band.
    Raises ValueError for a value the criterion cannot take (e.g. an unknown option key).
    """
    if value is None or value == NA or not c.scored:
        return None
    error = validate_value(c, value)
    if error:
        raise ValueError(f"{c.key}: {error}")
    if c.type == "interval":
        return _interval_points(c, value, now)
    return float(_POINTS[c.type](c, value))


# ---------------------------------------------------------------- a whole visit


def _applies(c: Criterion, channel: str | None) -> bool:
    """A criterion for one channel does not apply to visits of the other; None means all apply."""
    return c.channel == "any" or channel is None or c.channel == channel


@dataclass
class _Tally:
    """What scoring the criteria collects besides their scores."""

    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def _score_criterion(c: Criterion, section: str, value: object, channel: str | None,
                     now: datetime | None, tally: _Tally, hidden: bool) -> CriterionScore:
    """Score one criterion, noting in `tally` whether it is missing or its value invalid."""
    applicable = c.scored and _applies(c, channel) and not hidden
    na = applicable and c.na_allowed and value == NA
    points = None
    if applicable and not na:
        if validate_value(c, value) is not None:
            tally.invalid.append(c.key)  # counted as unanswered, never guessed at
        else:
            points = criterion_points(c, value, now=now)
        if points is None and c.required:
            tally.missing.append(c.key)
    counted = points is not None
    return CriterionScore(
        key=c.key, section=section, points=points,
        earned=points * c.weight if counted else 0.0, possible=float(c.weight) if counted else 0.0,
        na=na, applicable=applicable, knockout_failed=c.knockout and points == 0,
        hidden=hidden,
    )


def _score_section(section: Section, scores: list[CriterionScore], scope: str) -> SectionScore:
    """100 * earned / possible over what counted; None if nothing did; 0 if knocked out."""
    earned = math.fsum(s.earned for s in scores)
    possible = math.fsum(s.possible for s in scores)
    # earned / possible first: it is <= 1 exactly, so the score cannot overshoot 100.
    score = 100 * (earned / possible) if possible > 0 else None
    knocked_out = scope == "section" and any(s.knockout_failed for s in scores)
    return SectionScore(section.key, 0.0 if knocked_out else score, earned, possible, knocked_out)


def _visit_score(cs: CriteriaSet, sections: dict[str, SectionScore]) -> float | None:
    """Mean of the section scores weighted by section weight, over sections with a score."""
    weighted = [(s.weight, sections[s.key].score) for s in cs.sections
                if sections[s.key].score is not None]
    total = math.fsum(w for w, _ in weighted)
    if total <= 0:
        return None
    # Clamped because rounding in the weighted sum can overshoot 100 by an ulp.
    return min(100.0, math.fsum(w * score for w, score in weighted) / total)


def score_visit(cs: CriteriaSet, answers: dict[str, object], *, channel: str | None = None,
                now: datetime | None = None) -> VisitScore:
    """Score a visit's answers (criterion key -> value, NA, or absent) against a set.

    Rules: a counted answer earns points * weight of a possible weight. N/A (where allowed),
    unscored types (text, photo), criteria for the other channel and unanswered criteria count on
    neither side; unanswered required ones are listed in `missing`, N/A where not allowed and
    other bad values count as unanswered and are listed in `invalid`. Section score = 100 *
    earned / possible, None when nothing counted. Visit score = mean of section scores weighted
    by section weight, None when no section has a score. A knock-out criterion earning 0 sets
    its section (knockout_scope "section") or the visit ("visit") to 0. A visit passes when its
    score is at least pass_mark and no knock-out failed. Answers for keys not in the set are
    ignored (they may belong to another version of the set).

    Show-if logic (criteria/logic.py) runs first, over the answers of this channel's criteria:
    a hidden criterion (every one of a hidden section) counts on neither side, is never
    missing and never knocks out, whatever answer is stored for it. So hiding a whole section
    scores the same as removing it.
    """
    tally = _Tally()
    criteria: dict[str, CriterionScore] = {}
    sections: dict[str, SectionScore] = {}
    hidden = hidden_keys(cs, {c.key: answers[c.key] for c in cs.criteria()
                              if c.key in answers and _applies(c, channel)})
    for section in cs.sections:
        scores = [_score_criterion(c, section.key, answers.get(c.key), channel, now, tally,
                                   c.key in hidden)
                  for c in section.criteria]
        criteria.update((s.key, s) for s in scores)
        sections[section.key] = _score_section(section, scores, cs.knockout_scope)
    knocked_out = [key for key, s in criteria.items() if s.knockout_failed]
    score = _visit_score(cs, sections)
    if knocked_out and cs.knockout_scope == "visit":
        score = 0.0
    passed = score is not None and score >= cs.pass_mark - PASS_TOLERANCE and not knocked_out
    return VisitScore(score, passed, sections, criteria, knocked_out, tally.missing, tally.invalid,
                      hidden)
