"""The filters and cursor of a paged list, read from the query string.

Filters are GET parameters, so a page link keeps them: `region`, `min_score`, `max_score`
(0-100) and `status`. A value that is not one of them (an unknown status, a score that is not a
number) is left out, as if not given; a broken cursor is refused (audit.paging.bad_cursor).
"""

from __future__ import annotations

import math

from flask import request

from audit.paging import ListFilters

MAX_REGION = 100


def _score(name: str) -> float | None:
    """A score bound (0-100) from the query string; None when absent or not a score."""
    raw = (request.args.get(name) or "").strip().replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= 100 else None


def read_filters(statuses: tuple[str, ...] = ()) -> ListFilters:
    """The list's filters from the query string; `statuses` are the statuses it may filter by."""
    region = (request.args.get("region") or "").strip()
    status = request.args.get("status")
    return ListFilters(region=region[:MAX_REGION] or None, min_score=_score("min_score"),
                       max_score=_score("max_score"),
                       status=status if status in statuses else None)


def read_cursor() -> dict[str, str]:
    """`after` or `before` from the query string (one of them), for audit.paging.read_page."""
    for name in ("before", "after"):
        value = request.args.get(name)
        if value:
            return {name: value}
    return {}
