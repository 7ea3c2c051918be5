"""Scheduling visits: who audits which store against which criteria set, and when.

Each writing function is one transaction; a refused request writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from audit.criteria_sets.versions import freeze, version_set
from audit.errors import N_, Conflict, DomainError, Invalid, NotFound
from audit.notifications import schedule as messages
from audit.paging import Keyset, ListFilters, Page, read_page, score_conditions
from audit.storage.db import now
from audit.visits.lifecycle import move, starts
from audit.vocabulary import VisitStatus

OPEN_STATUSES = starts("cancel")
# How long a cancel can be undone: long enough to notice a slip, short enough that nobody has
# planned around the cancellation yet.
UNDO_MINUTES = 15
# The move that undoes a cancel, by the status the visit had before it.
UNDO_MOVE = {VisitStatus.SCHEDULED: "restore", VisitStatus.IN_PROGRESS: "resume"}


class RevisitConflict(Conflict):
    """The shopper was (or will be) at some of these stores too recently; admins may override.

    `reasons` are one Conflict per store, shown in the reader's language by the web layer.
    """

    def __init__(self, reasons: list[DomainError]):
        super().__init__("revisit", "%(why)s", why="; ".join(r.english for r in reasons))
        self.reasons = reasons


@dataclass
class VisitPlan:
    """What an admin asks for: one visit per store, same set, shopper and date window."""

    store_ids: list[int]
    set_id: int
    shopper_id: int
    window_start: date
    window_end: date
    note: str | None = None
    # Criteria the shopper is asked to watch closely (a follow-up of a store's actions); only
    # keys reach the shopper, never the action's text or the manager's notes.
    watch_keys: list[str] = field(default_factory=list)


def published_version(db: Database, set_id: int) -> int | None:
    """The newest published version of a set: the one new visits are frozen to."""
    row = db.execute(
        "SELECT id FROM criteria_versions WHERE set_id = ? AND status = 'published'"
        " ORDER BY number DESC LIMIT 1",
        [set_id],
    ).fetchone()
    return row[0] if row else None


def _check_window(start: date, end: date) -> None:
    """The window must not end before it starts."""
    if end < start:
        raise Invalid("invalid", N_("The window cannot end before it starts."),
                      field="window_end")


def _check_shopper(db: Database, shopper_id: int) -> None:
    """Only an active shopper can be sent on a visit."""
    row = db.execute("SELECT role, active FROM users WHERE id = ?", [shopper_id]).fetchone()
    if row is None or row[0] != "shopper" or not row[1]:
        raise Invalid("invalid", N_("Choose an active shopper."), field="shopper_id")


def _check_stores(db: Database, store_ids: list[int], set_channel: str) -> list[dict]:
    """Every store exists, is not archived, and has the set's channel."""
    if not store_ids:
        raise Invalid("invalid", N_("Choose at least one store."), field="store_ids")
    stores = []
    for store_id in store_ids:
        rows = list(db.query("SELECT * FROM stores WHERE id = ?", [store_id]))
        if not rows or rows[0]["archived"]:
            raise Invalid("invalid", N_("One of the stores no longer exists or is archived."),
                          field="store_ids")
        store = rows[0]
        if set_channel != "any" and store["channel"] != set_channel:
            raise Invalid("invalid", _WRONG_CHANNEL[set_channel], field="store_ids",
                          store=store["code"])
        stores.append(store)
    return stores


def _check_watch_keys(db: Database, version_id: int, keys: list[str]) -> None:
    """Every criterion to watch is in the version the visit will use."""
    known = {c.key for c in version_set(db, version_id).criteria()}
    missing = [k for k in keys if k not in known]
    if missing:
        raise Invalid("invalid", N_("The checklist of this set has no criterion %(keys)s."),
                      field="watch_keys", keys=", ".join(missing))


# One sentence per channel: the channel's word must be in the reader's language too.
_WRONG_CHANNEL = {
    "physical": N_("This criteria set is for physical shops, and %(store)s is not one."),
    "online": N_("This criteria set is for online shops, and %(store)s is not one."),
}


