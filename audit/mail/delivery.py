"""Deliver the outbox's due e-mails over SMTP: one pass, or passes for a while (the Huey task).

A pass first turns new visit events into messages (audit/notifications/visit_events.py), then
claims the due e-mails, opens one SMTP connection and sends them one by one. A message is marked
sent only after the server accepted it. A server that cannot be reached, or hangs up, leaves the
message to be tried again with back-off (audit/outbox.py); an address the server refuses fails
it for good (an admin may resend it from the outbox page). Without AUDIT_SMTP_URL nothing is
sent: the messages wait.
"""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlite_utils import Database

from audit import outbox
from audit.mail import smtp
from audit.mail.compose import compose, language
from audit.mail.facts import facts_for, stale_reason
from audit.notifications import preferences, reminders
from audit.notifications.kinds import Kind
from audit.notifications.visit_events import consume_all
from audit.storage.db import open_db

BATCH = 100


@dataclass
class Pass:
    """What one pass did."""

    events: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due(app: Flask, db: Database | None = None, limit: int = BATCH) -> Pass:
    """One pass: consume events, then send the due e-mails (none without AUDIT_SMTP_URL)."""
    own = db is None
    db = db or open_db(app.config["DATABASE"])
    try:
        done = Pass(events=consume_all(db))
        if app.config.get("SMTP_URL"):
            try:
                server = smtp.parse(app.config["SMTP_URL"])
            except ValueError as err:  # messages wait; the outbox page says why
                done.errors.append(str(err))
                return done
            _send_due(app, db, server, limit, done)
        return done
    finally:
        if own:
            db.close()


def deliver_for(app: Flask, seconds: float, every: float = 2.0) -> Pass:
    """Passes every `every` seconds for about `seconds` (the periodic task's minute)."""
    total = Pass()
    end = time.monotonic() + seconds
    db = open_db(app.config["DATABASE"])
    try:
        while True:
            done = deliver_due(app, db)
            for name in ("events", "sent", "retried", "failed", "skipped"):
                setattr(total, name, getattr(total, name) + getattr(done, name))
            total.errors += done.errors
            if time.monotonic() + every > end:
                return total
            if done.sent + done.retried + done.failed < BATCH:  # a full batch: go on at once
                time.sleep(every)
    finally:
        db.close()


def scan_reminders(app: Flask, at: datetime | None = None) -> int:
    """Write the reminders due now (overdue visits, actions, the digest); returns how many."""
    at = (at or datetime.now(UTC)).astimezone(ZoneInfo(app.config["TIMEZONE"]))
    db = open_db(app.config["DATABASE"])
    try:
        return reminders.scan(db, at.date(), at.hour)
    finally:
        db.close()


def _send_due(app: Flask, db: Database, server: smtp.Server, limit: int, done: Pass) -> None:
    """Claim the due e-mails and send them over one connection."""
    claimed = outbox.claim_due(db, "email", limit)
    if not claimed:
        return
    settled: set[int] = set()
    try:
        with smtp.connect(server) as conn:
            for message in claimed:
                _send_one(app, db, conn, message, done)
                settled.add(message["id"])
    except (smtplib.SMTPException, OSError) as err:  # the connection is gone or never came
        for message in claimed:
            if message["id"] not in settled:
                _retry(db, message, err, done)


def _retry(db: Database, message: dict, err: BaseException | str, done: Pass) -> None:
    """Try the message again later (or give up after the last attempt)."""
    reason = err if isinstance(err, str) else _reason(err)
    status = outbox.mark_retry(db, message["id"], reason)
    done.retried += status == "waiting"
    done.failed += status == "failed"
    done.errors.append(reason)


def _send_one(app: Flask, db: Database, conn: smtplib.SMTP, message: dict, done: Pass) -> None:
    """Compose and send one message and mark what became of it; a lost connection raises."""
    user = _recipient(db, message["recipient_id"])
    reason = _skip_reason(db, message, user)
    facts = None
    if reason is None:
        facts = facts_for(db, message)
        reason = stale_reason(message, facts)
    if reason:
        outbox.mark_skipped(db, message["id"], reason)
        done.skipped += 1
        return
    try:
        mail = compose(app, message, user, facts, _attachment(app, db, message, user))
    except Exception as err:  # noqa: BLE001 - a bad template must not stop the other messages
        app.logger.exception("composing outbox message %s", message["id"])
        _retry(db, message, err, done)
        return
    try:
        smtp.send(conn, mail)
    except smtplib.SMTPRecipientsRefused as err:
        outbox.mark_failed(db, message["id"], _reason(err))
        done.failed += 1
        return
    except smtplib.SMTPResponseException as err:
        if err.smtp_code == 421:  # the server is closing the connection
            raise
        if err.smtp_code >= 500:  # a permanent refusal: waiting will not help
            outbox.mark_failed(db, message["id"], _reason(err))
            done.failed += 1
        else:
            _retry(db, message, err, done)
        return
    outbox.mark_sent(db, message["id"])
    done.sent += 1


def _recipient(db: Database, user_id: int | None) -> dict | None:
    """The recipient's name, e-mail, language and whether the account is active."""
    row = db.execute("SELECT id, name, email, language, active FROM users WHERE id = ?",
                     [user_id]).fetchone()
    return dict(zip(("id", "name", "email", "language", "active"), row, strict=True)) \
        if row else None


def _skip_reason(db: Database, message: dict, user: dict | None) -> str | None:
    """Why a message is not sent at all: a code, in words on the outbox page (labels.py)."""
    if user is None or not user["active"]:
        return "account_closed"
    if not user["email"]:
        return "no_address"
    if not preferences.wants(db, user["id"], message["kind"]):
        return "turned_off"
    return None


def _attachment(app: Flask, db: Database, message: dict, user: dict) -> Path | None:
    """The visit's PDF for a published-visit message, when it is small enough to attach.

    Rendered here (cached per visit and language, so a store's managers share one render);
    a rendering failure sends the message with its link instead.
    """
    limit = app.config["MAIL_ATTACH_MAX_KB"] * 1024
    if message["kind"] != Kind.VISIT_PUBLISHED or limit <= 0:
        return None
    from reports import render

    try:
        path = render.visit_pdf(db, message["payload"]["visit_id"], language(user),
                                report_dir=app.config["REPORT_DIR"],
                                upload_dir=app.config["UPLOAD_DIR"], zone=app.config["TIMEZONE"])
    except Exception:  # noqa: BLE001 - the message goes out with its link all the same
        app.logger.exception("visit PDF for outbox message %s", message["id"])
        return None
    return path if path is not None and path.stat().st_size <= limit else None


def _reason(err: BaseException) -> str:
    """An error as the outbox page shows it: the server's code and words when it answered."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(words)} ({address})"
                         for address, (code, words) in err.recipients.items())[:1000]
    if isinstance(err, smtplib.SMTPResponseException):
        return f"{err.smtp_code} {_text(err.smtp_error)}"[:1000]
    return f"{type(err).__name__}: {err}"[:1000]


def _text(words: bytes | str) -> str:
    """A server's reply as text."""
    return words.decode(errors="replace") if isinstance(words, bytes) else str(words)
