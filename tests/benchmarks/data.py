"""The data set: `flask --app app demo --stores N --visits M --seed S`, timed, and its size."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.common import ROOT, Row


def generate(database: Path, stores: int, visits: int, seed: int) -> tuple[float, list[Row]]:
    """Make a fresh database with the demo command; returns seconds and the table rows."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "AUDIT_DATABASE": str(database)}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    start = time.perf_counter()
    subprocess.run([*flask, "demo", "--stores", str(stores), "--visits", str(visits),
                    "--seed", str(seed)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    size = sum(Path(f"{database}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{database}{s}").exists())
    answers = _count(database, "answers")
    return seconds, [
        Row("data", f"generate {stores:,} stores, {visits:,} visits, {answers:,} answers",
            f"{seconds:.1f} s", f"{answers / seconds:,.0f} answers/s"),
        Row("data", "database size", f"{size / 1e6:,.0f} MB",
            f"{size / max(1, visits):,.0f} B/visit"),
    ]


def _count(database: Path, table: str) -> int:
    """Rows in a table of the bench database."""
    import sqlite3

    with sqlite3.connect(database) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
