"""Form fields that answer every required question of a visit's checklist (for field-app tests)."""

from audit.criteria_sets.versions import version_set

FIRST = {"yes_no": "yes", "rating": "4", "count": "2", "number": "3", "text": "Fine."}


def section_fields(criteria) -> dict[str, str]:
    """Fields answering each criterion with a plausible valid value."""
    fields = {}
    for c in criteria:
        if c.type == "duration":
            fields |= {f"a-{c.key}-min": "1", f"a-{c.key}-sec": "30"}
        elif c.type == "interval":
            fields |= {f"a-{c.key}-from": "2026-11-02T10:00", f"a-{c.key}-to": "2026-11-02T12:00"}
        elif c.type == "choice":
            fields[f"a-{c.key}"] = c.options[0].key
        elif c.type == "multi_choice":
            fields[f"a-{c.key}-o-{c.options[0].key}"] = "1"
        elif c.type == "amount":
            fields[f"a-{c.key}"] = "42.50"
        elif c.type == "nps":
            fields[f"a-{c.key}"] = "9"
        elif c.type in FIRST:
            fields[f"a-{c.key}"] = FIRST[c.type]
    return fields


def all_fields(db, visit_id) -> dict[str, str]:
    """Fields for the whole checklist of a visit."""
    cs = version_set(db, db["visits"].get(visit_id)["version_id"])
    return section_fields(list(cs.criteria()))
