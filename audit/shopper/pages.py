"""What the shopper's pages show: sections of a visit, stored answers as form values, summaries.

Read-only: everything here only reads the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.shopper.forms import (
    ONLINE_CHANNELS,
    client_zone,
    inquiry_channel,
    stored_fields,
)
from audit.visits.field import missing_criteria, score_preview
from audit.visits.online import (
    Inquiry,
    inquiries,
    is_overdue,
    local_today,
    open_visit_waits,
    step_labels,
    visit_inquiries,
)
from audit.visits.photos import visit_photos
from audit.visits.scores import hidden_criteria
from audit.vocabulary import OPEN, VisitStatus
from audit.web.formatting import current_locale, duration, number, status_label
from audit.web.labels import contact_channel_choices, shown_step_labels, step_label
from criteria.logic import has_logic, set_logic_data
from criteria.model import Criterion, text
from reports.text import answer_text


@dataclass
class SectionView:
    """A section as the shopper sees it: only the criteria of the visit's channel.

    `criteria` are all of them (a phone's draft may answer any); `shown` leaves out those the
    stored answers hide (show_if), which the page neither draws nor clears.
    """

    number: int
    key: str
    title: str
    criteria: list[Criterion]
    hidden: frozenset[str] = frozenset()

    @property
    def shown(self) -> list[Criterion]:
        """The criteria the page asks, in order."""
        return [c for c in self.criteria if c.key not in self.hidden]


def checklist_sections(db: Database, visit: dict) -> list[SectionView]:
    """The visit's sections in order, numbered from 1, empty ones left out.

    A section hidden by the answers keeps its number (the phone's saved links stay right);
    it is drawn with nothing to ask.
    """
    cs = version_set(db, visit["version_id"])
    hidden = hidden_criteria(db, visit["id"], cs, visit["channel"])
    lang = current_locale()
    views = []
    for section in cs.sections:
        criteria = [c for c in section.criteria if c.channel in ("any", visit["channel"])]
        if criteria:
            views.append(SectionView(len(views) + 1, section.key, text(section.title, lang),
                                     criteria, hidden))
    return views


def texts_in(lang: str):
    """A template helper: a criteria text map in the user's language."""
    return lambda texts: text(texts or {}, lang)


def _answers(db: Database, visit_id: int) -> dict[str, dict]:
    """Stored answer rows by criterion key."""
    return {r["criterion_key"]: r for r in db.query(
        "SELECT * FROM answers WHERE visit_id = ?", [visit_id])}


def _answered(criteria: list[Criterion], answers: dict[str, dict], photos: dict) -> int:
    """How many of these criteria have an answer, N/A or a photo."""
    return sum(1 for c in criteria if c.key in photos or (
        c.key in answers and (answers[c.key]["na"] or answers[c.key]["value"] is not None)))


def offline_urls(visit_id: int, sections: list[SectionView]) -> str:
    """The pages the phone keeps for this visit, space-separated (a data-* attribute)."""
    urls = [url_for("shopper.index"), url_for("shopper.visit", visit_id=visit_id),
            url_for("shopper.summary", visit_id=visit_id)]
    urls += [url_for("shopper.section", visit_id=visit_id, number=s.number) for s in sections]
    return " ".join(urls)


def visit_steps(db: Database, visit: dict, where: dict[str, int]) -> list[dict]:
    """An online visit's steps for the visit page: what is recorded, what it waits for."""
    if visit["channel"] != "online":
        return []
    now = datetime.now(UTC)
    out = []
    for i in visit_inquiries(db, visit, current_locale()):
        if i.received is not None:
            state = _("%(second)s after %(t)s", second=step_label(i.second),
                      t=duration(i.seconds))
        elif i.no_answer(now):
            state = _("No answer: the deadline has passed.")
        elif i.sent is not None:
            state = _("Waiting for: %(second)s (%(first)s %(t)s ago)", second=step_label(i.second),
                      first=step_label(i.first).lower(), t=duration(i.waited(now)))
        else:
            state = _("Not started: %(first)s", first=step_label(i.first))
        out.append({"inquiry": i, "state": state, "number": where.get(i.criterion.key, 1),
                    "waiting": i.sent is not None and i.received is None,
                    "no_answer": i.no_answer(now)})
    return out


HISTORY_PAGE = 10  # sent visits per page of My visits: a phone shows the latest few
_VISIT_ROW = """SELECT v.*, s.name AS store_name, s.code AS store_code, s.channel, s.address, s.url
                FROM visits v JOIN stores s ON s.id = v.store_id"""
_LISTED = (*OPEN, VisitStatus.CANCELLED)  # not history: to do, or never done


def todo_visits(db: Database, shopper_id: int) -> list[dict]:
    """What the shopper still has to do: returned first, then in progress, then scheduled."""
    marks = ", ".join("?" * len(OPEN))
    return list(db.query(
        f"""{_VISIT_ROW} WHERE v.shopper_id = ? AND v.status IN ({marks})
            ORDER BY CASE v.status WHEN 'returned' THEN 0 WHEN 'in_progress' THEN 1 ELSE 2 END,
                     v.window_start, v.id""", [shopper_id, *OPEN]))  # noqa: S608


def sent_visits(db: Database, shopper_id: int, page: int) -> tuple[list[dict], bool]:
    """One page of the shopper's history, newest first, and whether older ones exist.

    Reads one page and one row more (visits_shopper_sent walks the history newest first), never
    the whole history: a demo shopper has 6,684 visits."""
    marks = ", ".join("?" * len(_LISTED))
    rows = list(db.query(
        f"""{_VISIT_ROW} WHERE v.shopper_id = ? AND v.status NOT IN ({marks})
            ORDER BY v.submitted_at DESC, v.id DESC LIMIT ? OFFSET ?""",  # noqa: S608
        [shopper_id, *_LISTED, HISTORY_PAGE + 1, (page - 1) * HISTORY_PAGE]))
    return rows[:HISTORY_PAGE], len(rows) > HISTORY_PAGE


def my_visits_context(db: Database, shopper_id: int, page: int = 1) -> dict:
    """My visits: what is to do (on the first page), a page of history, each open online visit's
    waits, and which visits are past their window."""
    todo = todo_visits(db, shopper_id) if page == 1 else []
    sent, older = sent_visits(db, shopper_id, page)
    visits = todo + sent
    today = local_today(current_app.config["TIMEZONE"])
    now = datetime.now(UTC)
    waits = open_visit_waits(db, visits, current_locale(), now)
    return {"todo": todo, "sent": sent, "page": page, "older": older,
            "overdue": {v["id"] for v in visits if is_overdue(v, today)},
            "waits": {vid: [_("Waiting for: %(second)s (%(first)s %(t)s ago)",
                              second=step_label(w.inquiry.second),
                              first=step_label(w.inquiry.first).lower(),
                              t=duration(w.since)) if not w.no_answer else
                            _("No answer to “%(first)s”: the deadline has passed.",
                              first=step_label(w.inquiry.first)) for w in ws]
                      for vid, ws in waits.items()}}


def visit_context(db: Database, visit: dict) -> dict:
    """The visit page: sections with progress, the start form's options."""
    sections = checklist_sections(db, visit)
    answers, photos = _answers(db, visit["id"]), visit_photos(db, visit["id"])
    progress = [(s, _answered(s.shown, answers, photos), len(s.shown)) for s in sections]
    where = {c.key: s.number for s in sections for c in s.criteria}
    return {"visit": visit, "sections": sections, "progress": progress,
            "steps": visit_steps(db, visit, where),
            "overdue": is_overdue(visit, local_today(current_app.config["TIMEZONE"])),
            "offline_urls": offline_urls(visit["id"], sections),
            "channels": ONLINE_CHANNELS, "t": texts_in(current_locale())}


def logic_data(db: Database, visit: dict) -> dict | None:
    """The set's show_if rules and answer types for the phone's script (None without logic).

    The script decides what to show by criteria/logic.py's rules (see condition_data), from the
    answers on the page and those the phone keeps for the other pages.
    """
    cs = version_set(db, visit["version_id"])
    if not has_logic(cs):
        return None
    return {"rules": set_logic_data(cs),
            "types": {c.key: c.type for c in cs.criteria()
                      if c.channel in ("any", visit["channel"])}}


def section_context(db: Database, visit: dict, sections: list[SectionView], number: int,
                    posted) -> dict:
    """One section's page: its criteria with the values to show (posted, else stored)."""
    section = sections[number - 1]
    zone = current_app.config["TIMEZONE"]
    values = dict(posted.items()) if posted is not None else stored_fields(
        section.shown, _answers(db, visit["id"]), zone)
    return {"visit": visit, "section": section, "number": number, "total": len(sections),
            "values": values, "errors": {}, "photos": visit_photos(db, visit["id"]),
            "logic": logic_data(db, visit),
            "interval_view": lambda c, vals: interval_view(c, vals, zone),
            "t": texts_in(current_locale()),
            "offline_urls": offline_urls(visit["id"], sections)}


def _typed_time(raw: str | None, zone) -> datetime | None:
    """A datetime-local field value as an aware time (None when empty or unreadable)."""
    try:
        moment = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if moment is not None and moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def interval_view(c: Criterion, values: dict, zone_name: str) -> dict:
    """An interval's labels, channel choices and the time between its steps, as shown."""
    lang = current_locale()
    first, second = shown_step_labels(c, lang)
    zone = client_zone(values, zone_name)
    item = Inquiry(c, first, second, _typed_time(values.get(f"a-{c.key}-from"), zone),
                   _typed_time(values.get(f"a-{c.key}-to"), zone))
    now = datetime.now(UTC)
    shown, no_answer = "", False
    if item.seconds is not None and item.seconds >= 0:
        shown = _("Time between: %(t)s", t=duration(item.seconds))
    elif item.no_answer(now):
        shown, no_answer = _("No answer: the deadline has passed."), True
    elif item.waited(now) is not None and item.waited(now) >= 0:
        shown = _("Waiting for %(t)s", t=duration(item.waited(now)))
    return {"first": first, "second": second, "first_key": step_labels(c, "en")[0],
            "channel": inquiry_channel(c), "shown": shown, "no_answer": no_answer,
            "channels": contact_channel_choices()}


def waiting_steps(db: Database, visit: dict, where: dict[str, int]) -> list[dict]:
    """An online visit's steps for the summary, each marked `waiting` while its answer may still
    come, with the time until which it may (its first step plus the criterion's deadline).

    Submitted now, a waiting step scores as not answered: the shopper is told and asked."""
    if visit["channel"] != "online":
        return []
    now = datetime.now(UTC)
    out = []
    for i in visit_inquiries(db, visit, current_locale()):
        deadline = i.criterion.deadline
        until = i.sent + timedelta(seconds=deadline) if i.sent and deadline else None
        out.append({"criterion": i.criterion, "second": i.second,
                    "number": where.get(i.criterion.key, 1),
                    "sent": i.sent.isoformat() if i.sent else "",
                    "received": i.received.isoformat() if i.received else "",
                    "deadline": deadline or "", "until": until,
                    "waiting": i.sent is not None and i.received is None and not i.no_answer(now)})
    return out


def summary_context(db: Database, visit: dict) -> dict:
    """The summary: what is missing (with the section it is in) and the score so far."""
    sections = checklist_sections(db, visit)
    where = {c.key: s.number for s in sections for c in s.criteria}
    missing = [(where.get(c.key, 1), c) for c in missing_criteria(db, visit)]
    # Hidden ones too, marked: the phone's script shows them when its answers open them.
    required = [(s.number, c) for s in sections for c in s.criteria if c.required]
    return {"visit": visit, "sections": sections, "missing": missing, "required": required,
            "logic": logic_data(db, visit),
            "hidden": {c.key for s in sections for c in s.criteria if c.key in s.hidden},
            "waiting_steps": waiting_steps(db, visit, where),
            "score": score_preview(db, visit["id"]), "t": texts_in(current_locale()),
            "photo_count": db["photos"].count_where("visit_id = ?", [visit["id"]]),
            "offline_urls": offline_urls(visit["id"], sections)}


def read_only_view(db: Database, visit: dict) -> dict:
    """A submitted visit as the shopper sent it: each answer in words, comments, photos."""
    sections = checklist_sections(db, visit)
    answers, lang = _answers(db, visit["id"]), current_locale()
    rows = [(s, [(c, shown_answer(c, answers.get(c.key), lang),
                  (answers.get(c.key) or {}).get("comment")) for c in s.shown])
            for s in sections]
    return {"visit": visit, "rows": rows, "photos": visit_photos(db, visit["id"]),
            "t": texts_in(lang)}


def visit_inquiry(c: Criterion, value: dict) -> Inquiry:
    """One stored interval answer as an Inquiry."""
    return inquiries([c], {c.key: value}, current_locale())[0]


def shown_answer(c: Criterion, row: dict | None, lang: str) -> str:
    """An answer in words ('' when unanswered)."""
    if row is None:
        return ""
    if row["na"]:
        return _("Not applicable")
    if row["value"] is None:
        return ""
    value = json.loads(row["value"])
    if c.type == "yes_no":
        return _("Yes") if value else _("No")
    if c.type == "rating":
        return f"{value} / {c.scale}"
    if c.type == "choice":
        return next((text(o.label, lang) for o in c.options if o.key == value), str(value))
    if c.type == "duration":
        return _("%(m)d min %(s)d s", m=int(value) // 60, s=int(value) % 60)
    if c.type == "interval":
        item = visit_inquiry(c, value)
        if item.seconds is None:
            return _("No answer")
        return duration(item.seconds)
    if c.type in ("multi_choice", "amount", "nps"):
        return answer_text(c, value, False, lang, _)
    return str(value)


def phone_state(db: Database, visit: dict) -> dict:
    """The server's view of a visit for the phone (state.json): status, score and photos, so a
    phone that sent, or was sent back, shows what the server holds without a reload."""
    photos = [p["client_id"] for ps in visit_photos(db, visit["id"]).values() for p in ps]
    score = score_preview(db, visit["id"]).score
    return {"status": visit["status"], "status_label": status_label(visit["status"]),
            "started_at": visit["started_at"], "ended_at": visit["ended_at"],
            "submitted_at": visit["submitted_at"], "submission_uuid": visit["submission_uuid"],
            "photos": photos, "missing": [c.key for c in missing_criteria(db, visit)],
            "score": score,
            "score_text": "—" if score is None else number(score),
            "photos_text": ngettext("%(num)d photo", "%(num)d photos", len(photos))}
