"""The manager's store list: the stores they see with their latest scores, ready to show, a page
(audit.paging.PAGE_SIZE stores) at a time by region and code, filtered by region and latest score.

A chain manager sees 1,000 stores: 899 KB of HTML on one page, 47 KB a page now. Everything a
row needs is worked out here once per row (numbers and dates in the user's language, the trend,
the sparkline), so the template only places text: per-row macro calls, Babel number patterns
and translations took ~3/4 of the page.
"""

from __future__ import annotations

from flask_babel import format_date
from sqlite_utils import Database

from audit.paging import Keyset, ListFilters, Page, read_page, score_conditions
from audit.stores import manages_store_sql
from audit.web.formatting import one_decimal, todate
from reports import aggregate, charts
from reports.score_tone import score_tone
from reports.versions import version_sets

TREND_STEP = 0.05  # a change smaller than this (in points) shows as flat
ORDER = Keyset(("s.region", "s.code", "s.id"))
# The score of a store's latest published visit: the last entry recent_scores reads (m007 index).
LATEST_SCORE = """(SELECT w.score FROM visits w WHERE w.store_id = s.id AND w.status = 'published'
    ORDER BY substr(COALESCE(w.started_at, w.submitted_at), 1, 10) DESC, w.id DESC LIMIT 1)"""


def score_class(value: float, pass_mark: float | None) -> str:
    """The colour class of a score (as the score macro in templates/macros.html)."""
    return "score-" + score_tone(value, pass_mark)


def trend(change: float, locale: str) -> dict:
    """Class, arrow and signed text of a change against the visit before."""
    if change > TREND_STEP:
        css, arrow = "trend-up", "▲"
    elif change < -TREND_STEP:
        css, arrow = "trend-down", "▼"
    else:
        css, arrow = "trend-flat", "▶"
    return {"class": css, "arrow": arrow, "text": one_decimal(change, locale, signed=True)}


def store_regions(db: Database, user_id: int) -> list[str]:
    """The regions the manager sees stores in, for the region filter: theirs, and those of
    the stores they are given one by one (never a read of every store of the chain)."""
    sql = """SELECT region FROM region_managers WHERE user_id = :user_id
             UNION SELECT s.region FROM store_managers m JOIN stores s ON s.id = m.store_id
             WHERE m.user_id = :user_id AND s.archived = 0 ORDER BY region"""
    return [r["region"] for r in db.query(sql, {"user_id": user_id})]


def store_page(db: Database, user_id: int, locale: str, filters: ListFilters,
               cursor: dict[str, str]) -> Page:
    """One page of the manager's stores (not archived) by region and code; rows as
    store_rows makes them. `cursor` is {"after": ...} or {"before": ...} or {}."""
    where = [manages_store_sql(), "s.archived = 0"]
    params: dict = {"user_id": user_id}
    if filters.region is not None:
        where.append("s.region = :region")
        params["region"] = filters.region
    scores, score_params = score_conditions(LATEST_SCORE, filters)
    page = read_page(db, "s.*", "stores s", where + scores, params | score_params, ORDER,
                     **cursor)
    store_rows(db, page.rows, locale)
    return page


def store_rows(db: Database, stores: list[dict], locale: str) -> list[dict]:
    """Give each store `recent` (its last published visits, oldest first), `last` (the latest:
    day, date text, score and its text), `trend` (against the visit before, when both have a
    score) and `spark` (SVG)."""
    recent = aggregate.recent_scores(db, [s["id"] for s in stores])
    pass_marks = {vid: cs.pass_mark for vid, cs in version_sets(
        db, {s[-1]["version_id"] for s in recent.values() if s}).items()}
    dates: dict[str, str] = {}  # most stores share their last day with others
    for s in stores:
        s["recent"] = recent.get(s["id"], [])
        s["spark"] = charts.sparkline([r["score"] for r in s["recent"]])
        s["last"] = s["trend"] = None
        if not s["recent"]:
            continue
        last = s["recent"][-1]
        if last["day"] not in dates:
            dates[last["day"]] = format_date(todate(last["day"]))
        s["last"] = {**last, "date": dates[last["day"]], "score_text": None}
        if last["score"] is not None:
            s["last"].update(score_text=one_decimal(last["score"], locale),
                             score_class=score_class(last["score"],
                                                         pass_marks.get(last["version_id"])))
        before = s["recent"][-2] if len(s["recent"]) > 1 else None
        if before and last["score"] is not None and before["score"] is not None:
            s["trend"] = trend(last["score"] - before["score"], locale)
    return stores
