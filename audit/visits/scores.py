"""Score a visit from its stored answers and store the result beside them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from criteria.logic import has_logic, hidden_keys
from criteria.model import CriteriaSet
from criteria.scoring import NA, VisitScore, score_visit


def stored_answers(db: Database, visit_id: int) -> dict[str, object]:
    """The visit's answers as the scoring engine takes them (criterion key -> value or NA)."""
    answers: dict[str, object] = {}
    for key, value, na in db.execute(
        "SELECT criterion_key, value, na FROM answers WHERE visit_id = ?", [visit_id]
    ):
        if na:
            answers[key] = NA
        elif value is not None:
            answers[key] = json.loads(value)
    return answers


def hidden_criteria(db: Database, visit_id: int, cs: CriteriaSet, channel: str
                    ) -> frozenset[str]:
    """Keys of the criteria the visit's stored answers hide (criteria/logic.py's rules)."""
    if not has_logic(cs):
        return frozenset()
    answers = stored_answers(db, visit_id)
    mine = {c.key for c in cs.criteria() if c.channel in ("any", channel)}
    return hidden_keys(cs, {key: value for key, value in answers.items() if key in mine})


def compute(db: Database, visit_id: int, now: datetime | None = None, *,
            cs: CriteriaSet | None = None, channel: str | None = None) -> VisitScore:
    """Score a visit without writing anything (the set and channel are read unless given)."""
    if cs is None or channel is None:
        version_id, channel = db.execute(
            """SELECT v.version_id, s.channel FROM visits v JOIN stores s ON s.id = v.store_id
               WHERE v.id = ?""",
            [visit_id],
        ).fetchone()
        cs = version_set(db, version_id)
    return score_visit(cs, stored_answers(db, visit_id), channel=channel,
                       now=now or datetime.now(UTC))


def rescore(db: Database, visit_id: int, now: datetime | None = None, *,
            cs: CriteriaSet | None = None, channel: str | None = None) -> VisitScore:
    """Score a visit and store the visit, section and criterion figures (one transaction)."""
    result = compute(db, visit_id, now, cs=cs, channel=channel)
    with db.atomic():
        db.conn.executemany(
            "UPDATE answers SET points = ?, earned = ?, possible = ?"
            " WHERE visit_id = ? AND criterion_key = ?",
            [(c.points, c.earned if c.applicable else None,
              c.possible if c.applicable else None, visit_id, key)
             for key, c in result.criteria.items()],
        )
        db.execute("DELETE FROM section_scores WHERE visit_id = ?", [visit_id])
        insert_section_scores(
            db, [(visit_id, s.key, s.score, int(s.knocked_out)) for s in result.sections.values()])
        db.execute(
            "UPDATE visits SET score = ?, passed = ?, knocked_out = ? WHERE id = ?",
            [result.score, int(result.passed), int(bool(result.knocked_out)), visit_id],
        )
    return result


def insert_section_scores(db: Database, rows: list[tuple]) -> None:
    """Store (visit_id, section_key, score, knocked_out) rows in one statement."""
    db.conn.executemany(
        "INSERT INTO section_scores (visit_id, section_key, score, knocked_out)"
        " VALUES (?, ?, ?, ?)", rows)
