"""Template helpers: dates, numbers and labels in the user's language."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "scheduled": _l("Scheduled"),
    "in_progress": _l("In progress"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned for correction"),
    "approved": _l("Approved"),
    "published": _l("Published"),
    "cancelled": _l("Cancelled"),
}


def todate(value: str | date | None) -> date | None:
    """A stored ISO date or time stamp as a date."""
    if value is None or isinstance(value, date):
        return value
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)


def todatetime(value: str | None) -> datetime | None:
    """A stored ISO time stamp as a datetime."""
    return datetime.fromisoformat(value) if value else None


def status_label(status: str) -> str:
    """The visit status in words."""
    return str(STATUS_LABELS.get(status, status))


def current_locale() -> str:
    """The language code of this request."""
    return str(get_locale() or "en")


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(todate=todate, todatetime=todatetime)
    app.jinja_env.globals.update(
        status_label=status_label,
        current_locale=current_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
    )
