"""The consumer of visit_events that writes the e-mails a move causes.

Why a consumer with a cursor and not a hook inside lifecycle.move(): the move stays one short
compare-and-set that knows nothing of mail, and whoever else reacts to events (report caches,
webhooks) reads them the same way. Nothing is lost all the same: the event is written in the
move's transaction, and the messages it causes are written in ONE transaction with the cursor's
advance. A crash before that commit leaves the cursor where it was, so the events are read again
(replayed, never skipped); each message's key (event, kind, recipient) is unique, so a replay
adds nothing twice.

Managers' messages carry the visit and store only, never the shopper: the text is composed from
them when it is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlite_utils import Database

from audit import outbox
from audit.criteria_sets.versions import version_set
from audit.notifications.kinds import Kind
from audit.notifications.recipients import store_managers

CONSUMER = "outbox"
BATCH = 500


def consume(db: Database, batch: int = BATCH) -> int:
    """Write the messages of the events after the cursor and advance it; returns events read."""
    # A read first: the deliverer asks every 2 s, and mostly nothing is new; the write lock is
    # taken only when something is.
    if db.execute("SELECT 1 FROM visit_events WHERE id > ? LIMIT 1",
                  [outbox.cursor(db, CONSUMER)]).fetchone() is None:
        return 0
    with db.atomic():
        rows = list(db.query(
            """SELECT e.id, e.visit_id, e.action, e.params, v.store_id, v.shopper_id,
                      v.version_id, v.score, v.knocked_out, v.window_end
               FROM visit_events e JOIN visits v ON v.id = e.visit_id
               WHERE e.id > ? ORDER BY e.id LIMIT ?""",
            [outbox.cursor(db, CONSUMER), batch]))
        for row in rows:
            for kind, recipient_id, payload in messages(db, row):
                outbox.add(db, channel="email", kind=kind, recipient_id=recipient_id,
                           payload=payload, key=f"event:{row['id']}:{kind}:{recipient_id}")
        if rows:
            outbox.advance(db, CONSUMER, rows[-1]["id"])
    return len(rows)


def consume_all(db: Database) -> int:
    """Consume until no event is left; returns how many were read."""
    total = 0
    while read := consume(db):
        total += read
    return total


def messages(db: Database, event: dict) -> Iterator[tuple[Kind, int, dict]]:
    """(kind, recipient, payload) of each message one event causes."""
    visit = {"visit_id": event["visit_id"]}
    if event["action"] == "publish":
        managers = store_managers(db, event["store_id"])
        for manager_id in managers:
            yield Kind.VISIT_PUBLISHED, manager_id, {**visit, "store_id": event["store_id"]}
        alert = _alert(db, event)
        if alert:
            for manager_id in managers:
                yield Kind.VISIT_ALERT, manager_id, {**visit, "store_id": event["store_id"],
                                                     **alert}
    elif event["action"] == "return":
        params = json.loads(event["params"]) if event["params"] else {}
        yield Kind.VISIT_RETURNED, event["shopper_id"], {
            **visit, "note": params.get("note", ""), "deadline": event["window_end"]}
    elif event["action"] == "cancel":
        yield Kind.VISIT_CANCELLED, event["shopper_id"], visit
    elif event["action"] in ("restore", "resume"):  # a cancel undone: the visit is theirs again
        yield Kind.VISIT_ASSIGNED, event["shopper_id"], visit


def _alert(db: Database, event: dict) -> dict | None:
    """Why a published visit alerts its managers (a knock-out, a score below the set's
    alert_below, by default its pass mark), or None."""
    threshold = version_set(db, event["version_id"]).alert_threshold
    knocked_out = bool(event["knocked_out"])
    low = event["score"] is not None and event["score"] < threshold
    if not (knocked_out or low):
        return None
    return {"score": event["score"], "threshold": threshold, "knocked_out": knocked_out}
