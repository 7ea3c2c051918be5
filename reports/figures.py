"""Region and chain figures: what every store report of a channel and period compares with.

They are averages over the whole channel, read from the rollups (audit/storage/rollups.py: a
row per store and month, and per store, month and section, whatever the visits behind them), and
the same for every store of that channel, so each
process keeps them per (channel, period) until the data under them changes: the key holds
`figures_stamp`, which triggers (m009) bump in the very transaction that publishes, unpublishes
or re-scores a visit, or moves a store to another region or channel. A report run over 200 stores
reads them once instead of 200 times.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from sqlite_utils import Database

from audit.storage import rollups
from audit.storage.db import database_file, snapshot

# The day a visit counts on (the one rule, audit/storage/rollups.py visit_day).
VISIT_DAY = rollups.visit_day("v")
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

    @cached_property
    def digest(self) -> str:
        """A short digest of every sum: a cached report that printed these figures is stale
        exactly when the digest of the figures it would print now differs."""
        sums = (sorted(self.visits.items()), sorted(self.sections.items()),
                sorted(self.months.items()))
        return hashlib.sha256(repr(sums).encode()).hexdigest()[:16]

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
    # The stamp and the figures come from one snapshot, so a kept entry is exactly as new as
    # its key.
    with snapshot(db):
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
    """The channel's sums per region from the rollups (audit/storage/rollups.py).

    Whole months are a row per store and month whatever the visits behind them, so a year of
    the chain costs the same at 10,000 or 1,000,000 visits; only the days of a month the period
    covers in part are read from the visits. Sums stay integers (score units) until the end, so
    the figures do not depend on the order the rows come in.
    """
    scope = rollups.channel_scope(channel)
    visits: dict[tuple, list[int]] = {}
    months: dict[tuple, list[int]] = {}
    for region, month, _n, scored, units, _passed, _knocked in rollups.visit_cells(
            db, scope, months_from, end, by=("region", "month")):
        if scored:
            _count(months, (region, month), units, scored)
            if months_from == start:  # the trend's months are the period: one read for both
                _count(visits, (region,), units, scored)
    if months_from != start:
        for region, _n, scored, units, _passed, _knocked in rollups.visit_cells(
                db, scope, start, end, by=("region",)):
            if scored:
                _count(visits, (region,), units, scored)
    sections: dict[tuple, list[int]] = {}
    for region, key, _rows, scored, units in rollups.section_cells(
            db, scope, start, end, by=("region", "section_key")):
        _count(sections, (region, key), units, scored)
    return Figures(_sums(visits), _sums(sections), _sums(months))


def _sums(units: dict[tuple, list[int]]) -> Sums:
    """Integer score units and counts as sums of scores and counts."""
    return {key: (rollups.score(total), counted) for key, (total, counted) in units.items()}


def _count(sums: dict[tuple, list[int]], key: tuple, units: int, counted: int) -> None:
    """Add a sum of `counted` scores (in score units) to sums[key]."""
    was = sums.setdefault(key, [0, 0])
    was[0] += units
    was[1] += counted