def revisit_reasons(db: Database, shopper_id: int, stores: list[dict], start: date, end: date,
                    days: int, exclude_visit: int | None = None) -> list[DomainError]:
    """Why sending this shopper to these stores breaks the revisit rule (empty: it does not).

    A visit counts from the day it was started, or for one not started yet from its window; a new
    window closer than `days` to it, before or after, is too soon: staff would recognise them.
    """
    reasons = []
    for store in stores:
        rows = db.execute(
            """SELECT COALESCE(substr(started_at, 1, 10), window_start),
                      COALESCE(substr(started_at, 1, 10), window_end)
               FROM visits WHERE shopper_id = ? AND store_id = ? AND status != 'cancelled'
               AND id != ? ORDER BY 1 DESC""",
            [shopper_id, store["id"], exclude_visit or 0],
        ).fetchall()
        # Newest first: the refusal cites the latest visit in the lockout, the one that matters.
        for first, last in rows:
            first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
            if start - timedelta(days=days) < last_day and first_day < end + timedelta(days=days):
                reasons.append(Conflict("revisit", N_(
                    "The shopper visited (or will visit) %(store)s on %(day)s; they may go back"
                    " only %(days)d days later."), store=store["code"], day=first, days=days))
                break
    return reasons


def schedule_visits(db: Database, plan: VisitPlan, *, created_by: int, revisit_days: int,
                    override: bool = False) -> list[int]:
    """Create one scheduled visit per store (all or none); returns their ids."""
    _check_window(plan.window_start, plan.window_end)
    _check_shopper(db, plan.shopper_id)
    row = db.execute(
        "SELECT channel, archived FROM criteria_sets WHERE id = ?", [plan.set_id]
    ).fetchone()
    version_id = published_version(db, plan.set_id) if row and not row[1] else None
    if version_id is None:
        raise Invalid("invalid", N_("This criteria set has no published version."),
                      field="set_id")
    stores = _check_stores(db, list(dict.fromkeys(plan.store_ids)), row[0])
    _check_watch_keys(db, version_id, plan.watch_keys)
    reasons = revisit_reasons(db, plan.shopper_id, stores, plan.window_start, plan.window_end,
                              revisit_days)
    if reasons and not override:
        raise RevisitConflict(reasons)
    stamp = now()
    with db.atomic():
        # The visit keeps this version for good, whatever the criteria editor does later.
        freeze(db, version_id)
        visit_ids = [
            db["visits"].insert({
                "store_id": store["id"], "shopper_id": plan.shopper_id, "version_id": version_id,
                "status": "scheduled", "window_start": plan.window_start.isoformat(),
                "window_end": plan.window_end.isoformat(), "flags": "[]",
                "schedule_note": _note(plan.note, reasons), "created_by": created_by,
                "watch_keys": " ".join(dict.fromkeys(plan.watch_keys)),
                "created_at": stamp, "updated_at": stamp,
            }).last_pk
            for store in stores
        ]
        for visit_id in visit_ids:
            messages.assigned(db, visit_id, plan.shopper_id)
        return visit_ids


def _note(note: str | None, overridden: list[DomainError]) -> str | None:
    """The admin's note, plus the revisit warnings they overrode (reviewers should know)."""
    parts = [note.strip()] if note and note.strip() else []
    if overridden:
        # Stored as written, in English: the note is free text read by every reviewer.
        parts.append("Revisit rule overridden: " + " ".join(r.english for r in overridden))
    return "\n".join(parts) or None


def reschedule(db: Database, visit_id: int, *, shopper_id: int, window_start: date,
               window_end: date, revisit_days: int, override: bool = False) -> None:
    """Move a visit not started yet to another window or shopper.

    Not a status move, but a compare-and-set on status = 'scheduled' all the same: a visit the
    shopper started meanwhile keeps its window and shopper.
    """
    visit = _visit(db, visit_id)
    if visit["status"] != VisitStatus.SCHEDULED:
        raise _not_scheduled()
    _check_window(window_start, window_end)
    _check_shopper(db, shopper_id)
    store = db["stores"].get(visit["store_id"])
    reasons = revisit_reasons(db, shopper_id, [store], window_start, window_end, revisit_days,
                              exclude_visit=visit_id)
    if reasons and not override:
        raise RevisitConflict(reasons)
    stamp = now()
    with db.atomic():
        before = db.execute("SELECT shopper_id FROM visits WHERE id = ?", [visit_id]).fetchone()
        moved = db.execute(
            """UPDATE visits SET shopper_id = ?, window_start = ?, window_end = ?,
                      updated_at = ?, schedule_note = ?
               WHERE id = ? AND status = 'scheduled'""",
            [shopper_id, window_start.isoformat(), window_end.isoformat(), stamp,
             _note(visit["schedule_note"], reasons), visit_id])
        if not moved.rowcount:
            raise _not_scheduled()
        # The shoppers before and after: the first one's phone is told the visit moved away.
        change = db.execute(
            "INSERT INTO visit_log (visit_id, at, action, note, old_value, new_value)"
            " VALUES (?, ?, 'reschedule', ?, ?, ?)",
            [visit_id, stamp, f"{window_start}..{window_end} shopper {shopper_id}",
             str(before[0]), str(shopper_id)])
        messages.rescheduled(db, visit_id, change.lastrowid, before[0], shopper_id)


