"""My visits on a phone: what is to do and the latest sent visits, the rest a page at a time,
never the shopper's whole history (a demo shopper has 6,684 visits)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from conftest import make_store, make_visit

from audit.criteria_sets.versions import current_version_id

ROW = re.compile(r'data-visit-row="(\d+)"')


def add_history(db, shopper: int, store: int, count: int) -> list[int]:
    """`count` submitted or published visits, one a day back from 2026-11-30; newest first."""
    version = current_version_id(db, "physical-store")
    start = datetime(2026, 11, 30, 10, tzinfo=UTC)
    rows = []
    for n in range(count):
        at = (start - timedelta(days=n)).isoformat()
        rows.append({"store_id": store, "shopper_id": shopper, "version_id": version,
                     "status": "published" if n % 2 else "submitted", "window_start": at[:10],
                     "window_end": at[:10], "flags": "[]", "created_at": at, "updated_at": at,
                     "started_at": at, "submitted_at": at})
    db["visits"].insert_all(rows)
    ids = [r[0] for r in db.execute(
        "SELECT id FROM visits WHERE shopper_id = ? AND submitted_at IS NOT NULL "
        "ORDER BY submitted_at DESC", [shopper])]
    return ids


def test_my_visits_shows_what_is_to_do_and_the_latest_sent_then_pages_the_rest(
        db, people, login):
    store = make_store(db, "HIS-1")
    shopper = people["shopper"]
    history = add_history(db, shopper, store, 25)
    todo = [make_visit(db, store, shopper, "returned"), make_visit(db, store, shopper)]
    client = login("shopper")

    first = client.get("/shopper/").text
    assert [int(i) for i in ROW.findall(first)] == todo + history[:10]
    assert 'href="/shopper/?page=2"' in first
    second = client.get("/shopper/?page=2").text
    assert [int(i) for i in ROW.findall(second)] == history[10:20]
    assert 'href="/shopper/?page=3"' in second and 'href="/shopper/"' in second
    last = client.get("/shopper/?page=3").text
    assert [int(i) for i in ROW.findall(last)] == history[20:]
    assert "page=4" not in last


def test_my_visits_reads_a_page_of_history_not_all_of_it(app, db, people, login, sql_steps):
    few, many = people["shopper"], people["shopper2"]
    store = make_store(db, "HIS-2")
    add_history(db, few, store, 20)
    add_history(db, many, store, 2000)
    for shopper in (few, many):
        make_visit(db, store, shopper)
    with_few = sql_steps(login("shopper"), "/shopper/")
    with_many = sql_steps(login("shopper2"), "/shopper/")
    # Reading every row of 2,000 visits costs ~100 times the 20; one page costs the same.
    assert with_many <= 2 * with_few + 10, (with_few, with_many)
