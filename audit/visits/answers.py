"""Write a visit's answers: validate all, write all or nothing, log changes, rescore."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.errors import N_, Invalid
from audit.storage.db import now
from audit.visits.scores import rescore
from criteria.model import CriteriaSet
from criteria.scoring import MAX_TEXT, NA, VisitScore, validate_value

MAX_COMMENT = 2000
KEEP = object()  # "leave the stored comment as it is"


@dataclass
class AnswerInput:
    """One criterion's new answer: a value (None clears it, NA marks N/A) and a comment."""

    criterion_key: str
    value: object = None
    comment: object = KEEP


class AnswerError(Invalid):
    """Some answers were refused; `errors` maps criterion key to its refusal. Nothing was written.

    Its `details` are those refusals too, so the web layer shows each in the reader's language.
    """

    def __init__(self, errors: dict[str, Invalid]):
        super().__init__("invalid", N_("Some answers need correcting."), details=errors)
        self.errors = errors


# The refusal of a value its criterion does not take, by answer type (rating, choice: the last).
REFUSED = {
    "yes_no": N_("Choose yes or no."),
    "count": N_("Enter a whole number, 0 or more."),
    "duration": N_("The time cannot be negative."),
    "number": N_("Enter a number."),
    "text": N_("Write at most %(n)d characters."),
    "interval": N_("Enter a date and time."),
    "multi_choice": N_("Choose from the answers listed."),
    "amount": N_("Enter an amount of 0 or more with at most two decimals."),
    "nps": N_("Choose a number from 0 to 10."),
}


def check_answers(db: Database, version_id: int, entries: list[AnswerInput],
                  cs: CriteriaSet | None = None) -> dict[str, Invalid]:
    """Refusals of entries that do not fit their criterion, by key (empty when all are fine)."""
    cs = cs or version_set(db, version_id)
    errors = {}
    for entry in entries:
        key = entry.criterion_key
        try:
            criterion = cs.criterion(key)
        except KeyError:
            errors[key] = Invalid("not_in_checklist",
                                  N_("This question is not part of the visit's checklist."),
                                  field=key)
            continue
        if entry.value == NA:
            if not criterion.na_allowed:
                errors[key] = Invalid("na_not_allowed", N_("N/A is not allowed for this question."),
                                      field=key)
        elif entry.value is not None and validate_value(criterion, entry.value):
            errors[key] = refused_answer(criterion)
        if isinstance(entry.comment, str) and len(entry.comment) > MAX_COMMENT:
            errors[key] = Invalid("comment_too_long",
                                  N_("A comment may have at most %(n)d characters."),
                                  field=key, n=MAX_COMMENT)
    return errors


def refused_answer(criterion) -> Invalid:
    """What to tell the user about an answer its criterion refuses.

    criteria/ explains it in English for the CLI; the forms catch most mistakes first, so this
    is said when a value got past them (an out-of-range rating, an unknown option, a long text).
    """
    template = REFUSED.get(criterion.type, N_("Choose one of the answers."))
    params = {"n": MAX_TEXT} if criterion.type == "text" else {}
    return Invalid("refused_value", template, field=criterion.key, **params)


def save_answers(
    db: Database,
    visit_id: int,
    entries: list[AnswerInput],
    *,
    user_id: int | None,
    log_changes: bool = False,
    reason: str | None = None,
    cs: CriteriaSet | None = None,
    channel: str | None = None,
) -> VisitScore:
    """Validate every entry, then write them all and rescore in one transaction.

    A caller that has the visit's set and store channel at hand passes them (a submission
    does), so neither the visit nor the set is looked up again. `reason` (a reviewer's why) is
    stored on each logged change, never in the answer's comment.
    """
    if cs is None:
        version_id = db.execute("SELECT version_id FROM visits WHERE id = ?",
                                [visit_id]).fetchone()[0]
        cs = version_set(db, version_id)
    errors = check_answers(db, 0, entries, cs)
    if errors:
        raise AnswerError(errors)
    section_of = {c.key: section.key for section in cs.sections for c in section.criteria}
    stamp = now()
    with db.atomic():
        # One read of the stored answers and one statement for all rows: a submission writes
        # ~30 answers, and a query plus sqlite-utils' table introspection per answer was most
        # of its time.
        stored = _stored(db, visit_id)
        rows = []
        for entry in entries:
            old = stored.get(entry.criterion_key)
            row = _row(visit_id, section_of[entry.criterion_key], entry, old, stamp)
            rows.append(row)
            stored[entry.criterion_key] = row
            if log_changes and _shown(old) != _shown(row):
                _log(db, visit_id, user_id, entry.criterion_key, old, row, stamp, reason)
        db.conn.executemany(UPSERT_ANSWER, rows)
        db.execute("UPDATE visits SET updated_at = ? WHERE id = ?", [stamp, visit_id])
        return rescore(db, visit_id, cs=cs, channel=channel)


# Points, earned and possible stay as they are: rescore() sets them right after.
UPSERT_ANSWER = """
INSERT INTO answers (visit_id, criterion_key, section_key, value, na, comment, updated_at)
VALUES (:visit_id, :criterion_key, :section_key, :value, :na, :comment, :updated_at)
ON CONFLICT (visit_id, criterion_key) DO UPDATE SET section_key = excluded.section_key,
    value = excluded.value, na = excluded.na, comment = excluded.comment,
    updated_at = excluded.updated_at"""


def _stored(db: Database, visit_id: int) -> dict[str, dict]:
    """The visit's stored answer rows by criterion key."""
    return {row["criterion_key"]: row for row in db.query(
        "SELECT * FROM answers WHERE visit_id = ?", [visit_id])}


def _row(visit_id: int, section_key: str, entry: AnswerInput, old: dict | None, stamp: str):
    """The answers row for an entry."""
    comment = (old or {}).get("comment") if entry.comment is KEEP else (entry.comment or None)
    return {
        "visit_id": visit_id,
        "criterion_key": entry.criterion_key,
        "section_key": section_key,
        "value": None if entry.value in (None, NA) else json.dumps(entry.value, ensure_ascii=False),
        "na": int(entry.value == NA),
        "comment": comment,
        "updated_at": stamp,
    }


def _shown(row: dict | None) -> tuple:
    """What a change log compares: value, N/A and comment."""
    return (None, 0, None) if row is None else (row["value"], row["na"], row["comment"])


def _log(db: Database, visit_id: int, user_id: int | None, key: str, old, new, stamp,
         reason: str | None = None) -> None:
    """Record who changed which answer, when, from what to what, and why."""
    db["visit_log"].insert({
        "visit_id": visit_id, "user_id": user_id, "at": stamp, "action": "correct",
        "criterion_key": key,
        "old_value": json.dumps(dict(zip(("value", "na", "comment"), _shown(old), strict=True))),
        "new_value": json.dumps(dict(zip(("value", "na", "comment"), _shown(new), strict=True))),
        "note": reason,
    })
