"""A visit's life on the shopper's side: start, answers, end, submit. One transaction each.

Submissions are idempotent: each carries a client-made UUID (UNIQUE in visits) and a hash of
its content. The same UUID with the same content is a harmless retry and gets the same answer;
the same UUID with other content, or a second submission of a visit already submitted, is a
conflict and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.errors import N_, Conflict, DomainError, Invalid, NotFound
from audit.storage.db import now
from audit.visits import flags as flag_rules
from audit.visits.answers import KEEP, AnswerError, AnswerInput, check_answers, save_answers
from audit.visits.lifecycle import cancelled_visit, move, moved_away
from audit.visits.scores import hidden_criteria
from audit.vocabulary import DONE, EDITABLE, VisitStatus
from criteria.model import CriteriaSet, Criterion
from criteria.scoring import NA, VisitScore

# A client clock may be a little ahead; a start "from the future" beyond this is not believed.
CLOCK_SKEW = timedelta(minutes=5)
# An offline start is believed for this long: a shopper may be out of signal for days.
OFFLINE_LIMIT = timedelta(days=7)
SHORT_SHARE = flag_rules.SHORT_SHARE  # the one "much shorter than usual" rule: flags.py
# Refusals that end a visit on the shopper's phone: it was cancelled, or given to someone else.
GONE = ("visit_cancelled", "visit_moved")


@dataclass
class StartInfo:
    """What the phone knows when the shopper taps "Start visit"."""

    at: str | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None
    online_url: str | None = None
    online_channel: str | None = None


# ---------------------------------------------------------------- reading


def visit_for_shopper(db: Database, visit_id: int, user_id: int) -> dict | None:
    """The shopper's own visit with its store, or None (someone else's or cancelled)."""
    rows = list(db.query(
        """SELECT v.*, s.code AS store_code, s.name AS store_name, s.channel, s.address, s.url,
                  s.latitude, s.longitude
           FROM visits v JOIN stores s ON s.id = v.store_id
           WHERE v.id = ? AND v.shopper_id = ? AND v.status != 'cancelled'""",
        [visit_id, user_id],
    ))
    return rows[0] if rows else None


def why_not_yours(db: Database, visit_id: int, user_id: int) -> DomainError:
    """Why visit_for_shopper found nothing: cancelled, given to another shopper, or no visit.

    Only a visit that was this shopper's is explained; any other id is simply not found.
    """
    row = db.execute("SELECT status, shopper_id FROM visits WHERE id = ?", [visit_id]).fetchone()
    if row is not None and row[1] == user_id and row[0] == VisitStatus.CANCELLED:
        return cancelled_visit()
    if row is not None and row[1] != user_id and db.execute(
            "SELECT 1 FROM visit_log WHERE visit_id = ? AND action = 'reschedule'"
            " AND old_value = ?", [visit_id, str(user_id)]).fetchone():
        return moved_away()
    return NotFound("no_visit", N_("This visit does not exist."))


def applicable_criteria(cs: CriteriaSet, channel: str) -> list[Criterion]:
    """The criteria a visit of this channel answers."""
    return [c for c in cs.criteria() if c.channel in ("any", channel)]


def missing_criteria(db: Database, visit: dict, cs: CriteriaSet | None = None
                     ) -> list[Criterion]:
    """Required criteria still without an answer (N/A counts as an answer), in order."""
    cs = cs or version_set(db, visit["version_id"])
    answered = {
        row[0] for row in db.execute(
            "SELECT criterion_key FROM answers"
            " WHERE visit_id = ? AND (na = 1 OR value IS NOT NULL)",
            [visit["id"]])
    }
    answered |= {row[0] for row in db.execute(
        "SELECT DISTINCT criterion_key FROM photos WHERE visit_id = ?", [visit["id"]])}
    hidden = hidden_criteria(db, visit["id"], cs, visit["channel"])
    return [c for c in applicable_criteria(cs, visit["channel"])
            if c.required and c.key not in answered and c.key not in hidden]


# ---------------------------------------------------------------- start and end


def client_time(value: str | None, not_before: datetime | None = None) -> str:
    """A time the phone recorded (maybe offline), if believable; else the server's now."""
    server = datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value) if value else None
    except ValueError:
        at = None
    if at is None or at.utcoffset() is None:
        return now()
    at = at.astimezone(UTC)
    if at > server + CLOCK_SKEW or at < server - OFFLINE_LIMIT:
        return now()
    if not_before and at < not_before:
        at = not_before
    return min(at, server).isoformat(timespec="seconds")


