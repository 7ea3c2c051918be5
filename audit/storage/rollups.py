"""Rollups: sums and counts of published visits per store and month (and section), kept in step.

A report's region, chain and summary figures read these instead of the visits behind them, so
their cost follows the stores and months shown, not the history. The rows are written by the
triggers of m024 (triggers_sql below) inside the very transaction that publishes, unpublishes,
re-scores or moves a visit, or changes its section scores: every path that writes a published
visit (the lifecycle's move(), a reviewer's correction, the demo, an import) keeps them exact,
as m009's figures_stamp already does for the kept figures. `rebuild` recomputes them from the
visits; a test proves rebuild == the incremental rows after random sequences of moves.

Triggers rather than a call after move(): publishes are moves, but corrections re-score through
scores.rescore, and the demo and bulk loads insert published visits directly; a trigger cannot
be forgotten by the next writer. The module lives in audit/storage because reports/ may read
storage but not the domain (tests/test_layout.py). m024 ran triggers_sql() as it was then: a
change to the triggers is a new migration that drops and re-creates them, then rebuilds.

Scores are summed as integers in units of 1e-9 (SCALE): a float sum kept by adding and taking
away drifts with the order of the moves, so it could never equal a rebuild exactly; an integer
sum does. A mean from them differs from the float mean by less than 1e-9, far below the one
decimal any page prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

SCALE = 1_000_000_000
TABLES = ("rollup_visits", "rollup_sections")


def visit_day(row: str) -> str:
    """SQL for the day a visit counts on: the day it started, else the day it was submitted.

    The one rule for which period and month a visit counts in (reports/figures.py VISIT_DAY is
    visit_day("v"); the triggers use it on NEW and OLD rows).
    """
    return f"substr(COALESCE({row}.started_at, {row}.submitted_at), 1, 10)"


def _units(expr: str) -> str:
    """SQL turning a score into integer units of 1/SCALE (NULL stays NULL)."""
    return f"CAST(ROUND({expr} * {SCALE}) AS INTEGER)"


TABLES_SQL = """
CREATE TABLE rollup_visits (
    store_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    version_id INTEGER NOT NULL,
    visits INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    score_units INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    knocked_out INTEGER NOT NULL,
    PRIMARY KEY (store_id, month, version_id)
) WITHOUT ROWID;
CREATE INDEX rollup_visits_month ON rollup_visits (month, store_id);
CREATE TABLE rollup_sections (
    store_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    section_key TEXT NOT NULL,
    rows INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    score_units INTEGER NOT NULL,
    PRIMARY KEY (store_id, month, section_key)
) WITHOUT ROWID;
CREATE INDEX rollup_sections_month ON rollup_sections (month, store_id)"""


def _visit_delta(row: str, sign: str) -> str:
    """Add (sign '+') or take away (sign '-') one visit row (NEW or OLD) in rollup_visits."""
    month = f"substr({visit_day(row)}, 1, 7)"
    values = (f"{row}.store_id, {month}, {row}.version_id, {sign}1,"
              f" {sign}({row}.score IS NOT NULL), {sign}COALESCE({_units(row + '.score')}, 0),"
              f" {sign}(COALESCE({row}.passed, 0) != 0),"
              f" {sign}(COALESCE({row}.knocked_out, 0) != 0)")
    return f"""INSERT INTO rollup_visits (store_id, month, version_id, visits, scored,
        score_units, passed, knocked_out) VALUES ({values})
    ON CONFLICT (store_id, month, version_id) DO UPDATE SET visits = visits + excluded.visits,
        scored = scored + excluded.scored, score_units = score_units + excluded.score_units,
        passed = passed + excluded.passed, knocked_out = knocked_out + excluded.knocked_out;
    DELETE FROM rollup_visits WHERE store_id = {row}.store_id AND month = {month}
        AND version_id = {row}.version_id AND visits = 0"""  # noqa: S608 - trigger DDL


def _sections_delta(visit: str, sign: str, source: str) -> str:
    """Add or take away section rows (`source`: a FROM ... WHERE clause naming them `ss`) of
    the visit row `visit` (NEW or OLD) in rollup_sections."""
    month = f"substr({visit_day(visit)}, 1, 7)"
    return f"""INSERT INTO rollup_sections (store_id, month, section_key, rows, scored,
        score_units)
    SELECT {visit}.store_id, {month}, ss.section_key, {sign}1, {sign}(ss.score IS NOT NULL),
           {sign}COALESCE({_units('ss.score')}, 0) {source}
    ON CONFLICT (store_id, month, section_key) DO UPDATE SET rows = rows + excluded.rows,
        scored = scored + excluded.scored, score_units = score_units + excluded.score_units;
    DELETE FROM rollup_sections WHERE rows = 0 AND (store_id, month, section_key) IN
        (SELECT {visit}.store_id, {month}, ss.section_key {source})"""  # noqa: S608


def triggers_sql() -> str:
    """The triggers that keep the rollups in step with visits and section_scores (m024)."""
    own = "FROM section_scores ss WHERE ss.visit_id = {v}.id"
    # A section row's visit, when that visit is published (the row counts then).
    parent = "FROM visits v JOIN (SELECT {r}.section_key AS section_key, {r}.score AS score) ss" \
             " WHERE v.id = {r}.visit_id AND v.status = 'published'"
    moved = ("OLD.status IS NOT NEW.status OR OLD.store_id IS NOT NEW.store_id"
             f" OR {visit_day('OLD')} IS NOT {visit_day('NEW')}")
    return f"""
