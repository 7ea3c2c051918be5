"""Properties of scoring and of the file format, checked on generated sets and answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from criteria.io import dump_set, load_set
from criteria.model import Band, CriteriaSet, Criterion, Option, Section
from criteria.scoring import NA, criterion_points, score_visit

# No example database: the repo is shared, and the generated cases are cheap to find again.
CHECK = settings(
    database=None, deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
NOW = datetime.fromisoformat("2026-10-25T12:00:00+01:00")
SCORED = ("yes_no", "rating", "choice", "duration", "count", "number", "interval",
          "multi_choice")
KINDS = (*SCORED, "text", "photo", "amount", "nps")

weights = st.one_of(st.integers(0, 5), st.floats(0, 5, allow_nan=False))
points = st.one_of(st.sampled_from([0, 0.25, 0.5, 1]), st.floats(0, 1))
texts = st.dictionaries(
    st.sampled_from(["pl", "de", "uk"]), st.text(min_size=1, max_size=30)
).flatmap(
    lambda other: (
        st.text(min_size=1, max_size=40).filter(str.strip).map(lambda en: {**other, "en": en})
    )
)


@st.composite
def bands(draw) -> list[Band]:
    """Bands with strictly increasing max and a last band without max."""
    tops = sorted(draw(st.sets(st.integers(-1000, 100_000), max_size=4)))
    return [Band(float(top), draw(points)) for top in tops] + [Band(None, draw(points))]


@st.composite
def criteria(draw, key: str) -> Criterion:
    """A valid criterion of any type."""
    kind = draw(st.sampled_from(KINDS))
    fields = {}
    if kind == "rating":
        fields["scale"] = draw(st.integers(2, 10))
    if kind in ("choice", "multi_choice"):
        keys = draw(
            st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True)
        )
        fields["options"] = [Option(k, draw(texts), draw(points)) for k in keys]
    if kind in ("duration", "count", "number", "interval"):
        fields["bands"] = draw(bands())
    if kind == "interval":
        fields["deadline"] = draw(st.none() | st.integers(1, 10**6))
        fields["steps"] = draw(st.none() | st.just({"en": ["Sent", "Answered"]}))
    if kind in ("duration", "interval"):
        fields["unit"] = draw(st.none() | st.sampled_from(["seconds", "minutes", "hours", "days"]))
    if kind == "yes_no":
        fields["invert"] = draw(st.booleans())
    if kind == "amount":
        fields["currency"] = "PLN"
        fields["bands"] = draw(st.just([]) | bands())
    scored = kind in SCORED or bool(fields.get("bands"))
    return Criterion(
        key,
        kind,
        draw(texts),
        guidance=draw(st.just({}) | texts),
        weight=draw(weights),
        required=draw(st.booleans()),
        na_allowed=draw(st.booleans()),
        knockout=scored and draw(st.booleans()),
        channel=draw(st.sampled_from(["any", "physical", "online"])),
        **fields,
    )


@st.composite
def criteria_sets(draw) -> CriteriaSet:
    """A valid set of one to three sections with unique criterion keys."""
    sections = []
    for i in range(draw(st.integers(1, 3))):
        items = [draw(criteria(f"c{i}_{j}")) for j in range(draw(st.integers(1, 4)))]
        sections.append(Section(f"s{i}", draw(texts), draw(weights), items))
    return CriteriaSet(
        "generated",
        draw(texts),
        draw(st.sampled_from(["any", "physical", "online"])),
        knockout_scope=draw(st.sampled_from(["section", "visit"])),
        pass_mark=draw(st.integers(0, 100) | st.floats(0, 100)),
        description=draw(st.just({}) | texts),
        sections=sections,
    )


def values(c: Criterion) -> st.SearchStrategy:
    """Valid raw answers for a criterion (never N/A, never None)."""
    start = NOW - timedelta(days=5)
    by_type = {
        "yes_no": st.booleans(),
        "rating": st.integers(1, c.scale or 2),
        "choice": st.sampled_from([o.key for o in c.options] or ["a"]),
        "duration": st.floats(0, 200_000),
        "count": st.integers(0, 200_000),
        "number": st.floats(-2000, 200_000),
        "interval": st.one_of(
            st.integers(0, 10**6).map(
                lambda s: {
                    "from": start.isoformat(),
                    "to": (start + timedelta(seconds=s)).isoformat(),
                }
            ),
            st.integers(0, 10**6).map(
                lambda s: {"from": (NOW - timedelta(seconds=s)).isoformat(), "to": None}
            ),
        ),
        "text": st.text(max_size=20),
        "photo": st.just("photo.jpg"),
        "multi_choice": st.lists(st.sampled_from([o.key for o in c.options] or ["a"]),
                                 unique=True),
        "amount": st.integers(0, 10**7).map(lambda cents: cents / 100),
        "nps": st.integers(0, 10),
    }
    return by_type[c.type]


@st.composite
def visits(draw) -> tuple[CriteriaSet, dict, str | None]:
    """A set, answers for it (some missing, some N/A) and the visit's channel."""
    cs = draw(criteria_sets())
    answers = {}
    for c in cs.criteria():
        choice = draw(st.sampled_from(["value", "value", "missing", "na"]))
        if choice == "value":
            answers[c.key] = draw(values(c))
        elif choice == "na" and c.na_allowed:
            answers[c.key] = NA
    return cs, answers, draw(st.sampled_from([None, "physical", "online"]))


