"""The shopper's messages about the schedule: a visit assigned, moved, or taken away.

Scheduling is not a status move, so there is no event to consume: audit/visits/scheduling.py
calls these inside its own transaction, and the message exists exactly when the change does.
"""

from __future__ import annotations

from sqlite_utils import Database

from audit import outbox
from audit.notifications.kinds import Kind


def assigned(db: Database, visit_id: int, shopper_id: int, key: str | None = None) -> None:
    """A new visit for the shopper."""
    outbox.add(db, channel="email", kind=Kind.VISIT_ASSIGNED, recipient_id=shopper_id,
               payload={"visit_id": visit_id}, key=key or f"assigned:{visit_id}:{shopper_id}")


def rescheduled(db: Database, visit_id: int, change_id: int, old_shopper_id: int,
                shopper_id: int) -> None:
    """A visit moved to another window (the shopper's) or to another shopper (both are told)."""
    if old_shopper_id != shopper_id:
        outbox.add(db, channel="email", kind=Kind.VISIT_CANCELLED, recipient_id=old_shopper_id,
                   payload={"visit_id": visit_id}, key=f"change:{change_id}:taken:{old_shopper_id}")
        assigned(db, visit_id, shopper_id, key=f"change:{change_id}:assigned:{shopper_id}")
        return
    outbox.add(db, channel="email", kind=Kind.VISIT_RESCHEDULED, recipient_id=shopper_id,
               payload={"visit_id": visit_id}, key=f"change:{change_id}:moved:{shopper_id}")