def _start_flags(visit: dict, info: StartInfo, far_metres: float) -> tuple[float | None, list]:
    """Distance from the store and the flags a reviewer should see about the start."""
    return flag_rules.start_flags(visit["channel"], (info.lat, info.lon),
                                   (visit["latitude"], visit["longitude"]), info.accuracy,
                                   far_metres)


def _add_flags(visit: dict, new: list[flag_rules.Flag]) -> str:
    """The visit's flags with new ones added (one per code)."""
    return flag_rules.merge(visit["flags"], new)


def start_visit(db: Database, visit: dict, info: StartInfo, *, far_metres: float) -> dict:
    """Record the start (time, position or URL); starting twice keeps the first start."""
    if visit["status"] != VisitStatus.SCHEDULED:
        if visit["status"] in EDITABLE:
            return visit  # a retry from the offline queue, or a second tap
        raise Conflict("conflict", N_("This visit has already been submitted."))
    metres, flags = _start_flags(visit, info, far_metres)
    physical = visit["channel"] == "physical"
    changes = {
        "started_at": client_time(info.at),
        "start_lat": info.lat if physical else None, "start_lon": info.lon if physical else None,
        "start_accuracy": info.accuracy if physical else None, "start_distance_m": metres,
        "online_url": None if physical else info.online_url,
        "online_channel": None if physical else info.online_channel,
        "flags": _add_flags(visit, flags),
    }
    # Only the first start counts when two requests race; a visit cancelled, or given to
    # another shopper, since the caller read it is refused by move() itself; one submitted
    # meanwhile is refused below.
    try:
        move(db, visit["id"], "start", actor_id=visit["shopper_id"], sets=changes,
             owner=visit["shopper_id"])
    except Conflict as err:
        if err.code in GONE:
            raise
    started = db["visits"].get(visit["id"])
    if started["status"] not in EDITABLE:
        raise Conflict("conflict", N_("This visit has already been submitted."))
    return started


def end_visit(db: Database, visit: dict, at: str | None = None) -> None:
    """Record when the shopper left (the first time only)."""
    require_editable(db, visit)
    started = datetime.fromisoformat(visit["started_at"]) if visit["started_at"] else None
    with db.atomic():
        still_theirs(db, visit)
        db.execute(
            "UPDATE visits SET ended_at = ?, updated_at = ? WHERE id = ? AND ended_at IS NULL",
            [client_time(at, started), now(), visit["id"]])


def still_theirs(db: Database, visit: dict) -> None:
    """Inside a write transaction: the visit is still its shopper's and still editable.

    The caller read the visit before taking the write lock; a cancel, a reschedule or a
    submission from another device may have come in between.
    """
    status, shopper_id = db.execute("SELECT status, shopper_id FROM visits WHERE id = ?",
                                    [visit["id"]]).fetchone()
    if shopper_id != visit["shopper_id"]:
        raise moved_away()
    if status == VisitStatus.CANCELLED:
        raise cancelled_visit()
    if status not in EDITABLE:
        raise Conflict("conflict",
                       N_("This visit has been submitted and can no longer be changed."))


def require_editable(db: Database, visit: dict) -> dict:
    """The visit, started if it was only scheduled; Conflict once it is submitted."""
    if visit["status"] == VisitStatus.SCHEDULED:
        # Keep the store's columns the caller read: the started row has only the visit's.
        return {**visit, **start_visit(db, visit, StartInfo(), far_metres=math.inf)}
    if visit["status"] not in EDITABLE:
        raise Conflict("conflict",
                       N_("This visit has been submitted and can no longer be changed."))
    return visit


# ---------------------------------------------------------------- answers


def save_draft(db: Database, visit: dict, entries: list[AnswerInput], *, user_id: int,
               partial: bool = True) -> dict[str, str]:
    """Save the answers that fit (one transaction); returns messages for those that did not.

    partial=False (a plain form post) writes nothing at all when one answer is refused; the
    phone's autosave keeps what it typed anyway, so there the good answers are saved.
    """
    errors = check_answers(db, visit["version_id"], entries)
    if errors and not partial:
        return errors
    visit = require_editable(db, visit)
    stored = {row[0] for row in db.execute(
        "SELECT criterion_key FROM answers WHERE visit_id = ?", [visit["id"]])}
    # An untouched question of a plain form post is not an answer: no empty rows for reviewers.
    good = [e for e in entries if e.criterion_key not in errors and (
        e.criterion_key in stored or e.value is not None or e.comment not in (None, KEEP))]
    if good:
        with db.atomic():
            still_theirs(db, visit)  # an autosave racing a cancel writes nothing
            # A correction of a returned visit is logged, so the reviewer sees what changed.
            save_answers(db, visit["id"], good, user_id=user_id,
                         log_changes=visit["status"] == "returned")
    return errors


