"""The steps of an online visit that lasts days: inquiries, order, delivery, return, refund.

Each interval criterion is two steps ("Question sent" -> "Answer received", the criterion's
`steps` labels). Read-only: this module reads answers and says what the visit waits for, how
long each step took, and whether the visit is past its window. Times come stored as ISO-8601
with the phone's offset; pages show them in the app's TIMEZONE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.errors import N_
from audit.vocabulary import OPEN, Channel, VisitStatus
from criteria.model import Criterion, text
from criteria.scoring import contact_channel

# Labels the domain gives in English (marked for translation) where a criterion has none; the
# web layer shows them in the reader's language (audit/web/labels.py step_label).
DEFAULT_STEPS = (N_("Sent"), N_("Received"))
VISIT_STARTED = N_("Visit started")
VISIT_SUBMITTED = N_("Visit submitted")


@dataclass
class Inquiry:
    """One interval criterion of a visit: its two steps and what they add up to."""

    criterion: Criterion
    first: str  # label of the first step ("Question sent"; DEFAULT_STEPS when the set has none)
    second: str  # label of the second step ("Answer received")
    sent: datetime | None = None
    received: datetime | None = None
    channel: str | None = None
    note: str | None = None

    @property
    def seconds(self) -> float | None:
        """Real seconds between the two steps (None until both are in)."""
        if self.sent is None or self.received is None:
            return None
        return (self.received.astimezone(UTC) - self.sent.astimezone(UTC)).total_seconds()

    def waited(self, now: datetime) -> float | None:
        """Seconds since the first step while the second is missing."""
        if self.sent is None or self.received is not None:
            return None
        return (now - self.sent.astimezone(UTC)).total_seconds()

    def no_answer(self, now: datetime) -> bool:
        """The deadline passed without the second step (scores as the last band)."""
        waited = self.waited(now)
        deadline = self.criterion.deadline
        return waited is not None and deadline is not None and waited >= deadline


def step_labels(c: Criterion, lang: str) -> tuple[str, str]:
    """The criterion's two step labels in the language (DEFAULT_STEPS, in English, if none)."""
    labels = text(c.steps or {}, lang) if c.steps else None
    if not labels or len(labels) != 2:
        return DEFAULT_STEPS
    return labels[0], labels[1]


def _aware(value: str | None) -> datetime | None:
    """An ISO time stamp as an aware datetime (UTC when it has no offset)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def inquiries(criteria: list[Criterion], values: dict[str, object], lang: str) -> list[Inquiry]:
    """The visit's interval criteria in checklist order, with what is recorded of each."""
    out = []
    for c in criteria:
        if c.type != "interval":
            continue
        value = values.get(c.key)
        value = value if isinstance(value, dict) else {}
        first, second = step_labels(c, lang)
        out.append(Inquiry(c, first, second, _aware(value.get("from")), _aware(value.get("to")),
                           contact_channel(c, value), value.get("note")))
    return out


def visit_inquiries(db: Database, visit: dict, lang: str) -> list[Inquiry]:
    """The inquiries of one visit (its channel's criteria), from the stored answers."""
    cs = version_set(db, visit["version_id"])
    criteria = [c for c in cs.criteria() if c.channel in ("any", visit["channel"])]
    values = {r["criterion_key"]: json.loads(r["value"]) for r in db.query(
        "SELECT criterion_key, value FROM answers WHERE visit_id = ? AND value IS NOT NULL",
        [visit["id"]])}
    return inquiries(criteria, values, lang)


@dataclass
class Waiting:
    """What an open online visit waits for: the step, since when, and whether it is too late."""

    inquiry: Inquiry
    since: float
    no_answer: bool


def waiting_for(items: list[Inquiry], now: datetime) -> list[Waiting]:
    """Inquiries whose first step is in and second is not, longest waiting first."""
    out = [Waiting(i, i.waited(now), i.no_answer(now)) for i in items if i.waited(now) is not None]
    return sorted(out, key=lambda w: -w.since)


def open_visit_waits(db: Database, visits: list[dict], lang: str,
                     now: datetime) -> dict[int, list[Waiting]]:
    """For each open online visit of the list, what it waits for."""
    return {v["id"]: waiting_for(visit_inquiries(db, v, lang), now) for v in visits
            if v["channel"] == Channel.ONLINE
            and v["status"] in (VisitStatus.IN_PROGRESS, VisitStatus.RETURNED)}


def is_overdue(visit: dict, today: date) -> bool:
    """A visit still open after the last day of its window (never closed by itself)."""
    return visit["status"] in OPEN and date.fromisoformat(visit["window_end"]) < today


def local_today(zone: str) -> date:
    """Today's date in the app's time zone."""
    return datetime.now(ZoneInfo(zone)).date()


# ---------------------------------------------------------------- the reviewer's timeline


@dataclass
class Event:
    """One moment of a visit's timeline."""

    at: datetime
    label: str  # a step label, or VISIT_STARTED / VISIT_SUBMITTED
    gap: float | None = None  # seconds since the previous event
    took: float | None = None  # for a second step: seconds since its first step
    inquiry: Inquiry | None = None
    pending: bool = False  # a second step still awaited (its `at` is "now")
    no_answer: bool = False  # ... and its deadline has passed


def timeline(visit: dict, items: list[Inquiry], now: datetime) -> list[Event]:
    """The visit's steps in time order: start, each recorded step, submission.

    A first step shared by several criteria (e.g. "Order placed" for confirmation, dispatch and
    delivery) at the same moment shows once. A second step carries the time since its first.
    """
    events: list[Event] = []
    seen: set[tuple[str, datetime]] = set()
    if visit.get("started_at"):
        events.append(Event(_aware(visit["started_at"]), VISIT_STARTED))
    for i in items:
        if i.sent is not None and (i.first, i.sent) not in seen:
            seen.add((i.first, i.sent))
            events.append(Event(i.sent, i.first, inquiry=i))
        if i.received is not None:
            events.append(Event(i.received, i.second, took=i.seconds, inquiry=i))
    if visit.get("submitted_at"):
        events.append(Event(_aware(visit["submitted_at"]), VISIT_SUBMITTED))
    events.sort(key=lambda e: e.at.astimezone(UTC))
    for before, event in zip(events, events[1:], strict=False):
        event.gap = (event.at.astimezone(UTC) - before.at.astimezone(UTC)).total_seconds()
    for i in items:
        if i.waited(now) is not None:
            # Still open: shown last, as a step that has not happened.
            events.append(Event(now, i.second, took=i.waited(now), inquiry=i, pending=True,
                                no_answer=i.no_answer(now)))
    return events
