"""An online visit's steps as the reviewer reads them: local times and the time between."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database

from audit.visits.online import timeline, visit_inquiries
from audit.web.formatting import current_locale, duration, moment
from audit.web.labels import contact_channel_label, step_label


def visit_timeline(db: Database, visit: dict) -> list[dict]:
    """Each step of an online visit: label, local time, the gap before it and the time taken."""
    lang = current_locale()
    rows = []
    for e in timeline(visit, visit_inquiries(db, visit, lang), datetime.now(UTC)):
        i = e.inquiry
        rows.append({
            "label": step_label(e.label), "pending": e.pending, "no_answer": e.no_answer,
            "at": "" if e.pending else moment(e.at),
            "gap": duration(e.gap) if e.gap is not None and not e.pending else "",
            "took": duration(e.took) if e.took is not None else "",
            "question": i.criterion.text.get(lang) or i.criterion.text["en"] if i else "",
            "channel": contact_channel_label(i.channel) if i else "",
            "note": (i.note or "") if i and e.at == i.sent and not e.pending else "",
        })
    return rows
