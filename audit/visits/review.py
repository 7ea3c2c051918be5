"""Review: approve, return, correct and publish visits; the queue and its warning flags.

Status flow: submitted -> (returned -> submitted)* -> approved -> published. Each step is one
transaction that changes the status only if the visit is still where the step starts (so two
reviewers cannot both act on it) and writes a visit_log row: who, when, old and new status.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import gettext as _
from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.storage.db import now
from audit.visits.answers import AnswerInput, save_answers
from audit.visits.online import elapsed_text, timeline, visit_inquiries
from audit.web.formatting import current_locale
from audit.web.labels import contact_channel_label, step_label  # visit_timeline is a page
from audit.web.validation import FieldError

MAX_NOTE = 2000
SHORT_VISIT_SHARE = 0.5  # a visit shorter than half the usual length is worth a look
RECOMPUTED_FLAGS = ("short_visit", "far_start")
# step -> (statuses it starts from, status it leaves, time stamp column it sets)
STEPS = {
    "approve": (("submitted",), "approved", "approved_at"),
    "return": (("submitted", "approved"), "returned", None),
    "publish": (("approved",), "published", "published_at"),
}
CORRECTABLE = ("submitted", "approved", "published")


def _step(db: Database, visit_id: int, user_id: int, step: str, note: str | None = None) -> None:
    """Move a visit one step on and log it, or raise FieldError if it is not where it must be."""
    starts, target, stamp_column = STEPS[step]
    stamp = now()
    with db.atomic():
        old = db.execute("SELECT status FROM visits WHERE id = ?", [visit_id]).fetchone()
        if old is None or old[0] not in starts:
            raise FieldError("status", _("This visit is no longer waiting for this step; "
                                         "reload the page to see where it is."))
        sets = "status = ?, updated_at = ?" + (f", {stamp_column} = ?" if stamp_column else "")
        values = [target, stamp] + ([stamp] if stamp_column else [])
        if step == "return":
            sets += ", return_note = ?"
            values.append(note)
        db.execute(f"UPDATE visits SET {sets} WHERE id = ?", [*values, visit_id])  # noqa: S608
        db["visit_log"].insert({"visit_id": visit_id, "user_id": user_id, "at": stamp,
                                "action": step, "old_value": old[0], "new_value": target,
                                "note": note})


def approve(db: Database, visit_id: int, user_id: int) -> None:
    """A submitted visit is checked and fine: approved (not yet seen by managers)."""
    _step(db, visit_id, user_id, "approve")


def return_to_shopper(db: Database, visit_id: int, user_id: int, note: str) -> None:
    """Send a visit back to the shopper with a note saying what to fix."""
    note = (note or "").strip()
    if not note:
        raise FieldError("note", _("Say what the shopper should fix."))
    if len(note) > MAX_NOTE:
        raise FieldError("note", _("A note may have at most %(n)d characters.", n=MAX_NOTE))
    _step(db, visit_id, user_id, "return", note)


def publish(db: Database, visit_id: int, user_id: int) -> None:
    """An approved visit reaches the store's managers and reports."""
    _step(db, visit_id, user_id, "publish")


def correct(db: Database, visit_id: int, user_id: int, entry: AnswerInput) -> None:
    """Change one answer as a reviewer; the change is logged with old and new value."""
    status = db.execute("SELECT status FROM visits WHERE id = ?", [visit_id]).fetchone()
    if status is None or status[0] not in CORRECTABLE:
        raise FieldError("value", _("Answers of this visit cannot be corrected now."))
    save_answers(db, visit_id, [_keep_inquiry(db, visit_id, entry)], user_id=user_id,
                 log_changes=True)


def _keep_inquiry(db: Database, visit_id: int, entry: AnswerInput) -> AnswerInput:
    """A corrected interval keeps the channel and question the shopper recorded."""
    if not isinstance(entry.value, dict):
        return entry
    row = db.execute("SELECT value FROM answers WHERE visit_id = ? AND criterion_key = ?",
                     [visit_id, entry.criterion_key]).fetchone()
    old = json.loads(row[0]) if row and row[0] else None
    if not isinstance(old, dict):
        return entry
    kept = {k: old[k] for k in ("channel", "note") if old.get(k) and k not in entry.value}
    return AnswerInput(entry.criterion_key, {**entry.value, **kept}, entry.comment)


def change_log(db: Database, visit_id: int) -> list[dict]:
    """Every logged change of a visit, oldest first, with who made it."""
    return list(db.query(
        """SELECT l.*, u.name AS user_name FROM visit_log l LEFT JOIN users u ON u.id = l.user_id
           WHERE l.visit_id = ? ORDER BY l.at, l.id""", [visit_id]))


# ---------------------------------------------------------------- the queue and its flags


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(a))


def _minutes(visit: dict) -> float | None:
    """How long the visit took, in minutes."""
    if not visit["started_at"] or not visit["ended_at"]:
        return None
    delta = datetime.fromisoformat(visit["ended_at"]) - datetime.fromisoformat(visit["started_at"])
    return delta.total_seconds() / 60


