"""Template helpers: dates, numbers and labels in the user's language."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, has_request_context
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    to_user_timezone,
)

from audit.criteria_sets.versions import version_set
from audit.web.database import get_db
from audit.web.labels import status_label  # one table of status words
from reports.score_tone import score_tone
from reports.text import duration_text, one_decimal, points_text


def todate(value: str | date | None) -> date | None:
    """A stored ISO date, or the day of a time stamp in the app's zone (TIMEZONE)."""
    if value is None or isinstance(value, date):
        return value
    if "T" not in value:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    # Stored stamps are UTC: 23:30 UTC is already the next day in Warsaw.
    return (to_user_timezone(moment) if has_request_context() else moment).date()


def todatetime(value: str | None) -> datetime | None:
    """A stored ISO time stamp as a datetime."""
    return datetime.fromisoformat(value) if value else None


def moment(value: datetime | str | None, fmt: str = "short") -> str:
    """A time in the app's zone and the request's locale: the one time-zone rule (Flask-Babel
    converts to the zone audit/web/i18n.py selects, config TIMEZONE)."""
    if not value:
        return ""
    return format_datetime(todatetime(value) if isinstance(value, str) else value, fmt)


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
    """The language of this request ("en", "pl", "ru"): catalogue, texts and reports."""
    locale = get_locale()
    return locale.language if locale else "en"


def format_locale() -> str:
    """The locale numbers and dates are written in: the language, with the browser's region
    when it names one of it ("en_GB" writes 03/12/2026 where "en" writes 12/3/26)."""
    return str(get_locale() or "en")


def number(value: float) -> str:
    """A score or figure to one decimal, half up, in the request's locale."""
    return one_decimal(value, format_locale())


def points(value: float) -> str:
    """One answer's points ("1.5", "2"), half up, in the request's locale."""
    return points_text(value, format_locale())


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(todate=todate, todatetime=todatetime, duration=duration,
                                 number=number, points=points)
    app.jinja_env.globals.update(
        status_label=status_label,
        score_tone=score_tone,
        pass_mark=pass_mark,
        current_locale=current_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
    )
