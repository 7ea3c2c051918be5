"""Action plans: a store's corrective actions, created and changed with every change logged.

Each writing function is one transaction; a refused request raises audit.errors.Invalid and
writes nothing. Whether the next visit confirmed an action is computed, never stored (the rule is in
reports/actions.py), so it cannot go stale when a visit is published or corrected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from audit.errors import N_, Invalid
from audit.storage.db import now
from audit.vocabulary import ActionStatus
from reports.actions import criteria_of_store, store_actions, weak_points, with_outcomes
from reports.aggregate import Period

MAX_TEXT = 500
MAX_OWNER = 100
MAX_NOTE = 1000
# status -> the statuses it may change to
MOVES = {ActionStatus.OPEN: (ActionStatus.DONE, ActionStatus.DROPPED),
         ActionStatus.DONE: (ActionStatus.OPEN,), ActionStatus.DROPPED: (ActionStatus.OPEN,)}
TOO_LONG = N_("Keep it under %(n)d characters.")


@dataclass
class ActionInput:
    """What a manager or admin types: the step, who does it, by when, for which criterion."""

    text: str | None
    owner: str | None
    due_date: date | None
    criterion_key: str | None = None


def _clean(data: ActionInput, valid_keys: dict[str, str], today: date,
           old_due: str | None = None) -> dict:
    """The columns to store; Invalid at the first field that is refused."""
    text = (data.text or "").strip()
    if not text:
        raise Invalid("text_missing", N_("Say what will be done."), field="text")
    if len(text) > MAX_TEXT:
        raise Invalid("too_long", TOO_LONG, field="text", n=MAX_TEXT)
    owner = (data.owner or "").strip() or None
    if owner and len(owner) > MAX_OWNER:
        raise Invalid("too_long", TOO_LONG, field="owner", n=MAX_OWNER)
    if data.due_date is None:
        raise Invalid("due_date_missing", N_("Give a due date."), field="due_date")
    # An unchanged due date may have passed since; a new one must not be in the past.
    if data.due_date < today and data.due_date.isoformat() != old_due:
        raise Invalid("due_date_past", N_("The due date is in the past: choose today or later."),
                      field="due_date")
    key = (data.criterion_key or "").strip() or None
    if key is not None and key not in valid_keys:
        raise Invalid("unknown_criterion", N_("This store's checklist has no criterion “%(key)s”."),
                      field="criterion_key", key=key)
    return {"text": text, "owner": owner, "due_date": data.due_date.isoformat(),
            "criterion_key": key}


def _log(db: Database, action_id: int, user_id: int, change: str, old: dict | None,
         new: dict | None, note: str | None = None) -> None:
    """One line of the action's history: who changed what, when."""
    db["action_log"].insert({
        "action_id": action_id, "user_id": user_id, "at": now(), "change": change,
        "old_value": json.dumps(old, default=str) if old else None,
        "new_value": json.dumps(new, default=str) if new else None, "note": note})


def create_action(db: Database, store: dict, data: ActionInput, *, user_id: int, lang: str,
                  today: date | None = None, source_visit_id: int | None = None) -> int:
    """A new open action of the store; returns its id."""
    row = _clean(data, criteria_of_store(db, store, lang), today or date.today())
    stamp = now()
    with db.atomic():
        action_id = db["actions"].insert({
            **row, "store_id": store["id"], "status": "open", "source_visit_id": source_visit_id,
            "created_by": user_id, "created_at": stamp, "updated_at": stamp}).last_pk
        _log(db, action_id, user_id, "create", None, row)
    return action_id


def update_action(db: Database, action: dict, data: ActionInput, *, user_id: int, lang: str,
                  today: date | None = None) -> None:
    """Change the text, owner, due date or criterion of an action; only changes are logged."""
    store = db["stores"].get(action["store_id"])
    row = _clean(data, criteria_of_store(db, store, lang), today or date.today(),
                 old_due=action["due_date"])
    changed = {k: v for k, v in row.items() if action[k] != v}
    if not changed:
        return
    with db.atomic():
        db["actions"].update(action["id"], {**changed, "updated_at": now()})
        _log(db, action["id"], user_id, "edit", {k: action[k] for k in changed}, changed)


