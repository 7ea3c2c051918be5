"""Published visits with their sections and answers, a page at a time (keyset pagination).

A page is ordered by visit id and its cursor holds the last id it returned, so paging is stable
while new visits are published: each visit appears once, never shifted by an insert. Three
queries a page (visits, section scores, answers), whatever its length.
"""

from __future__ import annotations

import base64
import binascii
import json

from sqlite_utils import Database

from audit.api.scope import Scope
from criteria.model import CriteriaSet, text
from reports.figures import VISIT_DAY
from reports.period import Period
from reports.versions import version_sets

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BadCursor(ValueError):
    """A cursor this API did not hand out."""


def encode_cursor(last_id: int) -> str:
    """The opaque cursor after the visit with this id."""
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The visit id a cursor continues after; BadCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    tag, _, number = raw.partition(":")
    if tag != "v1" or not number.isdigit() or len(number) > 18:
        raise BadCursor(cursor)
    return int(number)


def visits_page(db: Database, scope: Scope, period: Period, lang: str, *, after: int = 0,
                limit: int = DEFAULT_LIMIT, store_id: int | None = None) -> dict:
    """One page of published visits in scope whose day is in the period, after visit `after`."""
    where = ""
    params = {**scope.params, "start": period.start.isoformat(), "end": period.end.isoformat(),
              "after": after, "limit": limit + 1}
    if store_id is not None:
        where, params["store_id"] = "AND v.store_id = :store_id", store_id
    rows = list(db.query(
        f"""SELECT v.id, v.ref, v.store_id, s.code AS store_code, v.version_id, v.started_at,
                   v.ended_at, v.published_at, v.score, v.passed, v.knocked_out,
                   {VISIT_DAY} AS day
            FROM visits v JOIN stores s ON s.id = v.store_id
            WHERE v.status = 'published' AND v.id > :after AND v.store_id IN ({scope.sql})
              AND {VISIT_DAY} BETWEEN :start AND :end {where}
            ORDER BY v.id LIMIT :limit""",  # noqa: S608
        params))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": visit_items(db, rows, lang),
            "next_cursor": encode_cursor(rows[-1]["id"]) if more else None}


def published_visit(db: Database, scope: Scope, visit_id: int, lang: str) -> dict | None:
    """One published visit in scope, as a page item, or None."""
    rows = list(db.query(
        f"""SELECT v.id, v.ref, v.store_id, s.code AS store_code, v.version_id, v.started_at,
                   v.ended_at, v.published_at, v.score, v.passed, v.knocked_out,
                   {VISIT_DAY} AS day
            FROM visits v JOIN stores s ON s.id = v.store_id
            WHERE v.id = :visit AND v.status = 'published'
              AND v.store_id IN ({scope.sql})""",  # noqa: S608
        {**scope.params, "visit": visit_id}))
    return visit_items(db, rows, lang)[0] if rows else None


def _by_visit(db: Database, table: str, ids: list[int]) -> dict[int, list[dict]]:
    """Rows of a per-visit table for these visits, grouped by visit, in one query."""
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        for row in db.query(
                f"SELECT * FROM {table} WHERE visit_id IN (SELECT value FROM json_each(?))",  # noqa: S608
                [json.dumps(ids)]):
            out[row["visit_id"]].append(row)
    return out


def visit_items(db: Database, rows: list[dict], lang: str) -> list[dict]:
    """Visit rows as the API shows them: with sections and answers in checklist order."""
    ids = [r["id"] for r in rows]
    sets = version_sets(db, {r["version_id"] for r in rows})
    sections = _by_visit(db, "section_scores", ids)
    answers = _by_visit(db, "answers", ids)
    return [_item(r, sets[r["version_id"]], sections[r["id"]], answers[r["id"]], lang)
            for r in rows]


def _item(row: dict, cs: CriteriaSet, sections: list[dict], answers: list[dict],
          lang: str) -> dict:
    """One visit with its sections and answers, each in the order of its criteria set."""
    section_rows = {s["section_key"]: s for s in sections}
    answer_rows = {a["criterion_key"]: a for a in answers}
    out_sections, out_answers = [], []
    for section in cs.sections:
        s = section_rows.get(section.key)
        if s is not None:
            out_sections.append({"key": section.key, "title": text(section.title, lang),
                                 "score": s["score"], "knocked_out": bool(s["knocked_out"])})
        for c in section.criteria:
            a = answer_rows.get(c.key)
            if a is None:
                continue
            out_answers.append({
                "criterion_key": c.key, "section_key": section.key,
                "question": text(c.text, lang), "type": c.type,
                "value": json.loads(a["value"]) if a["value"] is not None else None,
                "na": bool(a["na"]), "comment": a["comment"], "points": a["points"],
                "earned": a["earned"], "possible": a["possible"]})
    return {"id": row["ref"], "store_id": row["store_id"],
            "store_code": row["store_code"], "day": row["day"],
            "started_at": row["started_at"], "ended_at": row["ended_at"],
            "published_at": row["published_at"], "criteria_set": cs.key,
            "criteria_version": row["version_id"], "pass_mark": cs.pass_mark,
            "score": row["score"],
            "passed": None if row["passed"] is None else bool(row["passed"]),
            "knocked_out": bool(row["knocked_out"]),
            "sections": out_sections, "answers": out_answers}
