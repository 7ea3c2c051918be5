"""Answers, scores, durations and dates as text in the report's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

from criteria.model import Criterion, text
from criteria.scoring import interval_seconds, round_score

Gettext = Callable[[str], str]


def score_text(score: float | None, lang: str) -> str:
    """A score rounded half-up to one decimal, e.g. "83.4"; a dash when there is none."""
    if score is None:
        return "—"
    return format_decimal(round_score(score), format="#,##0.0", locale=lang)


def change_text(change: float | None, lang: str) -> str:
    """A signed change in points, e.g. "+2.5" or "−1.0"; empty when unknown."""
    if change is None:
        return ""
    rounded = round_score(abs(change))
    sign = "+" if change > 0 and rounded else ("−" if change < 0 and rounded else "±")
    return sign + format_decimal(rounded, format="#,##0.0", locale=lang)


def date_text(value: date | str | None, lang: str, fmt: str = "medium") -> str:
    """A date (or the date of an ISO time stamp) in the language's style."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    return format_date(value, format=fmt, locale=lang)


def duration_text(seconds: float | None, _: Gettext) -> str:
    """A duration as people read it: "45 s", "3 min 20 s", "5 h 10 min", "2 d 4 h".

    The one duration formatter: the review pages, the shopper's phone and the PDFs all write a
    time span with it (audit/web/formatting.py passes Flask-Babel's gettext, the reports their
    catalogue's). Whole seconds, rounded; two units at most, the second left out when it is 0.
    """
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    if s < 60:
        return _("%(s)d s") % {"s": s}
    if s < 3600:
        m, rest = divmod(s, 60)
        return _("%(m)d min %(s)d s") % {"m": m, "s": rest} if rest else \
            _("%(m)d min") % {"m": m}
    if s < 86400:
        h, m = s // 3600, s % 3600 // 60
        return _("%(h)d h %(m)d min") % {"h": h, "m": m} if m else _("%(h)d h") % {"h": h}
    d, h = s // 86400, s % 86400 // 3600
    return _("%(d)d d %(h)d h") % {"d": d, "h": h} if h else _("%(d)d d") % {"d": d}


def answer_text(c: Criterion, value: object, na: bool, lang: str, _: Gettext) -> str:
    """A stored answer as text: Yes/No, 4 / 5, the option's label, a time, a count."""
    if na:
        return _("N/A")
    if value is None:
        return _("Not answered") if c.scored else ""
    kind = c.type
    if kind == "yes_no":
        return _("Yes") if value else _("No")
    if kind == "rating":
        return f"{value} / {c.scale}"
    if kind == "choice":
        label = next((o.label for o in c.options if o.key == value), None)
        return text(label, lang) if label else str(value)
    if kind == "duration":
        return duration_text(float(value), _)
    if kind == "interval":
        try:
            seconds = interval_seconds(value)
        except ValueError:
            return str(value)
        return _("No answer yet") if seconds is None else duration_text(seconds, _)
    if kind in ("count", "number"):
        return format_decimal(value, locale=lang)
    return str(value)
