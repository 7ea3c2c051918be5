"""Answer values: what each answer type takes, checked without scoring it (pure functions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from .model import Criterion, is_int, is_number

NA = "n/a"
MAX_TEXT = 5000
# How an inquiry reached the shop; stored with an interval answer so reports can compare them.
CONTACT_CHANNELS = ("email", "chat", "phone", "form", "social")
INTERVAL_KEYS = frozenset({"from", "to", "channel", "note"})
# Interval criteria named after a channel (email_response_time) are inquiries of that channel.
_CHANNEL_PREFIXES = {"email": "email", "chat": "chat", "phone": "phone", "form": "form",
                     "contact_form": "form", "social": "social"}
NPS_RANGE = range(0, 11)
# Money is kept to the cent: an amount with more decimals is a typo, not a price.
AMOUNT_DECIMALS = 2


def _time(value: object, name: str) -> datetime:
    """Parse an ISO-8601 time (or take a datetime); it must carry a UTC offset."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{name}' is not an ISO-8601 time: {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError(f"'{name}' must be an ISO-8601 time, got {value!r}")
    if value.utcoffset() is None:
        raise ValueError(f"'{name}' needs a UTC offset, e.g. 2026-10-25T09:00:00+02:00")
    return value


def _seconds(start: datetime, end: datetime) -> float:
    """Real seconds between two aware times; via UTC, because same-zone subtraction ignores DST."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def _interval(value: object) -> tuple[datetime, datetime | None]:
    """Parse an interval answer {"from": time, "to": time or None}; raises ValueError.

    Optional keys: "channel" (one of CONTACT_CHANNELS: how the inquiry was sent) and "note"
    (the text of the question); neither changes the score.
    """
    if not isinstance(value, dict) or "from" not in value or set(value) - INTERVAL_KEYS:
        raise ValueError('an interval answer must be {"from": time, "to": time or null}, '
                         'optionally with "channel" and "note"')
    if value.get("channel") is not None and value["channel"] not in CONTACT_CHANNELS:
        raise ValueError(f"'channel' must be one of: {', '.join(CONTACT_CHANNELS)}")
    note = value.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_TEXT):
        raise ValueError(f"'note' must be text of at most {MAX_TEXT} characters")
    start = _time(value["from"], "from")
    end = None if value.get("to") is None else _time(value["to"], "to")
    if end is not None and _seconds(start, end) < 0:
        raise ValueError("'to' is before 'from'")
    return start, end


def contact_channel(c: Criterion, value: object = None) -> str | None:
    """The channel of an inquiry: the answer's "channel", else the one the criterion's key names.

    None for an interval that is not an inquiry (e.g. order -> delivery).
    """
    if isinstance(value, dict) and value.get("channel") in CONTACT_CHANNELS:
        return value["channel"]
    if c.type != "interval":
        return None
    for prefix, channel in _CHANNEL_PREFIXES.items():
        if c.key == prefix or c.key.startswith(prefix + "_"):
            return channel
    return None


def interval_seconds(value: object) -> float | None:
    """Seconds between an interval answer's `from` and `to`; None while `to` is missing."""
    if value is None or value == NA:
        return None
    start, end = _interval(value)
    return None if end is None else _seconds(start, end)


def _check_interval(c: Criterion, value: object) -> str | None:
    """Message for a bad interval answer."""
    try:
        _interval(value)
    except ValueError as err:
        return str(err)
    return None


def is_amount(value: object) -> bool:
    """A number >= 0 with at most two decimals as written (12.5 and 12.50 yes, 12.505 no)."""
    if not is_number(value) or value < 0:
        return False
    return -Decimal(repr(value)).as_tuple().exponent <= AMOUNT_DECIMALS


def _check_multi_choice(c: Criterion, value: object) -> str | None:
    """A list of distinct option keys; the empty list (none chosen) is an answer too."""
    keys = {o.key for o in c.options}
    if (not isinstance(value, list) or not all(isinstance(v, str) and v in keys for v in value)
            or len(set(value)) != len(value)):
        return f"must be a list of distinct option keys from: {', '.join(sorted(keys))}"
    return None


_CHECKS: dict[str, Callable[[Criterion, object], str | None]] = {
    "yes_no": lambda c, v: None if isinstance(v, bool) else "must be true or false",
    "rating": lambda c, v: None if is_int(v) and 1 <= v <= (c.scale or 0)
    else f"must be a whole number from 1 to {c.scale}",
    "choice": lambda c, v: None if isinstance(v, str) and v in {o.key for o in c.options}
    else f"must be one of: {', '.join(o.key for o in c.options)}",
    "duration": lambda c, v: None if is_number(v) and v >= 0
    else "must be a number of seconds, 0 or more",
    "count": lambda c, v: None if is_int(v) and v >= 0 else "must be a whole number, 0 or more",
    "number": lambda c, v: None if is_number(v) else "must be a number",
    "text": lambda c, v: None if isinstance(v, str) and len(v) <= MAX_TEXT
    else f"must be text of at most {MAX_TEXT} characters",
    "photo": lambda c, v: None,  # the photos themselves are stored and checked elsewhere
    "interval": _check_interval,
    "multi_choice": lambda c, v: _check_multi_choice(c, v),
    "amount": lambda c, v: None if is_amount(v)
    else "must be an amount of money, 0 or more, with at most two decimals",
    "nps": lambda c, v: None if is_int(v) and v in NPS_RANGE
    else "must be a whole number from 0 to 10",
}


def validate_value(c: Criterion, value: object) -> str | None:
    """Return an English message if `value` is not a valid answer to `c`, else None.

    None (unanswered) is always valid. "n/a" is valid on criteria that allow N/A; on text and
    photo, which take any words, it is just a value.
    """
    if value is None:
        return None
    if c.type not in ("text", "photo") and value == NA:
        return None if c.na_allowed else "N/A is not allowed for this criterion"
    check = _CHECKS.get(c.type)
    if check is None:
        return f"unknown answer type {c.type!r}"
    return check(c, value)