def usual_minutes(db: Database) -> dict[int, float]:
    """The median length of published visits per criteria version (the usual length)."""
    lengths: dict[int, list[float]] = {}
    for v in db.query("""SELECT version_id, started_at, ended_at FROM visits
                         WHERE status = 'published' AND ended_at IS NOT NULL"""):
        minutes = _minutes(v)
        if minutes is not None:
            lengths.setdefault(v["version_id"], []).append(minutes)
    return {k: statistics.median(v) for k, v in lengths.items() if len(v) >= 3}


def visit_flags(visit: dict, usual: dict[int, float], far_metres: float,
                missing_photos: list[str]) -> list[str]:
    """Warnings for a reviewer: much shorter than usual, started far away, photos missing."""
    # Flags stored by the field app, in words; short and far are worked out below with figures.
    flags = [f["message"] for f in json.loads(visit.get("flags") or "[]")
             if f.get("code") not in RECOMPUTED_FLAGS]
    minutes, typical = _minutes(visit), usual.get(visit["version_id"])
    if minutes is not None and typical and minutes < SHORT_VISIT_SHARE * typical:
        flags.append(_("Much shorter than usual: %(m)d min (usual %(u)d min)",
                       m=round(minutes), u=round(typical)))
    distance = visit.get("start_distance_m")
    if distance is None and visit.get("start_lat") is not None and visit.get("latitude"):
        distance = distance_m(visit["start_lat"], visit["start_lon"], visit["latitude"],
                              visit["longitude"])
    if distance is not None and distance > far_metres:
        flags.append(_("Started %(km).1f km from the store", km=distance / 1000))
    if missing_photos:
        flags.append(_("Photos missing: %(what)s", what=", ".join(missing_photos)))
    return flags


def missing_photos(db: Database, visits: list[dict]) -> dict[int, list[str]]:
    """Per visit, the photo criteria of its checklist that have no photo (two queries)."""
    if not visits:
        return {}
    marks = ",".join("?" * len(visits))
    have: dict[int, set] = {}
    for row in db.query(f"SELECT DISTINCT visit_id, criterion_key FROM photos "  # noqa: S608
                        f"WHERE visit_id IN ({marks})", [v["id"] for v in visits]):
        have.setdefault(row["visit_id"], set()).add(row["criterion_key"])
    out = {}
    for v in visits:
        cs = version_set(db, v["version_id"])
        out[v["id"]] = [c.key for c in cs.criteria() if c.type == "photo"
                        and c.channel in ("any", v["channel"])
                        and c.key not in have.get(v["id"], set())]
    return out


def review_queue(db: Database, far_metres: float) -> list[dict]:
    """Submitted and approved visits, oldest first, each with its flags."""
    visits = list(db.query(
        """SELECT v.*, s.name AS store_name, s.code AS store_code, s.channel, s.latitude,
                  s.longitude, u.name AS shopper_name
           FROM visits v JOIN stores s ON s.id = v.store_id JOIN users u ON u.id = v.shopper_id
           WHERE v.status IN ('submitted', 'approved') ORDER BY v.submitted_at, v.id"""))
    usual = usual_minutes(db)
    photos = missing_photos(db, visits)
    for v in visits:
        v["warnings"] = visit_flags(v, usual, far_metres, photos.get(v["id"], []))
        v["minutes"] = _minutes(v)
    return visits


def visit_for_review(db: Database, visit_id: int, far_metres: float) -> dict | None:
    """One visit with store, shopper, flags and photo rows, or None."""
    rows = list(db.query(
        """SELECT v.*, s.name AS store_name, s.code AS store_code, s.channel, s.latitude,
                  s.longitude, s.region, u.name AS shopper_name
           FROM visits v JOIN stores s ON s.id = v.store_id JOIN users u ON u.id = v.shopper_id
           WHERE v.id = ?""", [visit_id]))
    if not rows:
        return None
    visit = rows[0]
    visit["warnings"] = visit_flags(visit, usual_minutes(db), far_metres,
                                    missing_photos(db, [visit])[visit_id])
    visit["minutes"] = _minutes(visit)
    visit["timeline"] = visit_timeline(db, visit) if visit["channel"] == "online" else []
    return visit


def visit_timeline(db: Database, visit: dict) -> list[dict]:
    """An online visit as the reviewer reads it: each step, its local time, the time between."""
    lang = current_locale()
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    rows = []
    for e in timeline(visit, visit_inquiries(db, visit, lang), datetime.now(UTC)):
        i = e.inquiry
        rows.append({
            "label": step_label(e.label), "pending": e.pending, "no_answer": e.no_answer,
            "at": "" if e.pending else format_datetime(e.at, "short", tzinfo=zone, locale=lang),
            "gap": elapsed_text(e.gap) if e.gap is not None and not e.pending else "",
            "took": elapsed_text(e.took) if e.took is not None else "",
            "question": i.criterion.text.get(lang) or i.criterion.text["en"] if i else "",
            "channel": contact_channel_label(i.channel) if i else "",
            "note": (i.note or "") if i and e.at == i.sent and not e.pending else "",
        })
    return rows
