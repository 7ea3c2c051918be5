"""The manager portal over 100,000 visits: store list, store page (trend), chain summary.

Reference: one plain pass over all published visits (COUNT and AVG), what SQLite itself costs
to read the visits once; and /healthz for the routes, what the web stack costs.
"""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.common import Row, login, make_app, median_seconds, ms
from tests.benchmarks.pdf import periods

TARGET_S = 0.100
CHAIN_MANAGER = "chain.manager@bench.example.com"


def add_chain_manager(database: Path) -> str:
    """A manager of every region (the largest store list); returns the password."""
    from audit.storage.db import open_db
    from audit.users import create_user

    password = "bench-manager-2026-long"
    db = open_db(database)
    try:
        if not db["users"].count_where("email = ?", [CHAIN_MANAGER]):
            with db.atomic():
                user = create_user(db, email=CHAIN_MANAGER, name="Bench Chain Manager",
                                   role="manager", password=password)
                regions = [r[0] for r in db.execute("SELECT DISTINCT region FROM stores")]
                db["region_managers"].insert_all({"region": r, "user_id": user}
                                                 for r in regions)
    finally:
        db.close()
    return password


def aggregation_benchmarks(database: Path, workdir: Path, repeats: int) -> list[Row]:
    """Median times of the portal's pages and the chain summary."""
    from audit.demo import PASSWORDS
    from audit.storage.db import open_db
    from reports import aggregate, figures

    password = add_chain_manager(database)
    app = make_app(database, workdir)
    db = open_db(database)
    rows = []
    try:
        scan = median_seconds(lambda: db.execute(
            "SELECT COUNT(*), AVG(score) FROM visits WHERE status = 'published'").fetchone(),
            repeats)
        visits = db.execute("SELECT COUNT(*) FROM visits WHERE status = 'published'"
                            ).fetchone()[0]
        reference = f"scan of {visits:,} visits {ms(scan)}"
        for email, pw, label in (
                ("anna.nowak@demo.example.com", PASSWORDS["anna.nowak@demo.example.com"],
                 "one region"),
                (CHAIN_MANAGER, password, "whole chain")):
            client = app.test_client()
            login(client, email, pw)
            stores = _store_count(db, email)
            page = median_seconds(lambda c=client: _ok(c.get("/manager/")), repeats)
            rows.append(Row("aggregation", f"manager store list, {label} ({stores} stores)",
                            ms(page), reference, f"x{page / scan:.2f}",
                            f"< {TARGET_S * 1000:.0f} ms", page < TARGET_S))
        client = app.test_client()
        login(client, CHAIN_MANAGER, password)
        store_id = db.execute("SELECT MIN(id) FROM stores WHERE channel = 'physical'"
                              ).fetchone()[0]
        page = median_seconds(lambda: _ok(client.get(f"/manager/stores/{store_id}")), repeats)
        rows.append(Row("aggregation", "store page: 12-month trend vs region and chain",
                        ms(page), reference, f"x{page / scan:.2f}",
                        f"< {TARGET_S * 1000:.0f} ms", page < TARGET_S))
        year = periods()["year"]
        summary = median_seconds(lambda: aggregate.summary_report(db, year, "en"), repeats)
        rows.append(Row("aggregation", "chain summary, a year (ranking + section matrix)",
                        ms(summary), reference, f"x{summary / scan:.2f}",
                        f"< {TARGET_S * 1000:.0f} ms", summary < TARGET_S))
        store = db["stores"].get(store_id)
        trend = median_seconds(lambda: aggregate.store_report(db, store_id, year, "en"), repeats)
        rows.append(Row("aggregation", f"store report figures, a year ({store['code']})",
                        ms(trend), reference, f"x{trend / scan:.2f}",
                        f"< {TARGET_S * 1000:.0f} ms", trend < TARGET_S))

        def cold():
            figures._kept.clear()  # the first report of its channel and period in a process
            aggregate.store_report(db, store_id, year, "en")

        first = median_seconds(cold, repeats)
        rows.append(Row("aggregation", "the same, first of its channel and period (chain read)",
                        ms(first), reference, f"x{first / scan:.2f}",
                        f"< {TARGET_S * 1000:.0f} ms", first < TARGET_S))
    finally:
        db.close()
    return rows


def _ok(response):
    """A 200 response, or an error: a benchmark of an error page measures nothing."""
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.path}: {response.status_code}")
    return response


def _store_count(db, email: str) -> int:
    """How many stores this manager sees."""
    from audit.stores import managed_store_ids_sql

    user_id = db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]
    return len(list(db.query(managed_store_ids_sql(), {"user_id": user_id})))
