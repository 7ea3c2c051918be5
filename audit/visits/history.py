"""Visits written as history, not lived: the demo's data and the bench-scale bulk load.

No one acts on these visits, so no move is made and no event is written: they arrive already in
their status. The bulk load keeps to plain executemany (100,000 visits in a few batches).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlite_utils import Database

from audit.visits.scores import insert_section_scores, rescore

# The order of each visit tuple insert_batch() takes.
BATCH_VISIT_COLUMNS = (
    "id", "store_id", "shopper_id", "version_id", "status", "window_start", "window_end",
    "started_at", "ended_at", "submitted_at", "approved_at", "published_at", "start_lat",
    "start_lon", "start_accuracy", "online_url", "score", "passed", "knocked_out", "created_by",
    "created_at", "updated_at")
# The order of each answer tuple insert_batch() takes.
BATCH_ANSWER_COLUMNS = (
    "visit_id", "criterion_key", "section_key", "value", "na", "comment", "points", "earned",
    "possible", "updated_at")
# Children first: every table that hangs on a visit, then the visits.
VISIT_TABLES = ("visit_events", "visit_log", "photos", "section_scores", "answers", "visits")


def add_finished_visit(db: Database, visit: dict, answers: list[dict], *,
                       scored_at: datetime) -> int:
    """Insert a visit already done (any status) with its answers, and score it; returns its id."""
    visit_id = db["visits"].insert(visit).last_pk
    db["answers"].insert_all([{**row, "visit_id": visit_id} for row in answers])
    rescore(db, visit_id, now=scored_at)
    return visit_id


def add_scheduled_visit(db: Database, visit: dict) -> int:
    """Insert a visit still to be made; returns its id."""
    return db["visits"].insert({**visit, "status": "scheduled"}).last_pk


def insert_batch(db: Database, visits: list[tuple], answers: list[tuple],
                 sections: list[tuple]) -> None:
    """Scored visits, their answers and section scores, each table in one executemany.

    Tuples follow BATCH_VISIT_COLUMNS, BATCH_ANSWER_COLUMNS and (visit_id, section_key, score,
    knocked_out); the caller scored them already, so nothing is read back.
    """
    # Each with its random public reference (m014) given here: else the trigger updates every
    # row once more (a third slower for the benchmarks' millions).
    db.conn.executemany(_insert("visits", (*BATCH_VISIT_COLUMNS, "ref")),
                        [(*visit, secrets.token_hex(8)) for visit in visits])
    db.conn.executemany(_insert("answers", BATCH_ANSWER_COLUMNS), answers)
    insert_section_scores(db, sections)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    """An INSERT statement for fixed columns of one of our tables."""
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


def delete_all_visits(db: Database) -> None:
    """Delete every visit and all that hangs on it (demo --force), in the caller's transaction."""
    for table in VISIT_TABLES:
        db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
