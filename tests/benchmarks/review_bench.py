"""The review queue over years of history: GET /review/ against GET /healthz, interleaved.

Issue 20: the queue read every published visit on each load to work out the usual length of a
visit (80-90 ms against 1.1 ms for /healthz at 20,000 visits, growing with history). It now
shows the flags stored at submission and reads only the visits waiting for review, so its cost
is the web stack's plus the queue's own length. Target: at most 25 times /healthz.

Two measures, each interleaved with /healthz round after round so both see the same noise:
- the queue as the data set has it (the scaled demo publishes every visit, so none waits unless
  an earlier `load` run submitted some): the issue's measure, with its target;
- with QUEUE more visits waiting (the newest visit of QUEUE physical stores turned back to
  "submitted" for the measure and published again afterwards). No target: this cost grows with
  the queue's own length (each row's score, date and warnings in the reader's language), not
  with the history behind it, which tests/test_flags.py proves by counting SQLite's steps.
"""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

from tests.benchmarks.common import Row, login, make_app, ms

TARGET_RATIO = 25
QUEUE = 50
REVIEWER = "admin@demo.example.com"


def review_benchmarks(database: Path, workdir: Path, rounds: int) -> list[Row]:
    """The queue against /healthz, empty and with QUEUE visits waiting."""
    from audit.demo import PASSWORDS

    app = make_app(database, workdir)
    client = app.test_client()
    login(client, REVIEWER, PASSWORDS[REVIEWER])
    published, waiting = _counts(database)
    rows = [_row(client, rounds, f"review queue, {waiting} waiting, {published:,} published",
                 TARGET_RATIO)]
    with waiting_visits(database, QUEUE) as added:
        rows.append(_row(client, rounds, f"review queue, {waiting + added} waiting", None))
    return rows


def interleaved(client, urls: list[str], rounds: int, warmup: int = 3) -> list[float]:
    """Median seconds of each URL, fetched in turn round after round (same noise for all)."""
    times: list[list[float]] = [[] for _ in urls]
    for n in range(warmup + rounds):
        for i, url in enumerate(urls):
            start = time.perf_counter()
            response = client.get(url)
            took = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            if n >= warmup:
                times[i].append(took)
    return [statistics.median(t) for t in times]


def _row(client, rounds: int, what: str, target: float | None) -> Row:
    """One line: the queue's median against /healthz's, measured interleaved."""
    queue, health = interleaved(client, ["/review/", "/healthz"], rounds)
    ratio = queue / health
    return Row("review", what, ms(queue), f"/healthz {ms(health)}", f"x{ratio:.1f}",
               f"<= x{target}" if target else "", None if target is None else ratio <= target)


@contextlib.contextmanager
def waiting_visits(database: Path, count: int) -> Iterator[int]:
    """The newest published visit of `count` physical stores waits for review meanwhile."""
    conn = sqlite3.connect(database, timeout=30)
    rows = conn.execute(
        """SELECT v.id, v.approved_at, v.published_at FROM visits v
           WHERE v.id IN (SELECT (SELECT MAX(w.id) FROM visits w
                                  WHERE w.store_id = s.id AND w.status = 'published')
                          FROM stores s WHERE s.channel = 'physical' ORDER BY s.id
                          LIMIT ?)""", [count]).fetchall()
    try:
        with conn:
            conn.executemany("UPDATE visits SET status = 'submitted', approved_at = NULL,"
                             " published_at = NULL WHERE id = ?", [(r[0],) for r in rows])
        yield len(rows)
    finally:
        with conn:
            conn.executemany("UPDATE visits SET status = 'published', approved_at = ?,"
                             " published_at = ? WHERE id = ?",
                             [(r[1], r[2], r[0]) for r in rows])
        conn.close()


def _counts(database: Path) -> tuple[int, int]:
    """Published visits of the bench database, and those waiting for review."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute(
            "SELECT COUNT(*) FILTER (WHERE status = 'published'),"
            " COUNT(*) FILTER (WHERE status IN ('submitted', 'approved')) FROM visits"
        ).fetchone()
