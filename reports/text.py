"""Answers, scores, durations and dates as text in the report's language."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import (
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)

from criteria.model import Criterion, text
from criteria.scoring import interval_seconds, round_score

Gettext = Callable[[str], str]


# The app's zone when no caller names one: the same variable and default as audit/config.py's
# TIMEZONE, so the CLI and the report workers (no Flask app) print times as the pages do.
DEFAULT_ZONE = "Europe/Warsaw"


def default_zone() -> str:
    """The time zone reports print times in unless told otherwise (AUDIT_TIMEZONE)."""
    return os.environ.get("AUDIT_TIMEZONE", DEFAULT_ZONE)


def half_up(value: float, places: int = 1) -> Decimal:
    """value rounded half up as people do by hand (2.25 -> 2.3; Python's round() says 2.2)."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=16)
def _number_symbols(locale: str) -> dict[int, str]:
    """The locale's group and decimal separators, as a str.translate() table."""
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def one_decimal(value: float, locale: str, *, signed: bool = False) -> str:
    """value rounded half up to one decimal in the locale's digits: "1,234.5", pl "1 234,5".

    The one number formatter of the pages and the PDFs. Written as Babel's format_decimal
    writes the pattern '#,##0.0' (signed: '+#,##0.0;−#,##0.0'), without parsing the pattern
    for each number: a long list (the manager's 1,000 stores) spent more time in Babel than in
    everything else. -0.0 keeps its sign, as in Babel.
    """
    rounded = half_up(value)
    digits = f"{abs(rounded):,.1f}".translate(_number_symbols(locale))
    negative = rounded < 0 or (rounded == 0 and math.copysign(1.0, value) < 0)
    if signed:
        return ("−" if negative else "+") + digits
    return (get_minus_sign_symbol(locale) if negative else "") + digits


def points_text(value: float, locale: str) -> str:
    """Points of one answer, half up to one decimal, no needless ".0": "1,5", "2"."""
    return format_decimal(half_up(value), format="#,##0.#", locale=locale)


def score_text(score: float | None, lang: str) -> str:
    """A score rounded half-up to one decimal, e.g. "83.4"; a dash when there is none."""
    if score is None:
        return "—"
    return one_decimal(score, lang)


def change_text(change: float | None, lang: str) -> str:
    """A signed change in points, e.g. "+2.5" or "−1.0"; empty when unknown."""
    if change is None:
        return ""
    rounded = round_score(abs(change))
    sign = "+" if change > 0 and rounded else ("−" if change < 0 and rounded else "±")
    return sign + one_decimal(abs(change), lang)


def moment_text(stamp: str | datetime | None, lang: str, zone: str) -> str:
    """A stored time stamp as the date and time in `zone`: "3 Dec 2026, 14:28"."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
    if moment.utcoffset() is None:  # stored stamps are UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_date(local.date(), 'medium', locale=lang)}, " \
           f"{format_time(local, 'short', locale=lang)}"


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
    if kind == "multi_choice" and isinstance(value, list):
        labels = [text(o.label, lang) for o in c.options if o.key in value]
        return ", ".join(labels) if labels else _("None of these")
    if kind == "amount":
        return f"{format_decimal(value, format='#,##0.00', locale=lang)} {c.currency or ''}".strip()
    if kind == "nps":
        return f"{value} / 10"
    return str(value)