CREATE TRIGGER rollup_visit_insert AFTER INSERT ON visits WHEN NEW.status = 'published'
BEGIN {_visit_delta('NEW', '+')}; {_sections_delta('NEW', '+', own.format(v='NEW'))}; END;
CREATE TRIGGER rollup_visit_delete AFTER DELETE ON visits WHEN OLD.status = 'published'
BEGIN {_visit_delta('OLD', '-')}; {_sections_delta('OLD', '-', own.format(v='OLD'))}; END;
CREATE TRIGGER rollup_visit_update_out
AFTER UPDATE OF status, score, store_id, started_at, submitted_at, version_id, passed,
    knocked_out ON visits
WHEN OLD.status = 'published'
BEGIN {_visit_delta('OLD', '-')}; END;
CREATE TRIGGER rollup_visit_update_in
AFTER UPDATE OF status, score, store_id, started_at, submitted_at, version_id, passed,
    knocked_out ON visits
WHEN NEW.status = 'published'
BEGIN {_visit_delta('NEW', '+')}; END;
CREATE TRIGGER rollup_visit_sections_out
AFTER UPDATE OF status, store_id, started_at, submitted_at ON visits
WHEN OLD.status = 'published' AND ({moved})
BEGIN {_sections_delta('OLD', '-', own.format(v='OLD'))}; END;
CREATE TRIGGER rollup_visit_sections_in
AFTER UPDATE OF status, store_id, started_at, submitted_at ON visits
WHEN NEW.status = 'published' AND ({moved})
BEGIN {_sections_delta('NEW', '+', own.format(v='NEW'))}; END;
CREATE TRIGGER rollup_section_insert AFTER INSERT ON section_scores
BEGIN {_sections_delta('v', '+', parent.format(r='NEW'))}; END;
CREATE TRIGGER rollup_section_delete AFTER DELETE ON section_scores
BEGIN {_sections_delta('v', '-', parent.format(r='OLD'))}; END;
CREATE TRIGGER rollup_section_update AFTER UPDATE ON section_scores
BEGIN {_sections_delta('v', '-', parent.format(r='OLD'))};
      {_sections_delta('v', '+', parent.format(r='NEW'))}; END"""


def rebuild(db: Database) -> None:
    """Recompute every rollup from the published visits, in one transaction."""
    with db.atomic():
        for table in TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
        db.execute(f"""
            INSERT INTO rollup_visits (store_id, month, version_id, visits, scored, score_units,
                                       passed, knocked_out)
            SELECT v.store_id, substr({visit_day('v')}, 1, 7) AS month, v.version_id, COUNT(*),
                   COUNT(v.score), SUM(COALESCE({_units('v.score')}, 0)),
                   SUM(COALESCE(v.passed, 0) != 0), SUM(COALESCE(v.knocked_out, 0) != 0)
            FROM visits v WHERE v.status = 'published'
            GROUP BY v.store_id, month, v.version_id""")  # noqa: S608
        db.execute(f"""
            INSERT INTO rollup_sections (store_id, month, section_key, rows, scored,
                                         score_units)
            SELECT v.store_id, substr({visit_day('v')}, 1, 7) AS month, ss.section_key,
                   COUNT(*), COUNT(ss.score), SUM(COALESCE({_units('ss.score')}, 0))
            FROM visits v JOIN section_scores ss ON ss.visit_id = v.id
            WHERE v.status = 'published'
            GROUP BY v.store_id, month, ss.section_key""")  # noqa: S608


def snapshot_rows(db: Database) -> dict[str, list[tuple]]:
    """Every rollup row, sorted: what a rebuild must reproduce exactly."""
    return {table: sorted(db.execute(f"SELECT * FROM {table}").fetchall())  # noqa: S608
            for table in TABLES}


# ---------------------------------------------------------------- reading a period


@dataclass(frozen=True)
class Split:
    """A period as the whole months the rollups answer and the days at its edges they do not."""

    months: tuple[str, str] | None  # first and last whole month ('YYYY-MM'), both included
    edges: tuple[tuple[str, str], ...]  # (first day, last day) ranges read from the visits


def split(start: str, end: str) -> Split:
    """Split the days start..end (ISO, both included) into whole months and edge days."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    head = first if first.day == 1 else _next_month(first)
    tail_end = _next_month(last) - timedelta(days=1)
    tail = last if last == tail_end else last.replace(day=1) - timedelta(days=1)
    if head > tail:  # no whole month inside: all of it is edge
        return Split(None, ((start, end),))
    edges = []
    if first < head:
        edges.append((start, (head - timedelta(days=1)).isoformat()))
    if tail < last:
        edges.append(((tail + timedelta(days=1)).isoformat(), end))
    return Split((head.isoformat()[:7], tail.isoformat()[:7]), tuple(edges))


