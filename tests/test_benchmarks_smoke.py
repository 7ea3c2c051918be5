"""The benchmarks run end to end on tiny sizes, so `make bench` never rots."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("aiohttp", reason="the bench extra: pip install -e '.[bench]'")


def test_benchmarks_run_on_tiny_sizes_and_print_one_table():
    result = subprocess.run([sys.executable, "-m", "tests.benchmarks", "--smoke"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    assert table.startswith("Benchmarks ·") and "SMOKE" in table
    for part in ("| data ", "| aggregation ", "| pdf ", "| bulk ", "| queue ", "| prerender ",
                 "| load ", "| phone ", "| review ", "| outbox "):
        assert part in table, f"{part.strip()} missing from:\n{table}"
    assert "lost 0, altered 0, duplicated 0" in table
    assert "bare WeasyPrint" in table and "trivial route" in table
    assert "SQLite queue, 1 consumer" in table and "Redis, 2 consumers" in table
