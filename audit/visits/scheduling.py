"""Scheduling visits: who audits which store against which criteria set, and when.

Each writing function is one transaction; a refused request writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlite_utils import Database

from audit.criteria_sets.versions import freeze, version_set
from audit.storage.db import now
from audit.web.validation import FieldError

OPEN_STATUSES = ("scheduled", "in_progress")


class RevisitConflict(ValueError):
    """The shopper was (or will be) at some of these stores too recently; admins may override."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
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
        raise FieldError("window_end", _("The window cannot end before it starts."))


def _check_shopper(db: Database, shopper_id: int) -> None:
    """Only an active shopper can be sent on a visit."""
    row = db.execute("SELECT role, active FROM users WHERE id = ?", [shopper_id]).fetchone()
    if row is None or row[0] != "shopper" or not row[1]:
        raise FieldError("shopper_id", _("Choose an active shopper."))


def _check_stores(db: Database, store_ids: list[int], set_channel: str) -> list[dict]:
    """Every store exists, is not archived, and has the set's channel."""
    if not store_ids:
        raise FieldError("store_ids", _("Choose at least one store."))
    stores = []
    for store_id in store_ids:
        rows = list(db.query("SELECT * FROM stores WHERE id = ?", [store_id]))
        if not rows or rows[0]["archived"]:
            raise FieldError("store_ids", _("One of the stores no longer exists or is archived."))
        store = rows[0]
        if set_channel != "any" and store["channel"] != set_channel:
            raise FieldError(
                "store_ids",
                _("This criteria set is for %(set)s shops, and %(code)s is not one.",
                  code=store["code"], set=_channel_word(set_channel)),
            )
        stores.append(store)
    return stores


def _check_watch_keys(db: Database, version_id: int, keys: list[str]) -> None:
    """Every criterion to watch is in the version the visit will use."""
    known = {c.key for c in version_set(db, version_id).criteria()}
    missing = [k for k in keys if k not in known]
    if missing:
        raise FieldError("watch_keys", _("The checklist of this set has no criterion %(keys)s.",
                                         keys=", ".join(missing)))


def _channel_word(channel: str) -> str:
    """'physical' or 'online' in the user's language."""
    return _("online") if channel == "online" else _("physical")


def revisit_reasons(db: Database, shopper_id: int, stores: list[dict], start: date, end: date,
                    days: int, exclude_visit: int | None = None) -> list[str]:
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
               AND id != ?""",
            [shopper_id, store["id"], exclude_visit or 0],
        ).fetchall()
        for first, last in rows:
            first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
            if start - timedelta(days=days) < last_day and first_day < end + timedelta(days=days):
                reasons.append(_(
                    "The shopper visited (or will visit) %(code)s on %(day)s; they may go back"
                    " only %(days)d days later.", code=store["code"], day=first, days=days))
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
        raise FieldError("set_id", _("This criteria set has no published version."))
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
        return [
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


def _note(note: str | None, overridden: list[str]) -> str | None:
    """The admin's note, plus the revisit warnings they overrode (reviewers should know)."""
    parts = [note.strip()] if note and note.strip() else []
    if overridden:
        parts.append(_("Revisit rule overridden: %(why)s", why=" ".join(overridden)))
    return "\n".join(parts) or None


def reschedule(db: Database, visit_id: int, *, shopper_id: int, window_start: date,
               window_end: date, revisit_days: int, override: bool = False) -> None:
    """Move a visit not started yet to another window or shopper."""
    visit = _visit(db, visit_id)
    if visit["status"] != "scheduled":
        raise FieldError("window_start", _("Only a visit that has not started can be moved."))
    _check_window(window_start, window_end)
    _check_shopper(db, shopper_id)
    store = db["stores"].get(visit["store_id"])
    reasons = revisit_reasons(db, shopper_id, [store], window_start, window_end, revisit_days,
                              exclude_visit=visit_id)
    if reasons and not override:
        raise RevisitConflict(reasons)
    with db.atomic():
        db["visits"].update(visit_id, {
            "shopper_id": shopper_id, "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(), "updated_at": now(),
            "schedule_note": _note(visit["schedule_note"], reasons),
        })
        db["visit_log"].insert({"visit_id": visit_id, "at": now(), "action": "reschedule",
                                "note": f"{window_start}..{window_end} shopper {shopper_id}"})


def cancel(db: Database, visit_id: int, user_id: int) -> None:
    """Cancel a visit that has not been submitted; its answers stay for the record."""
    visit = _visit(db, visit_id)
    if visit["status"] not in OPEN_STATUSES:
        raise FieldError("visit", _("A submitted visit cannot be cancelled."))
    with db.atomic():
        db["visits"].update(visit_id, {"status": "cancelled", "updated_at": now()})
        db["visit_log"].insert({"visit_id": visit_id, "user_id": user_id, "at": now(),
                                "action": "cancel"})


def _visit(db: Database, visit_id: int) -> dict:
    """A visit row; KeyError if there is none."""
    rows = list(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]))
    if not rows:
        raise KeyError(visit_id)
    return rows[0]


def list_visits(db: Database, status: str | None = None) -> list[dict]:
    """Visits with store and shopper, newest window first (cancelled ones only when asked)."""
    where, params = ("v.status = ?", [status]) if status else ("v.status != 'cancelled'", [])
    return list(db.query(
        f"""SELECT v.*, s.code AS store_code, s.name AS store_name, s.channel,
                   u.name AS shopper_name, cs.name AS set_name, cv.number AS version_number
            FROM visits v JOIN stores s ON s.id = v.store_id JOIN users u ON u.id = v.shopper_id
            JOIN criteria_versions cv ON cv.id = v.version_id
            JOIN criteria_sets cs ON cs.id = cv.set_id
            WHERE {where} ORDER BY v.window_start DESC, s.code LIMIT 500""",  # noqa: S608
        params,
    ))
