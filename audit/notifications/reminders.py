"""Reminders that come from the calendar, not from a change: a visit past its window, an action
due soon or overdue, the reviewers' daily digest.

A scan writes one message per thing and day it is about, under a key that says so (the visit
and its window end, the action and its due date, the reviewer and the day), so running the scan
every minute sends each reminder once; a moved window or due date is a new key, hence a new
reminder. The mail worker runs the scans once per run (audit/mail/tasks.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database

from audit import outbox
from audit.notifications.kinds import Kind
from audit.notifications.recipients import store_managers
from audit.stores import managed_store_ids_sql

DUE_SOON_DAYS = 3  # an open action due within this many days gets its "due" reminder
DIGEST_HOUR = 7  # the reviewers' digest goes out after this hour (AUDIT_TIMEZONE) each day


def scan(db: Database, today: date, hour: int) -> int:
    """Write every reminder due today; returns how many new messages were written."""
    with db.atomic():
        return (overdue_visits(db, today) + actions_due(db, today)
                + review_digest(db, today, hour) + monthly_reports(db, today, hour))


def overdue_visits(db: Database, today: date) -> int:
    """A shopper's visit not yet submitted after its window ended (once per window)."""
    added = 0
    for visit_id, shopper_id, window_end in db.execute(
            """SELECT id, shopper_id, window_end FROM visits
               WHERE status IN ('scheduled', 'in_progress', 'returned') AND window_end < ?""",
            [today.isoformat()]).fetchall():
        added += outbox.add(db, channel="email", kind=Kind.VISIT_OVERDUE, recipient_id=shopper_id,
                            payload={"visit_id": visit_id},
                            key=f"overdue:{visit_id}:{window_end}:{shopper_id}")
    return added


def actions_due(db: Database, today: date) -> int:
    """An open action due within DUE_SOON_DAYS, and once more when it is overdue."""
    soon = (today + timedelta(days=DUE_SOON_DAYS)).isoformat()
    added = 0
    for action_id, store_id, due in db.execute(
            "SELECT id, store_id, due_date FROM actions WHERE status = 'open' AND due_date <= ?",
            [soon]).fetchall():
        kind = Kind.ACTION_OVERDUE if due < today.isoformat() else Kind.ACTION_DUE
        for manager_id in store_managers(db, store_id):
            added += outbox.add(db, channel="email", kind=kind, recipient_id=manager_id,
                                payload={"action_id": action_id, "store_id": store_id},
                                key=f"{kind}:{action_id}:{due}:{manager_id}")
    return added


def review_digest(db: Database, today: date, hour: int) -> int:
    """Each reviewer, once a day after DIGEST_HOUR, when visits wait for review."""
    if hour < DIGEST_HOUR or not db.execute(
            "SELECT 1 FROM visits WHERE status IN ('submitted', 'approved') LIMIT 1").fetchone():
        return 0
    added = 0
    for (user_id,) in db.execute(
            "SELECT id FROM users WHERE role = 'admin' AND is_reviewer = 1 AND active = 1"
    ).fetchall():
        added += outbox.add(db, channel="email", kind=Kind.REVIEW_DIGEST, recipient_id=user_id,
                            payload={"day": today.isoformat()},
                            key=f"digest:{today.isoformat()}:{user_id}")
    return added


def last_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before today's."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def monthly_reports(db: Database, today: date, hour: int) -> int:
    """Each manager with stores, once a month after DIGEST_HOUR: last month's store reports."""
    if hour < DIGEST_HOUR:
        return 0
    start, end = last_month(today)
    added = 0
    for (user_id,) in db.execute(
            """SELECT id FROM users WHERE role = 'manager' AND active = 1 AND (
                   id IN (SELECT user_id FROM store_managers)
                   OR id IN (SELECT user_id FROM region_managers))""").fetchall():
        added += outbox.add(db, channel="email", kind=Kind.MONTHLY_REPORTS, recipient_id=user_id,
                            payload={"start": start.isoformat(), "end": end.isoformat()},
                            key=f"monthly:{start:%Y-%m}:{user_id}")
    return added


def published_by_store(db: Database, user_id: int, start: str, end: str) -> list[dict]:
    """The manager's stores with published visits between start and end (as reports count)."""
    return list(db.query(
        f"""SELECT s.id, s.code, s.name, COUNT(*) AS visits FROM visits v
            JOIN stores s ON s.id = v.store_id
            WHERE v.status = 'published' AND s.id IN ({managed_store_ids_sql()})
              AND substr(COALESCE(v.started_at, v.submitted_at), 1, 10) BETWEEN :start AND :end
            GROUP BY s.id ORDER BY s.region, s.code""",  # noqa: S608 - a fixed subquery
        {"user_id": user_id, "start": start, "end": end}))


def queue_figures(db: Database) -> dict:
    """What the digest says: visits waiting for review and approval, the oldest submission."""
    submitted, approved, oldest = db.execute(
        """SELECT TOTAL(status = 'submitted'), TOTAL(status = 'approved'), MIN(submitted_at)
           FROM visits WHERE status IN ('submitted', 'approved')""").fetchone()
    return {"submitted": int(submitted), "approved": int(approved), "oldest": oldest}
