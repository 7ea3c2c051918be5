"""Visit warnings (audit/visits/flags.py) in the reader's language.

A flag is stored as a code with parameters; here it becomes a sentence with the request's
catalogue: durations as people read them, distances in metres or kilometres, photo criteria by
their text in the reader's language. A flag this module cannot write (an unknown code, or an
old one m011 could not convert) shows the sentence it was stored with, else its code: a
warning is never lost and never breaks the page.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import format_decimal, get_locale, gettext
from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.visits.flags import Flag, FlagCode
from criteria.model import CriteriaSet
from reports.text import seconds_text


def warning_texts(db: Database, visit: dict) -> list[str]:
    """A visit's warnings (visit["warnings"], as the review functions give them) as text."""
    flags = visit.get("warnings") or []
    cs = version_set(db, visit["version_id"]) if any(
        f["code"] == FlagCode.PHOTOS_MISSING for f in flags) else None
    return [flag_text(f, cs) for f in flags]


def flag_text(flag: Flag, cs: CriteriaSet | None = None) -> str:
    """One warning as a sentence in the reader's language."""
    params = flag.get("params") or {}
    write = TEXTS.get(flag.get("code", ""))
    try:
        if write is not None:
            return write(params, cs)
    except (KeyError, TypeError, ValueError):
        pass  # parameters of another shape: the fallback below still says something
    return str(params.get("message") or flag.get("code") or "")


def _no_position(params: dict, cs: CriteriaSet | None) -> str:
    """no_position: the phone did not share where it was."""
    return gettext("The phone's position was not shared at the start.")


def _far_start(params: dict, cs: CriteriaSet | None) -> str:
    """far_start: how far from the store, and how sure the phone was."""
    where = distance_text(params["metres"])
    if params.get("accuracy") is None:
        return gettext("Started %(distance)s from the store (accuracy of the position unknown).",
                       distance=where)
    return gettext("Started %(distance)s from the store (position accurate to %(accuracy)s).",
                   distance=where, accuracy=distance_text(params["accuracy"]))


def _short_visit(params: dict, cs: CriteriaSet | None) -> str:
    """short_visit: how long it took against the usual length."""
    took = duration_text(params["took_seconds"])
    if params.get("usual_seconds") is None:
        return gettext("Much shorter than usual: %(took)s.", took=took)
    return gettext("Much shorter than usual: %(took)s (usually %(usual)s).", took=took,
                   usual=duration_text(params["usual_seconds"]))


def _photos_missing(params: dict, cs: CriteriaSet | None) -> str:
    """photos_missing: which questions have no photo, by their text."""
    return gettext("Photos missing: %(what)s",
                   what="; ".join(criterion_text(cs, key) for key in params["criteria"]))


TEXTS: dict[str, Callable[[dict, CriteriaSet | None], str]] = {
    FlagCode.NO_POSITION: _no_position,
    FlagCode.FAR_START: _far_start,
    FlagCode.SHORT_VISIT: _short_visit,
    FlagCode.PHOTOS_MISSING: _photos_missing,
}


def criterion_text(cs: CriteriaSet | None, key: str) -> str:
    """A criterion's text in the reader's language (English if it has none); the key if gone."""
    try:
        texts = cs.criterion(key).text if cs is not None else None
    except KeyError:
        texts = None
    if not texts:
        return key
    return texts.get(str(get_locale() or "en")) or texts.get("en") or key


def distance_text(metres: float) -> str:
    """A distance as people read it: "350 m" under a kilometre, else "12.4 km"."""
    if metres < 1000:
        return gettext("%(metres)s m", metres=format_decimal(round(metres)))
    return gettext("%(km)s km", km=format_decimal(round(metres / 1000, 1), format="#,##0.0"))


def duration_text(seconds: float) -> str:
    """A visit's length to the minute ("24 min", "5 h 10 min", "7 d 2 h"); seconds under one."""
    shown = round(seconds / 60) * 60 if seconds >= 60 else seconds
    return seconds_text(shown, gettext)
