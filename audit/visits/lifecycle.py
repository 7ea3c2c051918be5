"""A visit's moves between statuses: the one table of them, and move(), the only way to make one.

A move is a compare-and-set: the row changes only if the visit is still in a status the move
starts from, so of two people acting at once (a shopper submitting while an admin cancels, two
reviewers approving) exactly one wins and the other gets Conflict. The same transaction appends
a visit_events row (visit, action, from, to, actor, at, params) for whatever reacts to moves.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum

from sqlite_utils import Database

from audit.errors import N_, Conflict, NotFound
from audit.storage.db import now
from audit.vocabulary import VisitStatus as S


class Actor(StrEnum):
    """Who makes a move: a shopper, a reviewer, an admin, or the app itself (a job, the demo)."""

    SHOPPER = "shopper"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    SYSTEM = "system"


# (from status, action) -> (to status, who may make the move). Cancelling stays as it was: a
# visit may be cancelled until it is submitted the first time (not once it was returned).
# Undoing a cancel is two moves, one per status it can go back to (a move has one target);
# audit/visits/scheduling.py `undo_cancel` allows them only while nothing else has changed.
MOVES: dict[tuple[S, str], tuple[S, frozenset[Actor]]] = {
    (S.SCHEDULED, "start"): (S.IN_PROGRESS, frozenset({Actor.SHOPPER})),
    (S.IN_PROGRESS, "submit"): (S.SUBMITTED, frozenset({Actor.SHOPPER})),
    (S.RETURNED, "submit"): (S.SUBMITTED, frozenset({Actor.SHOPPER})),
    (S.SUBMITTED, "approve"): (S.APPROVED, frozenset({Actor.REVIEWER})),
    (S.SUBMITTED, "return"): (S.RETURNED, frozenset({Actor.REVIEWER})),
    (S.APPROVED, "return"): (S.RETURNED, frozenset({Actor.REVIEWER})),
    (S.APPROVED, "publish"): (S.PUBLISHED, frozenset({Actor.REVIEWER})),
    (S.SCHEDULED, "cancel"): (S.CANCELLED, frozenset({Actor.ADMIN})),
    (S.IN_PROGRESS, "cancel"): (S.CANCELLED, frozenset({Actor.ADMIN})),
    (S.CANCELLED, "restore"): (S.SCHEDULED, frozenset({Actor.ADMIN})),
    (S.CANCELLED, "resume"): (S.IN_PROGRESS, frozenset({Actor.ADMIN})),
}
ACTIONS = tuple(dict.fromkeys(action for _from, action in MOVES))
_COLUMN = re.compile(r"^[a-z_]+$")


def starts(action: str) -> tuple[S, ...]:
    """The statuses a move may start from."""
    return tuple(f for f, a in MOVES if a == action)


def target(action: str) -> S:
    """The status a move leaves the visit in (the same from every start)."""
    return next(to for (_f, a), (to, _who) in MOVES.items() if a == action)


def who_may(action: str) -> frozenset[Actor]:
    """Who may make a move."""
    return frozenset().union(*(who for (_f, a), (_to, who) in MOVES.items() if a == action))


def move(db: Database, visit_id: int, action: str, *, actor_id: int | None,
         params: dict | None = None, sets: dict | None = None, owner: int | None = None) -> S:
    """Make one move (and set `sets` columns with it) in one transaction; returns the old status.

    Conflict("status_changed") when the visit is no longer where the move starts, NotFound when
    there is no such visit; nothing is written then. With `owner`, the visit must also still be
    that shopper's (a shopper's move on a visit given to someone else meanwhile: "visit_moved").
    """
    froms = starts(action)
    if not froms:
        raise ValueError(f"no such move: {action}")
    to, stamp = target(action), now()
    marks = ", ".join("?" * len(froms))
    # The shopper is compared in the same statements as the status: a visit rescheduled to
    # someone else between the caller's read and this move is not theirs to move any more.
    mine, mine_args = ("AND shopper_id = ?", [owner]) if owner is not None else ("", [])
    with db.atomic():
        # The event is written first, from the row as it is: the INSERT ... SELECT reads the old
        # status under the write lock, and the UPDATE below can then no longer miss.
        event = db.execute(
            f"""INSERT INTO visit_events (visit_id, action, from_status, to_status, actor_id,
                                          at, params)
                SELECT id, ?, status, ?, ?, ?, ? FROM visits
                WHERE id = ? AND status IN ({marks}) {mine}""",  # noqa: S608 - only ? marks
            [action, to, actor_id, stamp, _json(params), visit_id, *froms, *mine_args])
        if not event.rowcount:
            _refuse(db, visit_id, action, owner)
        changes = {"updated_at": stamp, **(sets or {})}
        assignments = "".join(f", {_checked(column)} = ?" for column in changes)
        db.execute(
            f"UPDATE visits SET status = ?{assignments}"  # noqa: S608 - checked column names
            f" WHERE id = ? AND status IN ({marks}) {mine}",
            [to, *changes.values(), visit_id, *froms, *mine_args])
        old = db.execute("SELECT from_status FROM visit_events WHERE id = ?",
                         [event.lastrowid]).fetchone()[0]
    return S(old)


def _refuse(db: Database, visit_id: int, action: str, owner: int | None = None) -> None:
    """Raise why a move did not happen: no such visit, someone else's now, or elsewhere by now."""
    row = db.execute("SELECT status, shopper_id FROM visits WHERE id = ?", [visit_id]).fetchone()
    if row is None:
        raise NotFound("no_visit", N_("This visit does not exist."))
    if owner is not None and row[1] != owner:
        raise moved_away()
    if owner is not None and row[0] == S.CANCELLED:
        raise cancelled_visit()
    raise Conflict("status_changed",
                   N_("This visit is no longer waiting for this step; "
                      "reload the page to see where it is."),
                   details={"action": action, "status": row[0]})


def moved_away() -> Conflict:
    """The answer to a shopper whose visit was given to another shopper."""
    return Conflict("visit_moved",
                    N_("This visit was given to another shopper before you started it. Nothing "
                       "more needs to be sent; if you already went to the shop, tell the office."))


def cancelled_visit() -> Conflict:
    """The answer to a shopper whose visit was cancelled."""
    return Conflict("visit_cancelled",
                    N_("This visit was cancelled by the office. Nothing more needs to be sent; "
                       "if you already went to the shop, tell the office."))


def _checked(column: str) -> str:
    """A column name from our own code, never from a request; refuse anything else."""
    if not _COLUMN.match(column) or column == "status":
        raise ValueError(f"not a column move() may set: {column!r}")
    return column


def _json(params: dict | None) -> str | None:
    """The event's parameters as JSON (None when there are none)."""
    return json.dumps(params, ensure_ascii=False, sort_keys=True) if params else None


def events(db: Database, visit_id: int) -> list[dict]:
    """A visit's moves, oldest first, with the actor's name."""
    rows = list(db.query(
        """SELECT e.*, u.name AS user_name FROM visit_events e
           LEFT JOIN users u ON u.id = e.actor_id WHERE e.visit_id = ? ORDER BY e.id""",
        [visit_id]))
    for row in rows:
        row["params"] = json.loads(row["params"]) if row["params"] else {}
    return rows
