"""Keyset paging: a list read one page at a time from a stable order, never from the start.

A page is the next PAGE_SIZE rows after (or before) the key of the row it starts from; the key
travels in the page link as an opaque cursor. Reading page 40 costs what page 1 costs, and a
row added or removed meanwhile does not shift the rows of the next page (as OFFSET would).
No Flask: the web layer reads the cursor from the query string and writes the links.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from sqlite_utils import Database

from audit.errors import N_, Invalid

PAGE_SIZE = 50  # rows per page of every paged list: well under 100 KB of HTML each
MAX_CURSOR = 600  # characters; a key of a few short values needs far fewer


@dataclass(frozen=True)
class Keyset:
    """A list's order: SQL expressions never NULL, the last one unique (an id)."""

    columns: tuple[str, ...]
    descending: bool = False


@dataclass(frozen=True)
class ListFilters:
    """What the reader narrowed a list to; None where they did not."""

    region: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    status: str | None = None

    def args(self, *leave: str) -> dict[str, str]:
        """The filters given (but those named in `leave`), as query parameters for a link."""
        return {k: _text(v) for k, v in asdict(self).items() if v is not None and k not in leave}


def _text(value: str | float) -> str:
    """A filter value as the reader typed it: 50 and 72.5, not 50.0."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


@dataclass(frozen=True)
class Page:
    """One page of rows with the cursors of the pages around it (None at an end)."""

    rows: list[dict]
    before: str | None  # the page before this one starts before this cursor
    after: str | None  # the page after this one starts after this cursor


def bad_cursor() -> Invalid:
    """The refusal of a cursor we did not write (edited, cut short, or of another list)."""
    return Invalid("bad_cursor", N_("This page link is broken or out of date: open the list "
                                    "from its first page."), field="cursor")


def encode(key: list[Any]) -> str:
    """A row's key as a cursor for a link."""
    text = json.dumps(key, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, width: int) -> list[Any]:
    """The key in a cursor; Invalid when it is not one we wrote for a key of `width` values."""
    if len(cursor) > MAX_CURSOR:
        raise bad_cursor()
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_cursor() from None
    if not isinstance(key, list) or len(key) != width or not all(map(_bindable, key)):
        raise bad_cursor()
    return key


def _bindable(value: object) -> bool:
    """Whether SQLite can take the value as a key: text, a 64-bit integer or a finite number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str)


def read_page(db: Database, select: str, source: str, where: list[str], params: dict,
              keyset: Keyset, *, after: str | None = None, before: str | None = None,
              size: int = PAGE_SIZE) -> Page:
    """Rows of `SELECT {select} FROM {source} WHERE {where}` in keyset order, one page.

    `after` gives the page following that cursor, `before` the page preceding it, neither the
    first page. Reads size + 1 rows: the extra one only says whether another page follows.
    """
    width = len(keyset.columns)
    backwards = before is not None
    conditions, params = list(where), dict(params)
    cursor = before if backwards else after
    if cursor is not None:
        key = decode(cursor, width)
        # Forward on an ascending list reads larger keys; either flip reads smaller ones.
        larger = keyset.descending == backwards
        names = [f":_key{i}" for i in range(width)]
        # The bound on the first column alone lets SQLite seek in an index on an expression,
        # where it would scan past the rows before the cursor for the row value.
        conditions.append(f"{keyset.columns[0]} {'>=' if larger else '<='} {names[0]}")
        conditions.append(f"({', '.join(keyset.columns)}) {'>' if larger else '<'} "
                          f"({', '.join(names)})")
        params.update({name[1:]: value for name, value in zip(names, key, strict=True)})
    direction = "DESC" if keyset.descending != backwards else "ASC"
    keys = ", ".join(f"{c} AS _key{i}" for i, c in enumerate(keyset.columns))
    order = ", ".join(f"{c} {direction}" for c in keyset.columns)
    sql = (f"SELECT {select}, {keys} FROM {source} "  # noqa: S608 - our own SQL text, values bound
           f"WHERE {' AND '.join(conditions) or '1'} ORDER BY {order} LIMIT {int(size) + 1}")
    rows = list(db.query(sql, params))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    keys = [[row.pop(f"_key{i}") for i in range(width)] for row in rows]
    first, last = (keys[0], keys[-1]) if rows else (None, None)
    if backwards:
        return Page(rows, encode(first) if more else None, encode(last) if rows else before)
    return Page(rows, encode(first) if after is not None and rows else None,
                encode(last) if more else None)


def score_conditions(column: str, filters: ListFilters) -> tuple[list[str], dict]:
    """SQL conditions (and their parameters) keeping scores of `column` within the filters."""
    where, params = [], {}
    if filters.min_score is not None:
        where.append(f"{column} >= :min_score")
        params["min_score"] = filters.min_score
    if filters.max_score is not None:
        where.append(f"{column} <= :max_score")
        params["max_score"] = filters.max_score
    return where, params