def set_status(db: Database, action: dict, status: str, note: str | None, *,
               user_id: int) -> None:
    """Mark done (starts verification), drop, or reopen; the note is kept and logged."""
    if status not in MOVES.get(action["status"], ()):
        # Invalid (422) as before: the request names a move that does not exist from here.
        raise Invalid("action_move", N_("This action cannot change from %(old)s to %(new)s."),
                      field="status", old=_state(action["status"]), new=_state(status))
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise Invalid("too_long", TOO_LONG, field="note", n=MAX_NOTE)
    stamp = now()
    change = {"status": status, "status_note": note,
              # Only visits started after this moment can confirm the action.
              "done_at": stamp if status == "done" else None}
    with db.atomic():
        db["actions"].update(action["id"], {**change, "updated_at": stamp})
        _log(db, action["id"], user_id, status if status != "open" else "reopen",
             {"status": action["status"]}, {"status": status}, note)


def _state(status: str) -> ActionStatus | str:
    """A status as the vocabulary value the web layer shows in words (unknown ones as they are)."""
    try:
        return ActionStatus(status)
    except ValueError:
        return status


def action_history(db: Database, action_id: int) -> list[dict]:
    """The action's logged changes, oldest first, with who made each."""
    rows = list(db.query(
        """SELECT l.*, u.name AS user_name FROM action_log l LEFT JOIN users u ON u.id = l.user_id
           WHERE l.action_id = ? ORDER BY l.at, l.id""", [action_id]))
    for r in rows:
        r["old"] = json.loads(r["old_value"]) if r["old_value"] else {}
        r["new"] = json.loads(r["new_value"]) if r["new_value"] else {}
    return rows


def actions_overview(db: Database, stores: list[dict], lang: str,
                     today: date | None = None) -> list[dict]:
    """Every action of these stores with its outcome and criterion question, soonest due first."""
    today = today or date.today()
    rows = with_outcomes(db, store_actions(db, [s["id"] for s in stores]), today)
    texts: dict[int, dict[str, str]] = {s["id"]: criteria_of_store(db, s, lang) for s in stores}
    for r in rows:
        key = r["criterion_key"]
        r["criterion_text"] = texts[r["store_id"]].get(key, key) if key else None
    return rows


def store_panel(rows: list[dict], today: date | None = None, recent_days: int = 90) -> dict:
    """The store page's groups: overdue, open, awaiting verification, recently verified."""
    since = date.fromordinal((today or date.today()).toordinal() - recent_days).isoformat()
    by_state: dict[str, list[dict]] = {}
    for r in rows:
        by_state.setdefault(r["outcome"].state, []).append(r)
    verified = [r for r in rows if r["outcome"].verified and r["outcome"].day >= since]
    return {"overdue": by_state.get("overdue", []), "open": by_state.get("open", []),
            "awaiting": by_state.get("awaiting", []),
            "verified": sorted(verified, key=lambda r: r["outcome"].day, reverse=True)}


def watch_keys(db: Database, store_id: int) -> list[str]:
    """Criteria a follow-up visit should watch: those of open or not yet verified actions."""
    rows = with_outcomes(db, store_actions(db, [store_id]), date.today())
    keys = [r["criterion_key"] for r in rows if r["criterion_key"]
            and r["outcome"].state in ("open", "overdue", "awaiting")]
    return list(dict.fromkeys(keys))


def as_input(action: dict) -> ActionInput:
    """An action row as the form's starting values."""
    return ActionInput(action["text"], action["owner"], date.fromisoformat(action["due_date"]),
                       action["criterion_key"])



def store_actions_page(db: Database, store: dict, lang: str, period: Period) -> dict:
    """The store page's action groups, and its weak points in the report period to act on."""
    rows = actions_overview(db, [store], lang)
    pending = {r["criterion_key"] for r in rows
               if r["outcome"].state in ("open", "overdue", "awaiting")}
    weak = weak_points(db, store, period, lang)
    for w in weak:
        w["has_action"] = w["key"] in pending
    return {"actions": store_panel(rows), "weak": weak, "weak_period": period}


def follow_up_page(db: Database, store: dict, lang: str) -> dict:
    """What the admin's follow-up form offers: the store's actions, sets, criteria to watch."""
    sets = list(db.query(
        "SELECT * FROM criteria_sets WHERE archived = 0 AND channel IN (?, 'any') ORDER BY key",
        [store["channel"]]))
    return {"actions": [r for r in actions_overview(db, [store], lang)
                        if r["outcome"].state in ("open", "overdue", "awaiting")],
            "sets": sets, "criteria": criteria_of_store(db, store, lang),
            "watch": watch_keys(db, store["id"])}
