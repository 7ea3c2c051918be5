"""Region and chain figures: what every store report of a channel and period compares with.

They are averages over the whole channel (a year of the chain at 100,000 visits is 12,000 visits
and 72,000 section scores, ~50 ms to read) and the same for every store of that channel, so each
process keeps them per (channel, period) until the data under them changes: the key holds
`figures_stamp`, which triggers (m009) bump in the very transaction that publishes, unpublishes
or re-scores a visit, or moves a store to another region or channel. A report run over 200 stores
reads them once instead of 200 times.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlite_utils import Database

from audit.db import database_file

# The day a visit counts on: the day it started, else the day it was submitted.
VISIT_DAY = "substr(COALESCE(v.started_at, v.submitted_at), 1, 10)"
KEPT = 64

_kept: OrderedDict[tuple, Figures] = OrderedDict()
_lock = threading.Lock()

Sums = dict[tuple, tuple[float, int]]


def _mean(total: tuple[float, int] | None) -> float | None:
    return total[0] / total[1] if total and total[1] else None


def _add(sums: Sums, key: tuple) -> tuple[float, int]:
    """The sum and count over every region of this key (region first in the key)."""
    picked = [v for k, v in sums.items() if k[1:] == key]
    return (sum(v[0] for v in picked), sum(v[1] for v in picked))


@dataclass(frozen=True)
class Figures:
    """Sums and counts of published scores of one channel: per region, section and month."""

    visits: Sums  # (region,) -> (sum of visit scores, scores counted), in the period
    sections: Sums  # (region, section key), in the period
    months: Sums  # (region, "YYYY-MM"), over the trend's months

    def overall(self, region: str) -> tuple[float | None, float | None]:
        """Mean visit score of the region and of the chain."""
        return _mean(self.visits.get((region,))), _mean(_add(self.visits, ()))

    def section_keys(self) -> set[str]:
        return {k[1] for k in self.sections}

    def section(self, region: str, key: str) -> tuple[float | None, float | None]:
        """Mean score of one section in the region and in the chain."""
        return _mean(self.sections.get((region, key))), _mean(_add(self.sections, (key,)))

    def month(self, region: str, month: str) -> tuple[float | None, float | None]:
        """Mean visit score of one month in the region and in the chain."""
        return _mean(self.months.get((region, month))), _mean(_add(self.months, (month,)))


def stamp(db: Database) -> int:
    """How many times the data under the figures has changed (m009's triggers count)."""
    return db.execute("SELECT n FROM figures_stamp").fetchone()[0]


def channel_figures(db: Database, channel: str, start: str, end: str,
                    months_from: str) -> Figures:
    """The figures of published visits of `channel` from start to end (ISO days), and per month
    from months_from to end; kept per process until the stamp moves."""
    # The stamp is read first: figures read after it are at least as new as it says, so a commit
    # in between only makes a kept entry newer than its key, never older.
    key = (database_file(db), stamp(db), channel, start, end, months_from)
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
            return kept
    figures = _read(db, channel, start, end, months_from)
    if key[0]:  # an in-memory database has no name to tell it from another
        with _lock:
            _kept[key] = figures
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
    return figures


def _read(db: Database, channel: str, start: str, end: str, months_from: str) -> Figures:
    """Three grouped reads over the index of published visits (m008)."""
    where = f"""FROM visits v JOIN stores s ON s.id = v.store_id
                WHERE v.status = 'published' AND s.channel = :channel
                  AND {VISIT_DAY} BETWEEN :start AND :end"""
    params = {"channel": channel, "start": start, "end": end}
    visits = {(r[0],): (r[1] or 0.0, r[2]) for r in db.execute(
        f"SELECT s.region, SUM(v.score), COUNT(v.score) {where} GROUP BY s.region",  # noqa: S608
        params)}
    sections = {(r[0], r[1]): (r[2] or 0.0, r[3]) for r in db.execute(
        f"""SELECT s.region, ss.section_key, SUM(ss.score), COUNT(ss.score)
            FROM section_scores ss JOIN visits v ON v.id = ss.visit_id
            JOIN stores s ON s.id = v.store_id
            WHERE v.status = 'published' AND s.channel = :channel
              AND {VISIT_DAY} BETWEEN :start AND :end
            GROUP BY s.region, ss.section_key""",  # noqa: S608
        params)}
    months = {(r[0], r[1]): (r[2] or 0.0, r[3]) for r in db.execute(
        f"""SELECT s.region, substr({VISIT_DAY}, 1, 7), SUM(v.score), COUNT(v.score)
            {where} GROUP BY 1, 2""",  # noqa: S608
        {**params, "start": months_from})}
    return Figures(visits, sections, months)
