"""The actions of the stores in scope with where each stands (reports.actions decides)."""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from audit.api.references import visit_ref
from reports.actions import store_actions, with_outcomes


def actions(db: Database, store_ids: list[int], today: date | None = None) -> list[dict]:
    """Every action of these stores, soonest due first, as the API shows it."""
    rows = with_outcomes(db, store_actions(db, store_ids), today or date.today())
    return [{"id": r["id"], "store_id": r["store_id"], "store_code": r["store_code"],
             "criterion_key": r["criterion_key"], "text": r["text"], "owner": r["owner"],
             "due_date": r["due_date"], "status": r["status"], "state": r["outcome"].state,
             "done_at": r["done_at"],
             "source_visit": visit_ref(db, r["source_visit_id"]) if r["source_visit_id"] else None,
             "created_at": r["created_at"], "updated_at": r["updated_at"]}
            for r in rows]
