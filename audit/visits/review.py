"""Review: approve, return, correct and publish visits; the queue and its warning flags.

Status flow: submitted -> (returned -> submitted)* -> approved -> published. Each step is a
move (audit/visits/lifecycle.py): one transaction that changes the status only if the visit is
still where the step starts (so two reviewers cannot both act on it) and writes a visit_events
row: who, when, old and new status. Answer corrections go to visit_log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.errors import N_, Conflict, Invalid, NotFound
from audit.paging import Keyset, ListFilters, Page, read_page, score_conditions
from audit.storage.db import now
from audit.visits import flags as flag_rules
from audit.visits.answers import AnswerInput, save_answers
from audit.visits.lifecycle import events, move
from audit.visits.scores import hidden_criteria
from audit.vocabulary import DONE, MAX_NOTE

CORRECTABLE = DONE
MAX_REASON = 500
# The time stamp column a step sets besides the status.
STAMPS = {"approve": "approved_at", "publish": "published_at"}


def _step(db: Database, visit_id: int, user_id: int, step: str, sets: dict | None = None,
          params: dict | None = None) -> None:
    """Move a visit one step on (and log it), or Conflict if it is not where it must be."""
    stamp = now()
    column = STAMPS.get(step)
    move(db, visit_id, step, actor_id=user_id, params=params,
         sets={**({column: stamp} if column else {}), **(sets or {})})


def approve(db: Database, visit_id: int, user_id: int) -> None:
    """A submitted visit is checked and fine: approved (not yet seen by managers)."""
    _step(db, visit_id, user_id, "approve")


def return_to_shopper(db: Database, visit_id: int, user_id: int, note: str) -> None:
    """Send a visit back to the shopper with a note saying what to fix."""
    note = (note or "").strip()
    if not note:
        raise Invalid("invalid", N_("Say what the shopper should fix."), field="note")
    if len(note) > MAX_NOTE:
        raise Invalid("invalid", N_("A note may have at most %(n)d characters."), field="note",
                      n=MAX_NOTE)
    _step(db, visit_id, user_id, "return", sets={"return_note": note}, params={"note": note})


def publish(db: Database, visit_id: int, user_id: int) -> None:
    """An approved visit reaches the store's managers and reports."""
    _step(db, visit_id, user_id, "publish")


@dataclass
class Batch:
    """What a step over several visits did: the visits it moved, and those that had moved
    meanwhile (another reviewer, a return) with the store code and status they have now."""

    moved: list[int] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


BATCH_STEPS = ("approve", "publish")


def step_many(db: Database, visit_ids: list[int], step: str, user_id: int) -> Batch:
    """Approve or publish several visits in one transaction.

    Each visit's move is its own compare-and-set (a savepoint): a visit no longer where the step
    starts is left as it is and reported, and the others still move. Invalid when there is no
    visit or no such step.
    """
    if step not in BATCH_STEPS:
        raise Invalid("invalid", N_("Choose approve or publish."), field="step")
    if not visit_ids:
        raise Invalid("invalid", N_("Choose at least one visit."), field="visit_ids")
    batch = Batch()
    with db.atomic():
        for visit_id in dict.fromkeys(visit_ids):
            try:
                _step(db, visit_id, user_id, step)
            except (Conflict, NotFound):
                batch.skipped.append(_where(db, visit_id))
            else:
                batch.moved.append(visit_id)
    return batch


def _where(db: Database, visit_id: int) -> dict:
    """A visit's id, store code and status (None for a visit that does not exist)."""
    row = db.execute("SELECT s.code, v.status FROM visits v JOIN stores s ON s.id = v.store_id"
                     " WHERE v.id = ?", [visit_id]).fetchone()
    return {"id": visit_id, "store_code": row[0] if row else None,
            "status": row[1] if row else None}


def correct(db: Database, visit_id: int, user_id: int, entry: AnswerInput,
            reason: str = "") -> None:
    """Change one answer as a reviewer; logged with old and new value and the reviewer's reason.

    The reason is the reviewer's words and stays in the log: the answer's comment is the
    shopper's, and managers read it as such.
    """
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("invalid", N_("Say why you change this answer."), field="reason")
    if len(reason) > MAX_REASON:
        raise Invalid("invalid", N_("A reason may have at most %(n)d characters."),
                      field="reason", n=MAX_REASON)
    status = db.execute("SELECT status FROM visits WHERE id = ?", [visit_id]).fetchone()
    if status is None:
        raise NotFound("no_visit", N_("This visit does not exist."))
    if status[0] not in CORRECTABLE:
        raise Conflict("status_changed", N_("Answers of this visit cannot be corrected now."),
                       field="value")
    save_answers(db, visit_id, [_keep_inquiry(db, visit_id, entry)], user_id=user_id,
                 log_changes=True, reason=reason)


def _keep_inquiry(db: Database, visit_id: int, entry: AnswerInput) -> AnswerInput:
    """A corrected interval keeps the channel and question the shopper recorded."""
    if not isinstance(entry.value, dict):
        return entry
    row = db.execute("SELECT value FROM answers WHERE visit_id = ? AND criterion_key = ?",
                     [visit_id, entry.criterion_key]).fetchone()
    old = json.loads(row[0]) if row and row[0] else None
    if not isinstance(old, dict):
        return entry
    kept = {k: old[k] for k in ("channel", "note") if old.get(k) and k not in entry.value}
    return AnswerInput(entry.criterion_key, {**entry.value, **kept}, entry.comment)


