"""Template helpers: dates, numbers and labels in the user's language."""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache

from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext

from audit.criteria_sets.versions import version_set
from audit.web.database import get_db
from audit.web.labels import status_label  # one table of status words
from reports.score_tone import score_tone
from reports.text import duration_text


def todate(value: str | date | None) -> date | None:
    """A stored ISO date or time stamp as a date."""
    if value is None or isinstance(value, date):
        return value
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)


def todatetime(value: str | None) -> datetime | None:
    """A stored ISO time stamp as a datetime."""
    return datetime.fromisoformat(value) if value else None


@lru_cache(maxsize=16)
def _number_symbols(locale: str) -> dict[int, str]:
    """The locale's group and decimal separators, as a str.translate() table."""
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def one_decimal(value: float, locale: str, *, signed: bool = False) -> str:
    """value rounded to one decimal, written as format_decimal(round(value, 1)) writes it with
    the pattern '#,##0.0' (signed: '+#,##0.0;−#,##0.0').

    The same text without parsing the pattern for each number: a long list (the manager's
    1,000 stores) spent more time in Babel than in everything else. Rounding as Jinja's
    round filter does (Python's round); -0.0 keeps its sign, as in Babel.
    """
    rounded = round(value, 1)
    digits = f"{abs(rounded):,.1f}".translate(_number_symbols(locale))
    negative = math.copysign(1.0, rounded) < 0
    if signed:
        return ("−" if negative else "+") + digits
    return (get_minus_sign_symbol(locale) if negative else "") + digits


def duration(seconds: float | None) -> str:
    """A time span in the request's language, written as in the PDFs ("3 min 20 s")."""
    return duration_text(seconds, gettext)


def pass_mark(version_id: int | None) -> float | None:
    """The pass mark of a criteria version, which colours its scores (None: the default's)."""
    if version_id is None:
        return None
    try:
        return version_set(get_db(), version_id).pass_mark
    except KeyError:
        return None


def current_locale() -> str:
    """The language code of this request."""
    return str(get_locale() or "en")


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(todate=todate, todatetime=todatetime, duration=duration)
    app.jinja_env.globals.update(
        status_label=status_label,
        score_tone=score_tone,
        pass_mark=pass_mark,
        current_locale=current_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
    )