@CHECK
@given(visits())
def test_scores_stay_within_0_and_100(visit):
    cs, answers, channel = visit
    result = score_visit(cs, answers, channel=channel, now=NOW)
    assert result.score is None or 0 <= result.score <= 100
    for section in result.sections.values():
        assert section.score is None or 0 <= section.score <= 100
    assert not result.passed or result.score >= cs.pass_mark - 1e-9


@CHECK
@given(visits(), st.data())
def test_an_na_answer_never_changes_the_score_of_others(visit, data):
    cs, answers, channel = visit
    allowing = [c for c in cs.criteria() if c.na_allowed and c.scored]
    assume(allowing)
    target = data.draw(st.sampled_from(allowing))
    as_na = score_visit(cs, {**answers, target.key: NA}, channel=channel, now=NOW)
    answered = score_visit(
        cs, {**answers, target.key: data.draw(values(target))}, channel=channel, now=NOW
    )
    unanswered = score_visit(
        cs, {k: v for k, v in answers.items() if k != target.key}, channel=channel, now=NOW
    )
    for key, score in as_na.criteria.items():
        if key != target.key:
            assert score == answered.criteria[key] == unanswered.criteria[key]
    assert as_na.score == unanswered.score  # N/A weighs exactly like no answer at all


@CHECK
@given(visits(), st.data())
def test_raising_one_answers_points_never_lowers_the_visit_score(visit, data):
    cs, answers, channel = visit
    target = data.draw(st.sampled_from([c for c in cs.criteria()]))
    assume(target.scored)
    one, two = data.draw(values(target)), data.draw(values(target))
    p_one, p_two = criterion_points(target, one, now=NOW), criterion_points(target, two, now=NOW)
    assume(p_one is not None and p_two is not None)
    low, high = (one, two) if p_one <= p_two else (two, one)
    worse = score_visit(cs, {**answers, target.key: low}, channel=channel, now=NOW)
    better = score_visit(cs, {**answers, target.key: high}, channel=channel, now=NOW)
    # Raising points can lift a failed visit-wide knock-out (0) to "nothing weighs" (None) when
    # every weight is 0; otherwise both have a score or neither has.
    if better.score is None:
        assert worse.score is None or (worse.knocked_out and worse.score == 0)
    else:
        assert worse.score is not None
        assert better.score >= worse.score
    assert better.passed or not worse.passed


@CHECK
@given(criteria_sets(), st.sampled_from(["yaml", "json"]))
def test_dump_then_load_gives_an_equal_set(cs, fmt):
    assert load_set(dump_set(cs, fmt), fmt) == cs