def change_log(db: Database, visit_id: int) -> list[dict]:
    """Every change of a visit, oldest first, with who made it: its moves and answer changes."""
    logged = list(db.query(
        """SELECT l.*, u.name AS user_name FROM visit_log l LEFT JOIN users u ON u.id = l.user_id
           WHERE l.visit_id = ? ORDER BY l.at, l.id""", [visit_id]))
    moves = [{"visit_id": e["visit_id"], "user_id": e["actor_id"], "user_name": e["user_name"],
              "at": e["at"], "action": e["action"], "criterion_key": None,
              "old_value": e["from_status"], "new_value": e["to_status"],
              "note": e["params"].get("note")}
             for e in events(db, visit_id)]
    # Stable: a move and a log row at the same second keep the order each was written in.
    return sorted(moves + logged, key=lambda row: row["at"])


# ---------------------------------------------------------------- the queue and its flags


def _minutes(visit: dict) -> float | None:
    """How long the visit took, in minutes."""
    if not visit["started_at"] or not visit["ended_at"]:
        return None
    delta = datetime.fromisoformat(visit["ended_at"]) - datetime.fromisoformat(visit["started_at"])
    return delta.total_seconds() / 60


def visit_flags(visit: dict, missing: list[flag_rules.Flag]) -> list[flag_rules.Flag]:
    """Warnings for a reviewer: those stored at start and submission, then missing photos."""
    return flag_rules.load(visit["flags"]) + missing


def missing_photos(db: Database, visits: list[dict]) -> dict[int, list[flag_rules.Flag]]:
    """Per visit, the photos_missing flag of its checklist, if any (one query, one set per
    version)."""
    if not visits:
        return {}
    marks = ",".join("?" * len(visits))
    have: dict[int, set] = {}
    for row in db.query(f"SELECT DISTINCT visit_id, criterion_key FROM photos "  # noqa: S608
                        f"WHERE visit_id IN ({marks})", [v["id"] for v in visits]):
        have.setdefault(row["visit_id"], set()).add(row["criterion_key"])
    wanted = {(v["version_id"], v["channel"]) for v in visits}
    photo_keys = {(version, channel): flag_rules.photo_criteria(version_set(db, version), channel)
                  for version, channel in wanted}
    # A photo question hidden by the visit's answers was never asked: no photo is missing.
    return {v["id"]: flag_rules.photos_missing(
        [key for key in photo_keys[v["version_id"], v["channel"]]
         if key not in hidden_criteria(db, v["id"], version_set(db, v["version_id"]),
                                       v["channel"])],
        have.get(v["id"], set()))
            for v in visits}


WAITING = ("submitted", "approved")  # the statuses the review queue shows
QUEUE_ORDER = Keyset(("COALESCE(v.submitted_at, '')", "v.id"))  # oldest first: index m023


def review_page(db: Database, filters: ListFilters = ListFilters(), *,  # noqa: B008 - frozen
                after: str | None = None, before: str | None = None) -> Page:
    """One page of the submitted and approved visits, oldest first, each with its warnings
    (flags); filtered by region, score and status (submitted or approved).

    Reads the page's visits (from the queue's own index), their photos and the cached criteria
    versions: never the visits before them, so the queue costs the same after years of history
    and at any length.
    """
    # The text of the index's WHERE (m023 visits_review_queue), so SQLite may use it.
    where = ["v.status IN ('submitted', 'approved')"]
    params: dict = {}
    if filters.status in WAITING:
        where.append("v.status = :status")
        params["status"] = filters.status
    if filters.region is not None:
        where.append("s.region = :region")
        params["region"] = filters.region
    scores, score_params = score_conditions("v.score", filters)
    page = read_page(
        db, """v.*, s.name AS store_name, s.code AS store_code, s.channel, s.latitude,
               s.longitude, s.region, u.name AS shopper_name""",
        # Named, as the planner would sort the whole queue by the status index instead.
        "visits v INDEXED BY visits_review_queue JOIN stores s ON s.id = v.store_id"
        " JOIN users u ON u.id = v.shopper_id",
        where + scores, params | score_params, QUEUE_ORDER, after=after, before=before)
    photos = missing_photos(db, page.rows)
    for v in page.rows:
        v["warnings"] = visit_flags(v, photos[v["id"]])
        v["minutes"] = _minutes(v)
    return page


def review_queue(db: Database) -> list[dict]:
    """The first page of the review queue (review_page with no filters)."""
    return review_page(db).rows


def visit_for_review(db: Database, visit_id: int) -> dict | None:
    """One visit with store, shopper and warnings (flags), or None."""
    rows = list(db.query(
        """SELECT v.*, s.name AS store_name, s.code AS store_code, s.channel, s.latitude,
                  s.longitude, s.region, u.name AS shopper_name
           FROM visits v JOIN stores s ON s.id = v.store_id JOIN users u ON u.id = v.shopper_id
           WHERE v.id = ?""", [visit_id]))
    if not rows:
        return None
    visit = rows[0]
    visit["warnings"] = visit_flags(visit, missing_photos(db, [visit])[visit_id])
    visit["minutes"] = _minutes(visit)
    return visit
