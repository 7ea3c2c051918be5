"""Visit warnings (audit/visits/flags.py) in the reader's language.

A flag is stored as a code with parameters; here it becomes a sentence with the request's
catalogue: durations as people read them, distances in metres or kilometres, photo criteria by
their text in the reader's language. A flag this module cannot write (an unknown code, or an
old one m011 could not convert) shows the sentence it was stored with, else its code: a
warning is never lost and never breaks the page.
"""

from __future__ import annotations

from collections.abc import Callable

from babel.numbers import format_decimal
from flask_babel import get_locale, get_translations
from sqlite_utils import Database

from audit.criteria_sets.versions import version_set
from audit.visits.flags import Flag, FlagCode
from criteria.model import CriteriaSet
from reports.text import duration_text, one_decimal


class Writer:
    """Writes flags in one language: the request's catalogue and locale, looked up once.

    A long queue writes a few hundred texts; Flask-Babel's gettext finds the catalogue again
    for each of them, which cost more than everything else a row of the queue does.
    """

    def __init__(self, lang: str | None = None):
        self.lang = lang or str(get_locale() or "en")
        self.catalogue = get_translations()

    def gettext(self, msgid: str, **params: object) -> str:
        """The message in this language with its parameters filled in."""
        text = self.catalogue.gettext(msgid)
        return text % params if params else text

    def flag(self, flag: Flag, cs: CriteriaSet | None = None) -> str:
        """One warning as a sentence."""
        params = flag.get("params") or {}
        write = TEXTS.get(flag.get("code", ""))
        try:
            if write is not None:
                return write(self, params, cs)
        except (KeyError, TypeError, ValueError):
            pass  # parameters of another shape: the fallback below still says something
        return str(params.get("message") or flag.get("code") or "")

    def criterion(self, cs: CriteriaSet | None, key: str) -> str:
        """A criterion's text in this language (else English); the key if the set has none."""
        try:
            texts = cs.criterion(key).text if cs is not None else None
        except KeyError:
            texts = None
        if not texts:
            return key
        return texts.get(self.lang) or texts.get("en") or key

    def distance(self, metres: float) -> str:
        """A distance as people read it: "350 m" under a kilometre, else "12.4 km"."""
        if metres < 1000:
            return self.gettext("%(metres)s m", metres=format_decimal(round(metres),
                                                                      locale=self.lang))
        km = one_decimal(metres / 1000, self.lang)
        return self.gettext("%(km)s km", km=km)

    def duration(self, seconds: float) -> str:
        """A time span as every page and PDF writes it (reports.text.duration_text)."""
        return duration_text(seconds, self.catalogue.gettext)


def _no_position(w: Writer, params: dict, cs: CriteriaSet | None) -> str:
    """no_position: the phone did not share where it was."""
    return w.gettext("The phone's position was not shared at the start.")


def _far_start(w: Writer, params: dict, cs: CriteriaSet | None) -> str:
    """far_start: how far from the store, and how sure the phone was."""
    where = w.distance(params["metres"])
    if params.get("accuracy") is None:
        return w.gettext("Started %(distance)s from the store (accuracy of the position unknown).",
                     distance=where)
    return w.gettext("Started %(distance)s from the store (position accurate to %(accuracy)s).",
                 distance=where, accuracy=w.distance(params["accuracy"]))


def _short_visit(w: Writer, params: dict, cs: CriteriaSet | None) -> str:
    """short_visit: how long it took against the usual length."""
    took = w.duration(params["took_seconds"])
    if params.get("usual_seconds") is None:
        return w.gettext("Much shorter than usual: %(took)s.", took=took)
    return w.gettext("Much shorter than usual: %(took)s (usually %(usual)s).", took=took,
                 usual=w.duration(params["usual_seconds"]))


def _photos_missing(w: Writer, params: dict, cs: CriteriaSet | None) -> str:
    """photos_missing: which questions have no photo, by their text."""
    return w.gettext("Photos missing: %(what)s",
                 what="; ".join(w.criterion(cs, key) for key in params["criteria"]))


TEXTS: dict[str, Callable[[Writer, dict, CriteriaSet | None], str]] = {
    FlagCode.NO_POSITION: _no_position,
    FlagCode.FAR_START: _far_start,
    FlagCode.SHORT_VISIT: _short_visit,
    FlagCode.PHOTOS_MISSING: _photos_missing,
}


class WarningTexts:
    """warning_texts(visit) for the templates of one page: the visit's warnings as text.

    One writer and one parsed criteria set per version for the whole page.
    """

    def __init__(self, db: Database):
        self.db = db
        self.writer = Writer()
        self.sets: dict[int, CriteriaSet] = {}

    def __call__(self, visit: dict) -> list[str]:
        """visit["warnings"] (as the review functions give them) written out."""
        flags = visit.get("warnings") or []
        cs = None
        if any(f["code"] == FlagCode.PHOTOS_MISSING for f in flags):
            if visit["version_id"] not in self.sets:
                self.sets[visit["version_id"]] = version_set(self.db, visit["version_id"])
            cs = self.sets[visit["version_id"]]
        return [self.writer.flag(f, cs) for f in flags]


def flag_text(flag: Flag, cs: CriteriaSet | None = None) -> str:
    """One warning as a sentence in the request's language."""
    return Writer().flag(flag, cs)
