"""Run every benchmark and print one table: `python -m tests.benchmarks [options]`.

Defaults are the full scale of `make bench`: 1,000 stores, 100,000 published visits,
50 shoppers for 60 s (300 s with BENCH_FULL=1 or --duration 300). --smoke runs the same code on
tiny sizes in seconds (tests/test_benchmarks_smoke.py), so the benchmarks never rot.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from tests.benchmarks.common import ROOT, Row

SECTIONS = ("data", "aggregation", "pdf", "bulk", "queue", "prerender", "load", "phone",
            "review", "outbox")


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The options."""
    full = os.environ.get("BENCH_FULL") == "1"
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stores", type=int, default=1000)
    p.add_argument("--visits", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--shoppers", type=int, default=50)
    p.add_argument("--duration", type=float, default=300 if full else 60,
                   help="seconds of the shopper load (default 60, 300 with BENCH_FULL=1)")
    p.add_argument("--think", type=float, default=1.0,
                   help="seconds a simulated shopper waits between requests")
    p.add_argument("--burst", type=float, default=15,
                   help="seconds of each saturation run (trivial route, submissions)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (README: 2)")
    p.add_argument("--threads", type=int, default=4,
                   help="threads per gunicorn worker (README: 4; 1: sync workers)")
    p.add_argument("--pdf-repeats", type=int, default=7)
    p.add_argument("--repeats", type=int, default=15, help="runs of each aggregation timing")
    p.add_argument("--review-rounds", type=int, default=50,
                   help="rounds of the review queue against /healthz, interleaved")
    p.add_argument("--warm-opens", type=int,
                   help="warm page opens of the phone in Chromium, median taken (default 9)")
    p.add_argument("--bulk-stores", type=int, default=200)
    p.add_argument("--queue-stores", type=int, default=200,
                   help="store reports of the queue part (serial, SQLite queue, Redis)")
    p.add_argument("--outbox-managers", type=int, default=50,
                   help="managers of the store each published visit is mailed to")
    p.add_argument("--workdir", type=Path, default=ROOT / "test-output" / "bench")
    p.add_argument("--reuse-data", action="store_true",
                   help="keep the database of an earlier run (no generation timing)")
    p.add_argument("--only", action="append", choices=SECTIONS,
                   help="run only this part (repeatable)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: a check, not a measure")
    args = p.parse_args(argv)
    args.full = full or args.duration >= 300
    args.warm_opens = args.warm_opens or (3 if args.smoke else 9)
    if args.smoke:
        args.stores, args.visits, args.shoppers = 4, 52, 3
        args.duration, args.burst, args.think = 3, 1.5, 0.05
        args.pdf_repeats, args.repeats, args.bulk_stores, args.queue_stores = 1, 2, 2, 2
        args.review_rounds = 3
        args.outbox_managers = 3
        args.workdir = Path(tempfile.mkdtemp(prefix="bench-smoke-"))
    return args


def machine() -> str:
    """Date, cores and CPU model, for the table's heading."""
    model = platform.processor() or "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines()
                      if line.startswith("Model name")), model)
    except OSError:
        pass
    return (f"{datetime.now().strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} cores "
            f"({model}) · Python {platform.python_version()} · {platform.system()}")


def table(rows: list[Row], heading: str) -> str:
    """The rows as one Markdown table (the README quotes it as is)."""
    header = ["part", "benchmark", "ours", "reference (same run)", "ratio", "target", ""]
    cells = [header] + [[r.group, r.what, r.ours, r.reference, r.ratio, r.target, r.verdict]
                        for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = [heading, ""]
    for n, c in enumerate(cells):
        lines.append("| " + " | ".join(x.ljust(w) for x, w in zip(c, widths, strict=True))
                     + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts in order (load last: it adds submitted visits) and print."""
    from tests.benchmarks import (
        aggregation,
        data,
        load,
        outbox_bench,
        pdf,
        phone,
        prerender_bench,
        queue_bench,
        review_bench,
        weight,
    )

    args = parse(argv)
    only = set(args.only or SECTIONS)
    args.workdir.mkdir(parents=True, exist_ok=True)
    database = args.workdir / f"bench-{args.stores}-{args.visits}-{args.seed}.db"
    rows: list[Row] = []
    started = time.perf_counter()

    def part(name: str, fn) -> None:
        if name not in only:
            return
        print(f"... {name}", file=sys.stderr, flush=True)
        t = time.perf_counter()
        rows.extend(fn())
        print(f"    {name} took {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)

    if not (args.reuse_data and database.exists()):
        part("data", lambda: data.generate(database, args.stores, args.visits, args.seed)[1])
        if "data" not in only:
            data.generate(database, args.stores, args.visits, args.seed)
    store_id = 1
    part("aggregation", lambda: aggregation.aggregation_benchmarks(
        database, args.workdir, args.repeats))
    part("pdf", lambda: pdf.render_benchmarks(database, store_id, args.pdf_repeats)
         + pdf.cached_download(database, args.workdir, max(5, args.repeats)))
    part("bulk", lambda: pdf.bulk_benchmarks(database, args.bulk_stores))
    part("queue", lambda: queue_bench.queue_benchmarks(database, args.queue_stores))
    part("prerender", lambda: prerender_bench.prerender_benchmark(
        database, args.workdir, max(5, args.repeats)))
    part("phone", lambda: weight.page_weight(database, args.workdir)
         + phone.phone_benchmarks(database, args.workdir, args.warm_opens))
    part("review", lambda: review_bench.review_benchmarks(database, args.workdir,
                                                          args.review_rounds))
    part("outbox", lambda: outbox_bench.outbox_benchmarks(
        args.outbox_managers, visits=2 if args.smoke else 20, pdf_visits=1 if args.smoke else 3,
        latency_runs=2 if args.smoke else 10))
    part("load", lambda: load.load_benchmark(
        database, args.workdir, shoppers=args.shoppers, duration=args.duration,
        think=args.think, burst=args.burst, workers=args.workers, full=args.full,
        threads=args.threads))
    heading = (f"Benchmarks · {machine()} · {args.stores:,} stores, {args.visits:,} visits, "
               f"seed {args.seed} · {time.perf_counter() - started:.0f} s in all"
               + (" · SMOKE (tiny sizes)" if args.smoke else ""))
    print(table(rows, heading))
    return 0
