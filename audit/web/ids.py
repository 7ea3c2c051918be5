"""Ids in URLs and query strings: only numbers SQLite can hold, so a 20-digit id is a 404, not a
500 (an OverflowError when it reaches the database)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER


class RowIdConverter(IntegerConverter):
    """<int:...> in our routes: a number from 0 to SQLite's largest; anything else matches no
    route (404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's own name
        """Cap the number at SQLite's largest INTEGER unless the rule gives its own bound."""
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def row_id(value: str) -> int:
    """A query-string id (request.args.get(..., type=row_id)): ValueError when out of range, so
    the argument counts as not given."""
    number = int(value)
    if not 0 <= number <= MAX_ROW_ID:
        raise ValueError("not a row id")
    return number


def init_app(app: Flask) -> None:
    """Use the bounded converter for every <int:...> rule; before any blueprint registers."""
    app.url_map.converters["int"] = RowIdConverter