def _next_month(day: date) -> date:
    """The first day of the month after day's."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def score(units: int | float) -> float:
    """A sum of score units as a sum of scores."""
    return units / SCALE


# A scope of stores: SQL selecting store ids, and its parameters.
Scope = tuple[str, list]


def channel_scope(channel: str) -> Scope:
    """The stores of one channel."""
    return "SELECT id FROM stores WHERE channel = ?", [channel]


def ids_scope(store_ids: list[int]) -> Scope:
    """These stores (one JSON parameter, however many: binding each id fails past ~33,000)."""
    return "SELECT value FROM json_each(?)", [json.dumps(sorted(set(store_ids)))]


# What the sums may be grouped by; "region" is the store's region (a join with stores).
VISIT_KEYS = ("store_id", "month", "version_id", "region")
SECTION_KEYS = ("store_id", "month", "section_key", "region")


def _keys(by: tuple[str, ...], allowed: tuple[str, ...]) -> str:
    """The GROUP BY columns, checked against our own names."""
    if not by or not set(by) <= set(allowed):
        raise ValueError(f"cannot group rollups by {by!r}")
    return ", ".join("s.region" if key == "region" else f"u.{key}" for key in by)


def _join(by: tuple[str, ...]) -> str:
    """The join with stores when the sums are grouped by region (SQLite then returns a row per
    region and month instead of one per store: fewer rows to carry into Python)."""
    return " JOIN stores s ON s.id = u.store_id" if "region" in by else ""


def visit_cells(db: Database, scope: Scope, start: str, end: str,
                by: tuple[str, ...] = ("store_id",)) -> list[tuple]:
    """(*by, visits, scored, score units, passed, knocked out) of the published visits of the
    scope's stores from start to end (ISO days, both included), grouped by `by` (of VISIT_KEYS).

    Whole months come from rollup_visits; the days of a month the period only partly covers
    from the visits themselves (the index by day, m008), counted the very same way. SQLite sums
    them, so only the groups reach Python.
    """
    keys = _keys(by, VISIT_KEYS)
    part = split(start, end)
    parts, params = [], []
    if part.months:
        parts.append(f"""SELECT store_id, month, version_id, visits, scored, score_units,
                                passed, knocked_out
                         FROM rollup_visits
                         WHERE month BETWEEN ? AND ? AND store_id IN ({scope[0]})""")  # noqa: S608
        params += [*part.months, *scope[1]]
    for first, last in part.edges:
        parts.append(f"""SELECT v.store_id AS store_id, substr({visit_day('v')}, 1, 7) AS month,
                                v.version_id AS version_id, 1 AS visits,
                                v.score IS NOT NULL AS scored,
                                COALESCE({_units('v.score')}, 0) AS score_units,
                                COALESCE(v.passed, 0) != 0 AS passed,
                                COALESCE(v.knocked_out, 0) != 0 AS knocked_out
                         FROM visits v WHERE v.status = 'published'
                           AND {visit_day('v')} BETWEEN ? AND ? AND +v.store_id IN ({scope[0]})""")  # noqa: S608
        params += [first, last, *scope[1]]
    return db.execute(
        f"""SELECT {keys}, SUM(u.visits), SUM(u.scored), SUM(u.score_units), SUM(u.passed),
                   SUM(u.knocked_out)
            FROM ({" UNION ALL ".join(parts)}) u{_join(by)} GROUP BY {keys}""",  # noqa: S608
        params).fetchall()


def section_cells(db: Database, scope: Scope, start: str, end: str,
                  by: tuple[str, ...] = ("store_id", "section_key")) -> list[tuple]:
    """(*by, rows, scored, score units) of the section scores of the published visits of the
    scope's stores from start to end, grouped by `by` (of SECTION_KEYS), as visit_cells."""
    keys = _keys(by, SECTION_KEYS)
    part = split(start, end)
    parts, params = [], []
    if part.months:
        parts.append(f"""SELECT store_id, month, section_key, rows, scored, score_units
                         FROM rollup_sections
                         WHERE month BETWEEN ? AND ? AND store_id IN ({scope[0]})""")  # noqa: S608
        params += [*part.months, *scope[1]]
    for first, last in part.edges:
        parts.append(f"""SELECT v.store_id AS store_id, substr({visit_day('v')}, 1, 7) AS month,
                                ss.section_key AS section_key, 1 AS rows,
                                ss.score IS NOT NULL AS scored,
                                COALESCE({_units('ss.score')}, 0) AS score_units
                         FROM visits v JOIN section_scores ss ON ss.visit_id = v.id
                         WHERE v.store_id IN ({scope[0]}) AND v.status = 'published'
                           AND {visit_day('v')} BETWEEN ? AND ?""")  # noqa: S608
        params += [*scope[1], first, last]
    return db.execute(
        f"""SELECT {keys}, SUM(u.rows), SUM(u.scored), SUM(u.score_units)
            FROM ({" UNION ALL ".join(parts)}) u{_join(by)} GROUP BY {keys}""",  # noqa: S608
        params).fetchall()
