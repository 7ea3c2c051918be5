"""The outbox: the one writer of the outbox table and of the event consumers' cursors.

A message is written once, with a unique key, in the transaction of whatever caused it; a
deliverer (audit/mail/delivery.py for e-mail; webhooks later) claims the due ones, sends them
and marks each sent, or tries it again later with back-off, or gives up after MAX_ATTEMPTS.

Claiming is a lease, not a status: it pushes next_try_at LEASE_SECONDS on, so a second
deliverer running at the same time does not see the message, and a deliverer that dies in the
middle leaves it due again when the lease runs out. The price is honest: a deliverer that dies
after the server accepted a message and before mark_sent sends it again (at-least-once). The
message's Message-ID stays the same, so a mail server or client can tell the repeat.

No Flask: the text of a message is composed when it is sent, in the recipient's language.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from audit.errors import N_, Conflict, NotFound
from audit.storage.db import now

CHANNELS = ("email", "webhook")
STATUSES = ("waiting", "sent", "failed", "skipped")
MAX_ATTEMPTS = 10
FIRST_DELAY = 30  # seconds before the second try; doubled after each failure
MAX_DELAY = 3600
LEASE_SECONDS = 300  # a claimed message is due again after this, should its deliverer die


def _stamp(at: datetime | None = None) -> str:
    """A time as stored (ISO-8601 UTC, seconds)."""
    return (at or datetime.now(UTC)).isoformat(timespec="seconds")


def add(db: Database, *, channel: str, kind: str, key: str, recipient_id: int | None = None,
        payload: dict | None = None, target: str | None = None) -> bool:
    """Write one message unless one with this key exists; True when it was added.

    Call it inside the caller's transaction, so the message exists exactly when the change does.
    """
    if channel not in CHANNELS:
        raise ValueError(f"no such channel: {channel}")
    stamp = now()
    added = db.execute(
        """INSERT OR IGNORE INTO outbox (channel, kind, recipient_id, target, payload, key,
                                         next_try_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [channel, kind, recipient_id, target,
         json.dumps(payload or {}, ensure_ascii=False, sort_keys=True), key, stamp, stamp])
    return bool(added.rowcount)


def claim_due(db: Database, channel: str, limit: int = 50,
              at: datetime | None = None) -> list[dict]:
    """Take up to `limit` due messages of a channel for LEASE_SECONDS; counts the attempt."""
    at = at or datetime.now(UTC)
    lease = _stamp(at + timedelta(seconds=LEASE_SECONDS))
    # A read first: asked every few seconds, the outbox is mostly empty of due messages, and
    # the write lock is taken only when there are some.
    if db.execute("SELECT 1 FROM outbox WHERE status = 'waiting' AND next_try_at <= ? LIMIT 1",
                  [_stamp(at)]).fetchone() is None:
        return []
    with db.atomic():
        rows = list(db.query(
            """SELECT * FROM outbox WHERE status = 'waiting' AND next_try_at <= ?
                 AND channel = ? ORDER BY next_try_at, id LIMIT ?""",
            [_stamp(at), channel, limit]))
        for row in rows:
            db.execute("UPDATE outbox SET next_try_at = ?, attempts = attempts + 1 WHERE id = ?",
                       [lease, row["id"]])
            row["attempts"] += 1
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return rows


def mark_sent(db: Database, message_id: int) -> None:
    """The other side accepted the message."""
    with db.atomic():
        db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                   [now(), message_id])


def mark_retry(db: Database, message_id: int, error: str, at: datetime | None = None) -> str:
    """A failure that may pass (server down, busy): try later, or give up after MAX_ATTEMPTS.

    Returns the status the message is left in ('waiting' or 'failed').
    """
    with db.atomic():
        row = db.execute("SELECT attempts FROM outbox WHERE id = ?", [message_id]).fetchone()
        if row is None:
            return "failed"
        if row[0] >= MAX_ATTEMPTS:
            _finish(db, message_id, "failed", error)
            return "failed"
        when = (at or datetime.now(UTC)) + timedelta(seconds=retry_delay(row[0]))
        db.execute("UPDATE outbox SET next_try_at = ?, last_error = ? WHERE id = ?",
                   [_stamp(when), error[:1000], message_id])
    return "waiting"


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed try: 30, 60, 120, ... at most an hour."""
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def mark_failed(db: Database, message_id: int, error: str) -> None:
    """A failure that will not pass by waiting (the address was refused): no more tries."""
    with db.atomic():
        _finish(db, message_id, "failed", error)


def mark_skipped(db: Database, message_id: int, reason: str) -> None:
    """Not sent on purpose (the recipient unsubscribed, has no address, is inactive)."""
    with db.atomic():
        _finish(db, message_id, "skipped", reason)


def _finish(db: Database, message_id: int, status: str, error: str) -> None:
    db.execute("UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
               [status, error[:1000], message_id])


def resend(db: Database, message_id: int) -> None:
    """Queue a failed, skipped or sent message again, due now, with fresh attempts."""
    with db.atomic():
        moved = db.execute(
            """UPDATE outbox SET status = 'waiting', attempts = 0, next_try_at = ?
               WHERE id = ? AND status != 'waiting'""", [now(), message_id])
        if moved.rowcount:
            return
        if db.execute("SELECT 1 FROM outbox WHERE id = ?", [message_id]).fetchone() is None:
            raise NotFound("no_message", N_("This message does not exist."))
        raise Conflict("already_waiting", N_("This message is already waiting to be sent."))


def recent(db: Database, status: str | None = None, limit: int = 200) -> list[dict]:
    """The newest messages (of one status), with the recipient's name and e-mail."""
    where = "WHERE o.status = ?" if status in STATUSES else ""
    params = [status] if where else []
    return list(db.query(
        f"""SELECT o.*, u.name AS recipient_name, u.email AS recipient_email
            FROM outbox o LEFT JOIN users u ON u.id = o.recipient_id
            {where} ORDER BY o.id DESC LIMIT ?""",  # noqa: S608 - a fixed clause
        [*params, limit]))


def counts(db: Database) -> dict[str, int]:
    """How many messages are in each status."""
    found = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    return {status: found.get(status, 0) for status in STATUSES}


def cursor(db: Database, consumer: str) -> int:
    """The last event id a consumer handled (0: none yet)."""
    row = db.execute("SELECT last_id FROM event_cursors WHERE consumer = ?",
                     [consumer]).fetchone()
    return row[0] if row else 0


def advance(db: Database, consumer: str, last_id: int) -> None:
    """Move a consumer's cursor on; inside the transaction that wrote what it produced."""
    db.execute(
        """INSERT INTO event_cursors (consumer, last_id) VALUES (?, ?)
           ON CONFLICT (consumer) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)""",
        [consumer, last_id])
