"""What a message says, read when it is sent: the visit and store, the action, or the review
queue; and why a message no longer applies (its visit is gone, no longer published, done...).

For a manager's kind nothing of the shopper is read at all.
"""

from __future__ import annotations

from sqlite_utils import Database

from audit.notifications.kinds import ACTION_KINDS, AUDIENCE, VISIT_KINDS, Kind
from audit.notifications.reminders import published_by_store, queue_figures
from audit.vocabulary import OPEN, Role, VisitStatus


def is_for_manager(kind: str) -> bool:
    """Whether managers receive this kind (so nothing of the shopper may be in it)."""
    return AUDIENCE[Kind(kind)] == Role.MANAGER


def facts_for(db: Database, message: dict) -> dict | None:
    """The facts a message is composed from (None: what it is about no longer exists)."""
    kind = Kind(message["kind"])
    if kind in VISIT_KINDS:
        return visit_facts(db, message["payload"]["visit_id"], is_for_manager(kind))
    if kind in ACTION_KINDS:
        return action_facts(db, message["payload"]["action_id"])
    if kind == Kind.MONTHLY_REPORTS:
        payload = message["payload"]
        return {"stores": published_by_store(db, message["recipient_id"], payload["start"],
                                             payload["end"]),
                "start": payload["start"], "end": payload["end"], "store_name": ""}
    return {**queue_figures(db), "store_name": ""}


def visit_facts(db: Database, visit_id: int, for_manager: bool) -> dict | None:
    """What a message says about a visit and its store; never the shopper for a manager."""
    columns = ("v.id, v.ref, v.status, v.score, v.passed, v.knocked_out, v.window_start,"
               " v.window_end, v.published_at, s.id AS store_id, s.code AS store_code,"
               " s.name AS store_name, s.address, s.url, s.channel")
    if not for_manager:
        columns += ", v.return_note, v.shopper_id"
    rows = list(db.query(
        f"SELECT {columns} FROM visits v JOIN stores s ON s.id = v.store_id"  # noqa: S608
        " WHERE v.id = ?", [visit_id]))
    return rows[0] if rows else None


def action_facts(db: Database, action_id: int) -> dict | None:
    """An action, its due date and its store."""
    rows = list(db.query(
        """SELECT a.id, a.text, a.due_date, a.status, a.owner, s.id AS store_id,
                  s.code AS store_code, s.name AS store_name
           FROM actions a JOIN stores s ON s.id = a.store_id WHERE a.id = ?""", [action_id]))
    return rows[0] if rows else None


def stale_reason(message: dict, facts: dict | None) -> str | None:
    """Why a message no longer applies (a code; audit/web/labels.py has its words), or None."""
    kind = Kind(message["kind"])
    if facts is None:
        return "action_gone" if kind in ACTION_KINDS else "visit_gone"
    if kind in (Kind.VISIT_PUBLISHED, Kind.VISIT_ALERT) and \
            facts["status"] != VisitStatus.PUBLISHED:
        return "not_published"
    if kind == Kind.VISIT_OVERDUE and facts["status"] not in OPEN:
        return "visit_done"
    if kind == Kind.VISIT_CANCELLED and facts["status"] in OPEN and \
            facts["shopper_id"] == message["recipient_id"]:
        return "visit_restored"  # the cancel was undone before the message left
    if kind in (Kind.VISIT_ASSIGNED, Kind.VISIT_RESCHEDULED) and (
            facts["status"] == VisitStatus.CANCELLED
            or facts["shopper_id"] != message["recipient_id"]):
        return "visit_taken"  # cancelled or given to someone else before the message left
    if kind in ACTION_KINDS and facts["status"] != "open":
        return "action_closed"
    if kind == Kind.REVIEW_DIGEST and not (facts["submitted"] or facts["approved"]):
        return "nothing_to_review"
    if kind == Kind.MONTHLY_REPORTS and not facts["stores"]:
        return "nothing_published"
    return None
