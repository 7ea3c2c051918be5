"""Differences between two versions of a criteria set."""

from __future__ import annotations

from dataclasses import replace

from criteria.diff import diff_sets
from criteria.model import Band, CriteriaSet, Criterion, Section


def old_set() -> CriteriaSet:
    """A small set with two sections."""
    return CriteriaSet(
        "store",
        {"en": "Store"},
        "physical",
        sections=[
            Section(
                "waiting",
                {"en": "Waiting"},
                criteria=[
                    Criterion("greeted", "yes_no", {"en": "Greeted?"}, knockout=True),
                    Criterion(
                        "time", "duration", {"en": "Time"}, bands=[Band(60, 1), Band(None, 0)]
                    ),
                ],
            ),
            Section(
                "service",
                {"en": "Service"},
                criteria=[
                    Criterion("knowledge", "rating", {"en": "Knowledge"}, scale=5),
                ],
            ),
        ],
    )


def test_identical_sets_have_no_differences():
    diff = diff_sets(old_set(), old_set())
    assert diff.empty
    assert (diff.added, diff.removed, diff.changed, diff.set_changed) == ([], [], {}, [])


def test_added_and_removed_criteria_are_listed_by_key():
    old = old_set()
    waiting = replace(
        old.sections[0],
        criteria=[
            old.sections[0].criteria[0],
            Criterion("queue", "count", {"en": "Queue"}, bands=[Band(None, 1)]),
        ],
    )
    diff = diff_sets(old, replace(old, sections=[waiting, old.sections[1]]))
    assert diff.added == ["queue"] and diff.removed == ["time"] and diff.changed == {}
    assert not diff.empty


def test_changed_criteria_list_the_fields_that_changed():
    old = old_set()
    greeted = replace(
        old.sections[0].criteria[0], weight=2, knockout=False, text={"en": "Welcomed?"}
    )
    time = replace(old.sections[0].criteria[1], bands=[Band(90, 1), Band(None, 0)])
    waiting = replace(old.sections[0], criteria=[greeted, time])
    diff = diff_sets(old, replace(old, sections=[waiting, old.sections[1]]))
    assert diff.changed == {"greeted": ["text", "weight", "knockout"], "time": ["bands"]}
    assert diff.added == [] and diff.removed == []


def test_a_criterion_moved_to_another_section_is_changed_in_section():
    old = old_set()
    greeted, time = old.sections[0].criteria
    new = replace(
        old,
        sections=[
            replace(old.sections[0], criteria=[time]),
            replace(old.sections[1], criteria=[*old.sections[1].criteria, greeted]),
        ],
    )
    assert diff_sets(old, new).changed == {"greeted": ["section"]}


def test_sections_added_removed_and_changed():
    old = old_set()
    extra = Section(
        "checkout", {"en": "Checkout"}, criteria=[Criterion("paid", "yes_no", {"en": "Paid"})]
    )
    new = replace(old, sections=[replace(old.sections[0], weight=2, title={"en": "Queue"}), extra])
    diff = diff_sets(old, new)
    assert diff.sections_added == ["checkout"] and diff.sections_removed == ["service"]
    assert diff.sections_changed == {"waiting": ["title", "weight"]}
    assert diff.added == ["paid"] and diff.removed == ["knowledge"]


def test_set_level_changes_are_named():
    old = old_set()
    new = replace(old, pass_mark=70, knockout_scope="visit", name={"en": "Shop"})
    diff = diff_sets(old, new)
    assert diff.set_changed == ["name", "knockout_scope", "pass_mark"]
    assert diff.changed == {} and diff.sections_changed == {}
