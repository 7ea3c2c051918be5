"""A visit's change log as the reviewer reads it: answers and statuses in words, not codes."""

from __future__ import annotations

import json

from flask_babel import gettext
from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.visits import review as review_flow
from audit.web.labels import status_label, visit_log_label
from criteria.model import CriteriaSet
from reports.text import answer_text


def change_lines(db: Database, visit: dict, lang: str) -> list[dict]:
    """Each change of a visit, oldest first: when, who, what, the old and new value in words."""
    cs = version_set(db, visit["version_id"])
    return [_line(row, cs, lang) for row in review_flow.change_log(db, visit["id"])]


def _line(row: dict, cs: CriteriaSet, lang: str) -> dict:
    """One log row in the reader's language."""
    line = {"at": row["at"], "user_name": row["user_name"], "note": row["note"],
            "what": visit_log_label(row["action"]), "question": "", "old": "", "new": ""}
    if row["action"] == "correct":
        criterion = _criterion(cs, row["criterion_key"])
        line["question"] = (criterion.text.get(lang) or criterion.text["en"]) if criterion \
            else row["criterion_key"]
        old, new = _answer(row["old_value"]), _answer(row["new_value"])
        line["old"], line["new"] = (_answer_words(criterion, old, new, lang),
                                    _answer_words(criterion, new, old, lang))
    elif row["action"] != "reschedule":  # a move: from one status to another
        line["old"], line["new"] = status_label(row["old_value"]), status_label(row["new_value"])
    return line


def _criterion(cs: CriteriaSet, key: str | None):
    """The logged criterion, or None when the set no longer has it."""
    try:
        return cs.criterion(key)
    except KeyError:
        return None


def _answer(raw: str | None) -> dict:
    """A logged answer {value, na, comment} with its value decoded."""
    logged = json.loads(raw) if raw else {}
    value = logged.get("value")
    return {"value": json.loads(value) if value is not None else None,
            "na": bool(logged.get("na")), "comment": logged.get("comment")}


def _answer_words(criterion, answer: dict, other: dict, lang: str) -> str:
    """An answer as the pages show it, with its comment when the change touched the comment."""
    if criterion is None:
        words = gettext("N/A") if answer["na"] else str(answer["value"] or "")
    else:
        words = answer_text(criterion, answer["value"], answer["na"], lang, gettext)
    if answer["comment"] != other["comment"] and answer["comment"]:
        words += f" · “{answer['comment']}”"
    return words