def _not_scheduled() -> Conflict:
    """The refusal to move a visit that has started (or was cancelled)."""
    return Conflict("status_changed", N_("Only a visit that has not started can be moved."),
                    field="window_start")


def cancel(db: Database, visit_id: int, user_id: int) -> None:
    """Cancel a visit that has not been submitted; its answers stay for the record."""
    try:
        move(db, visit_id, "cancel", actor_id=user_id)
    except Conflict as err:
        raise Conflict("status_changed", N_("A submitted visit cannot be cancelled."),
                       field="visit") from err


def undo_cancel(db: Database, visit_id: int, user_id: int,
                at: datetime | None = None) -> VisitStatus:
    """Put a cancelled visit back where it was; returns that status.

    Allowed only while nothing else has happened to the visit: the cancel is its last event, no
    log row came after it, and it is at most UNDO_MINUTES old. Conflict otherwise.
    """
    with db.atomic():
        cancel_event = _undoable_cancel(db, visit_id, at or datetime.now(UTC))
        action = UNDO_MOVE[VisitStatus(cancel_event["from_status"])]
        move(db, visit_id, action, actor_id=user_id, params={"undoes": cancel_event["id"]})
    return VisitStatus(cancel_event["from_status"])


def can_undo_cancel(db: Database, visit_id: int, at: datetime | None = None) -> bool:
    """Whether undo_cancel would put the visit back now."""
    try:
        _undoable_cancel(db, visit_id, at or datetime.now(UTC))
    except DomainError:
        return False
    return True


def _undoable_cancel(db: Database, visit_id: int, at: datetime) -> dict:
    """The visit's cancel event if it can still be undone; Conflict (or NotFound) if not."""
    _visit(db, visit_id)
    rows = list(db.query("SELECT * FROM visit_events WHERE visit_id = ? ORDER BY id DESC LIMIT 1",
                         [visit_id]))
    last = rows[0] if rows else None
    if last is None or last["action"] != "cancel" or last["from_status"] not in UNDO_MOVE:
        raise Conflict("undo_changed", N_("This visit has changed since it was cancelled; the "
                                          "cancellation can no longer be undone."), field="visit")
    later = db.execute("SELECT 1 FROM visit_log WHERE visit_id = ? AND at > ?",
                       [visit_id, last["at"]]).fetchone()
    if later:
        raise Conflict("undo_changed", N_("This visit has changed since it was cancelled; the "
                                          "cancellation can no longer be undone."), field="visit")
    if at - datetime.fromisoformat(last["at"]) > timedelta(minutes=UNDO_MINUTES):
        raise Conflict("undo_late", N_("A cancellation can be undone for %(n)d minutes only."),
                       field="visit", n=UNDO_MINUTES)
    return last


def _visit(db: Database, visit_id: int) -> dict:
    """A visit row; NotFound if there is none."""
    rows = list(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]))
    if not rows:
        raise NotFound("no_visit", N_("This visit does not exist."))
    return rows[0]


WINDOW_ORDER = Keyset(("v.window_start", "v.id"), descending=True)  # newest window first


def visit_page(db: Database, filters: ListFilters = ListFilters(), *,  # noqa: B008 - frozen
               after: str | None = None, before: str | None = None) -> Page:
    """One page of visits with store, shopper and set, newest window first (cancelled ones
    only when asked), filtered by status, region and score: read from the index of the window
    (m023), so a page costs the same whatever the history."""
    where, params = ["v.status != 'cancelled'"], {}
    if filters.status is not None:
        where, params = ["v.status = :status"], {"status": filters.status}
    if filters.region is not None:
        where.append("s.region = :region")
        params["region"] = filters.region
    scores, score_params = score_conditions("v.score", filters)
    index = "visits_status_window" if filters.status is not None else "visits_window"
    return read_page(
        db, """v.*, s.code AS store_code, s.name AS store_name, s.channel,
               u.name AS shopper_name, cs.name AS set_name, cv.number AS version_number""",
        # The index is named: by itself the planner may take a status index and sort them all.
        f"""visits v INDEXED BY {index} JOIN stores s ON s.id = v.store_id
            JOIN users u ON u.id = v.shopper_id JOIN criteria_versions cv ON cv.id = v.version_id
            JOIN criteria_sets cs ON cs.id = cv.set_id""",
        where + scores, params | score_params, WINDOW_ORDER, after=after, before=before)


def list_visits(db: Database, status: str | None = None) -> list[dict]:
    """The first page of visits (visit_page), of one status or of all but cancelled."""
    return visit_page(db, ListFilters(status=status)).rows