# ---------------------------------------------------------------- submission


def content_hash(db: Database, visit_id: int, entries: list[AnswerInput],
                 photo_ids: list[str], stored_photos: set[str] | None = None) -> str:
    """A hash of what the visit would hold after this submission: answers and photo ids."""
    answers = {
        row["criterion_key"]: [row["value"], row["na"], row["comment"]]
        for row in db.query(
            "SELECT criterion_key, value, na, comment FROM answers WHERE visit_id = ?", [visit_id])
    }
    for e in entries:
        old = answers.get(e.criterion_key, [None, 0, None])
        value = None if e.value in (None, NA) else json.dumps(e.value, ensure_ascii=False)
        comment = old[2] if e.comment is KEEP else (e.comment or None)
        answers[e.criterion_key] = [value, int(e.value == NA), comment]
    answers = {k: v for k, v in answers.items() if v != [None, 0, None]}
    if stored_photos is None:
        stored_photos = _photo_ids(db, visit_id)
    canonical = json.dumps({"answers": answers, "photos": sorted(stored_photos | set(photo_ids))},
                           sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _photo_ids(db: Database, visit_id: int) -> set[str]:
    """The client ids of the photos the visit holds."""
    return {row[0] for row in db.execute(
        "SELECT client_id FROM photos WHERE visit_id = ?", [visit_id])}


def receipt(visit: dict) -> dict:
    """What a submission (and each of its retries) answers."""
    return {"status": "submitted", "visit_id": visit["id"], "uuid": visit["submission_uuid"],
            "submitted_at": visit["submitted_at"]}


def check_uuid(value: str | None) -> str:
    """A canonical UUID string, or Invalid("bad_uuid") (a 400 on the phone's API)."""
    try:
        return str(uuidlib.UUID(str(value)))
    except ValueError:
        raise Invalid("bad_uuid", N_("The submission has no valid id.")) from None


def submit_visit(db: Database, visit_id: int, *, submission_uuid: str,
                 entries: list[AnswerInput], photo_ids: list[str], user_id: int,
                 ended_at: str | None = None, short_share: float = SHORT_SHARE) -> dict:
    """Submit a visit once: answers, end time, flags and status in one transaction.

    The visit is read once and its criteria set looked up once; both are handed down.
    """
    submission_uuid = check_uuid(submission_uuid)
    with db.atomic():
        # atomic() takes the write lock at BEGIN, so two racing retries run one after the other
        # and this read is the visit as it is.
        visit = _visit_with_store(db, visit_id)
        photos = _photo_ids(db, visit_id)
        digest = content_hash(db, visit_id, entries, photo_ids, photos)
        if visit["submission_uuid"] == submission_uuid:
            if visit["submission_hash"] == digest:
                return receipt(visit)
            raise Conflict("uuid_reused",
                           N_("This submission was already received with different answers. "
                              "The first one is kept; nothing was merged."))
        _refuse_gone(visit, user_id)
        _refuse_stale(db, visit, submission_uuid)
        _refuse_missing_photos(photos, photo_ids)
        visit = require_editable(db, visit)
        cs = version_set(db, visit["version_id"])
        _save_final(db, visit, cs, entries, user_id)
        _refuse_incomplete(db, visit, cs)
        return _mark_submitted(db, visit, submission_uuid, digest, ended_at, short_share)


def _visit_with_store(db: Database, visit_id: int) -> dict:
    """The visit row joined with its store's channel and position; NotFound if there is none."""
    rows = list(db.query(
        """SELECT v.*, s.channel, s.latitude, s.longitude FROM visits v
           JOIN stores s ON s.id = v.store_id WHERE v.id = ?""", [visit_id]))
    if not rows:
        raise NotFound("no_visit", N_("This visit does not exist."))
    return rows[0]


def _refuse_gone(visit: dict, user_id: int) -> None:
    """A visit cancelled, or given to another shopper, since the phone's request was checked."""
    if visit["shopper_id"] != user_id:
        raise moved_away()
    if visit["status"] == VisitStatus.CANCELLED:
        raise cancelled_visit()


def _refuse_stale(db: Database, visit: dict, submission_uuid: str) -> None:
    """A second submission of a submitted visit, or an old one after a return, is refused."""
    used = db.execute(
        "SELECT 1 FROM visit_events WHERE visit_id = ? AND action = 'submit'"
        " AND json_extract(params, '$.uuid') = ?",
        [visit["id"], submission_uuid]).fetchone()
    if used:
        raise Conflict("stale",
                       N_("This copy was sent before the visit was returned for correction. "
                          "Open the visit to see the reviewer's note."))
    if visit["status"] in DONE:
        # The time goes out raw: the web layer shows it in the reader's language and zone.
        raise Conflict("already_submitted",
                       N_("This visit was already submitted from another device at %(at)s. "
                          "That submission is kept; this copy was not sent."),
                       at=visit["submitted_at"])


def _refuse_missing_photos(have: set[str], photo_ids: list[str]) -> None:
    """Every photo the phone says belongs to the submission must have arrived first."""
    missing = sorted(set(photo_ids) - have)
    if missing:
        raise Conflict("photos_missing",
                       N_("Some photos have not arrived yet; they will be sent first."),
                       details=missing)


def _save_final(db: Database, visit: dict, cs: CriteriaSet, entries: list[AnswerInput],
                user_id: int) -> None:
    """Write the submission's answers (all or nothing)."""
    if not entries:
        return
    try:
        save_answers(db, visit["id"], entries, user_id=user_id,
                     log_changes=visit["status"] == VisitStatus.RETURNED, cs=cs,
                     channel=visit["channel"])
    except AnswerError as err:
        raise Invalid("invalid", N_("Some answers need correcting."),
                      details=err.errors) from err


def _refuse_incomplete(db: Database, visit: dict, cs: CriteriaSet) -> None:
    """Required answers must all be there."""
    missing = missing_criteria(db, visit, cs)
    if missing:
        raise Invalid("missing", N_("Some required answers are missing."),
                      details=[c.key for c in missing])


def _mark_submitted(db: Database, visit: dict, submission_uuid: str, digest: str,
                    ended_at: str | None, short_share: float) -> dict:
    """Move the visit to submitted with its times, id, hash and flags; returns the receipt."""
    started = datetime.fromisoformat(visit["started_at"]) if visit["started_at"] else None
    ended = visit["ended_at"] or client_time(ended_at, started)
    # Inside the write lock since m006 made it cheap (0.2 ms at 100,000 visits), so the visit
    # is read once, under the lock, and not again before it.
    usual = usual_minutes(db, visit["version_id"])
    flags = _add_flags(visit, _short_flag(visit, ended, short_share, usual))
    stamp = now()
    try:
        move(db, visit["id"], "submit", actor_id=visit["shopper_id"],
             params={"uuid": submission_uuid},
             sets={"submitted_at": stamp, "ended_at": ended, "submission_uuid": submission_uuid,
                   "submission_hash": digest, "flags": flags, "updated_at": stamp})
    except sqlite3.IntegrityError as err:
        raise Conflict("uuid_reused",
                       N_("This submission id belongs to another visit.")) from err
    return receipt({"id": visit["id"], "submission_uuid": submission_uuid,
                    "submitted_at": stamp})


def usual_minutes(db: Database, version_id: int) -> float | None:
    """The usual length in minutes of a visit of this version's set (None: too few yet)."""
    seconds = flag_rules.usual_seconds(db, version_id)
    return None if seconds is None else seconds / 60


def _short_flag(visit: dict, ended: str, share: float,
                usual: float | None) -> list[flag_rules.Flag]:
    """A flag when this visit was much shorter than the usual visit of its set (minutes)."""
    if not visit["started_at"]:
        return []
    took = datetime.fromisoformat(ended) - datetime.fromisoformat(visit["started_at"])
    return flag_rules.short_visit(took.total_seconds(), None if usual is None else usual * 60,
                                   share)


def score_preview(db: Database, visit_id: int) -> VisitScore:
    """The visit's score as it stands (nothing written)."""
    from audit.visits.scores import compute

    return compute(db, visit_id)
