"""The query parameters of the API, read and refused in one place (400 with a clear message)."""

from __future__ import annotations

from flask import request

from audit.api.bearer import api_user
from audit.api.visits_feed import DEFAULT_LIMIT, MAX_LIMIT, BadCursor, decode_cursor
from audit.vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from reports.period import Period, PeriodError


class BadParameter(ValueError):
    """A query parameter the API cannot use; the message says which and why."""


def period() -> Period:
    """?start=YYYY-MM-DD&end=YYYY-MM-DD, both required."""
    start, end = request.args.get("start"), request.args.get("end")
    if not start or not end:
        raise BadParameter("Give the period as ?start=YYYY-MM-DD&end=YYYY-MM-DD.")
    try:
        return Period.parse(start, end)
    except PeriodError as err:
        raise BadParameter(str(err)) from None


def lang() -> str:
    """?lang= for titles and questions; default the user's language, else English."""
    chosen = request.args.get("lang") or api_user()["language"] or DEFAULT_LANGUAGE
    if chosen not in LANGUAGES:
        raise BadParameter(f"'lang' must be one of {', '.join(LANGUAGES)}.")
    return chosen


def limit() -> int:
    """?limit= page length, 1 to MAX_LIMIT."""
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadParameter(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def cursor() -> int:
    """?cursor= from the previous page's next_cursor (0: the first page)."""
    raw = request.args.get("cursor")
    if not raw:
        return 0
    try:
        return decode_cursor(raw)
    except BadCursor:
        raise BadParameter("'cursor' must be a next_cursor this API returned.") from None


def store_id() -> int | None:
    """?store_id= narrows to one store."""
    raw = request.args.get("store_id")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadParameter("'store_id' must be a store's id.")
    return int(raw)
