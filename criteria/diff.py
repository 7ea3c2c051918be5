"""What changed between two versions of a criteria set, matched by stable keys."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .model import CriteriaSet, Criterion, Section

SET_FIELDS = ("name", "channel", "knockout_scope", "pass_mark", "alert_below",
              "description")


@dataclass(frozen=True)
class SetDiff:
    """Changes from an old version to a new one; keys are criterion or section keys."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    sections_added: list[str] = field(default_factory=list)
    sections_removed: list[str] = field(default_factory=list)
    sections_changed: dict[str, list[str]] = field(default_factory=dict)
    set_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the two versions are the same."""
        return not any((self.added, self.removed, self.changed, self.sections_added,
                        self.sections_removed, self.sections_changed, self.set_changed))


def _changed_fields(old: object, new: object, skip: tuple[str, ...] = ()) -> list[str]:
    """Names of the dataclass fields that differ, in declaration order."""
    return [f.name for f in fields(old)
            if f.name not in skip and getattr(old, f.name) != getattr(new, f.name)]


def _criterion_changes(old: CriteriaSet, new: CriteriaSet) -> dict[str, list[str]]:
    """Changed fields per criterion present in both; `section` when it moved to another one."""
    old_by_key: dict[str, tuple[Criterion, str]] = {
        c.key: (c, s.key) for s in old.sections for c in s.criteria
    }
    changed = {}
    for section in new.sections:
        for c in section.criteria:
            if c.key not in old_by_key:
                continue
            before, old_section = old_by_key[c.key]
            names = _changed_fields(before, c, skip=("key",))
            if old_section != section.key:
                names.append("section")
            if names:
                changed[c.key] = names
    return changed


def diff_sets(old: CriteriaSet, new: CriteriaSet) -> SetDiff:
    """Compare two versions of a set: criteria and sections added, removed and changed."""
    old_keys = [c.key for c in old.criteria()]
    new_keys = [c.key for c in new.criteria()]
    old_sections: dict[str, Section] = {s.key: s for s in old.sections}
    new_sections: dict[str, Section] = {s.key: s for s in new.sections}
    sections_changed = {}
    for key, section in new_sections.items():
        if key in old_sections:
            names = _changed_fields(old_sections[key], section, skip=("key", "criteria"))
            if names:
                sections_changed[key] = names
    return SetDiff(
        added=[k for k in new_keys if k not in old_keys],
        removed=[k for k in old_keys if k not in new_keys],
        changed=_criterion_changes(old, new),
        sections_added=[k for k in new_sections if k not in old_sections],
        sections_removed=[k for k in old_sections if k not in new_sections],
        sections_changed=sections_changed,
        set_changed=[name for name in SET_FIELDS if getattr(old, name) != getattr(new, name)],
    )
