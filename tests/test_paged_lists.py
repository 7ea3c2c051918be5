"""The long lists (the manager's stores, the review queue, the admin's visits) come a page at a
time: keyset order, filters kept across pages, each page small and as cheap at any length."""

from __future__ import annotations

import re

import pytest
from conftest import make_store

from audit.criteria_sets.versions import current_version_id
from audit.paging import PAGE_SIZE

MAX_PAGE_BYTES = 100_000
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
PREV = re.compile(r'<a rel="prev" href="([^"]+)"')
STORE_ROW = re.compile(r'href="/manager/stores/(\d+)"')


def unescape(url: str) -> str:
    """A link as written in HTML, as the browser follows it."""
    return url.replace("&amp;", "&")


def add_stores(db, count: int, regions: int = 5, prefix: str = "ST") -> list[int]:
    """`count` stores spread over `regions` regions (REG-0...), fast; ids by region and code."""
    rows = [(f"{prefix}-{n:05d}", f"Store {n}", "physical", f"REG-{n % regions}", 0,
             "2026-01-01T00:00:00+00:00") for n in range(count)]
    db.conn.executemany("INSERT INTO stores (code, name, channel, region, archived, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.conn.commit()
    return [r[0] for r in db.execute(
        "SELECT id FROM stores WHERE code LIKE ? ORDER BY region, code", [f"{prefix}-%"])]


def add_visits(db, store_ids: list[int], shopper: int, per_store: int, status: str,
               score=lambda n: 40 + n % 60) -> None:
    """`per_store` visits of each store in `status`, one a day, scored by `score(n)`, fast."""
    version = current_version_id(db, "physical-store")
    rows = []
    for n, store in enumerate(store_ids):
        for k in range(per_store):
            at = f"2026-{1 + k // 28 % 12:02d}-{1 + k % 28:02d}T{8 + n % 10:02d}:{n % 60:02d}:00"
            rows.append((store, shopper, version, status, at[:10], at[:10], "[]", at, at, at, at,
                         score(n + k)))
    db.conn.executemany(
        "INSERT INTO visits (store_id, shopper_id, version_id, status, window_start, window_end,"
        " flags, created_at, updated_at, started_at, submitted_at, score)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.conn.commit()


def manage_regions(db, manager: int, regions: int = 5) -> None:
    """The manager sees every store of REG-0... (a chain manager)."""
    db["region_managers"].insert_all([{"region": f"REG-{n}", "user_id": manager}
                                      for n in range(regions)])


def walk(client, url: str, row: re.Pattern) -> tuple[list[int], list[str]]:
    """Every row id of a list, following its "Next page" links; and the pages' HTML."""
    ids, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        pages.append(response.text)
        ids += [int(i) for i in row.findall(response.text)]
        found = NEXT.search(response.text)
        url = unescape(found.group(1)) if found else None
    return ids, pages


def walk_back(client, page: str, row: re.Pattern) -> list[int]:
    """Every row id before (and on) the page whose HTML is `page`, by its "Previous" links."""
    ids = [int(i) for i in row.findall(page)]
    while found := PREV.search(page):
        page = client.get(unescape(found.group(1))).text
        ids = [int(i) for i in row.findall(page)] + ids
    return ids


# The manager's store list


def test_store_list_pages_a_thousand_stores_each_once_in_small_pages(db, people, login):
    stores = add_stores(db, 1000)
    add_visits(db, stores, people["shopper"], 2, "published")
    manage_regions(db, people["manager"])
    client = login("manager")
    ids, pages = walk(client, "/manager/", STORE_ROW)
    assert ids == stores  # every store once, by region and code
    assert len(pages) == 1000 // PAGE_SIZE
    assert max(len(p.encode()) for p in pages) <= MAX_PAGE_BYTES, [len(p) for p in pages[:1]]
    assert "Latest score" in pages[0] and 'rel="prev"' not in pages[0]
    assert walk_back(client, pages[-1], STORE_ROW) == stores


def test_store_list_filters_by_region_and_latest_score_across_pages(db, people, login):
    stores = add_stores(db, 300, regions=3)
    # The latest visit's score decides: store n's last visit scores 40 + (n + 1) % 60.
    add_visits(db, stores, people["shopper"], 2, "published")
    manage_regions(db, people["manager"], regions=3)
    client = login("manager")
    in_region = [r[0] for r in db.execute(
        "SELECT id FROM stores WHERE region = 'REG-1' ORDER BY code")]
    ids, pages = walk(client, "/manager/?region=REG-1", STORE_ROW)
    assert ids == in_region and len(pages) == 2
    assert 'region=REG-1' in NEXT.search(pages[0]).group(1)
    latest = dict(db.execute(
        "SELECT store_id, score FROM visits v WHERE id = (SELECT MAX(id) FROM visits w"
        " WHERE w.store_id = v.store_id)").fetchall())
    ids, _pages = walk(client, "/manager/?min_score=60&max_score=80", STORE_ROW)
    assert ids == [s for s in stores if 60 <= latest[s] <= 80] and ids
    ids, _pages = walk(client, "/manager/?region=REG-1&min_score=90", STORE_ROW)
    assert ids == [s for s in in_region if latest[s] >= 90] and ids


def test_store_list_shows_a_manager_only_their_stores(db, people, login):
    stores = add_stores(db, 120)
    mine = make_store(db, "MINE-1", region="Elsewhere")
    db["store_managers"].insert({"store_id": mine, "user_id": people["manager2"]})
    manage_regions(db, people["manager"])
    assert walk(login("manager2"), "/manager/", STORE_ROW)[0] == [mine]
    assert walk(login("manager"), "/manager/", STORE_ROW)[0] == stores
    # A region filter does not widen what they see.
    assert walk(login("manager2"), "/manager/?region=REG-1", STORE_ROW)[0] == []


@pytest.mark.parametrize("query", ["after=garbage!", "before=bm90IGpzb24", "after=WzEsMl0",
                                   "after=" + "A" * 2000, "after=W251bGwsbnVsbCxudWxsXQ",
                                   # ["a", "b", 10**23]: too large for SQLite; NaN
                                   "after=WyJhIiwiYiIsOTk5OTk5OTk5OTk5OTk5OTk5OTk5OTld",
                                   "before=WyJhIiwiYiIsTmFOXQ"])
def test_store_list_refuses_a_broken_page_link_with_400(db, people, login, query):
    manage_regions(db, people["manager"])
    response = login("manager").get(f"/manager/?{query}")
    assert response.status_code == 400
    assert "first page" in response.text


@pytest.mark.parametrize("query", ["min_score=abc", "max_score=1e999", "min_score=-5",
                                   "region=" + "x" * 500, "status=nonsense"])
def test_store_list_ignores_a_filter_value_it_cannot_use(db, people, login, query):
    add_stores(db, 3)
    manage_regions(db, people["manager"])
    assert login("manager").get(f"/manager/?{query}").status_code == 200


def test_store_list_page_costs_the_same_with_ten_times_the_history(app, db, people, login,
                                                                    sql_steps):
    few = add_stores(db, 100, prefix="FEW")
    many = add_stores(db, 100, prefix="MNY", regions=5)
    db.execute("UPDATE stores SET region = 'M' || region WHERE code LIKE 'MNY-%'")
    db.conn.commit()
    add_visits(db, few, people["shopper"], 5, "published")
    add_visits(db, many, people["shopper"], 50, "published")
    db["store_managers"].insert_all([{"store_id": s, "user_id": people["manager"]} for s in few])
    db["store_managers"].insert_all([{"store_id": s, "user_id": people["manager2"]}
                                     for s in many])
    # The score filter reads each store's latest visit, not its history.
    for query in ("", "?min_score=0"):
        with_few = sql_steps(login("manager"), f"/manager/{query}")
        with_many = sql_steps(login("manager2"), f"/manager/{query}")
        assert with_many <= 1.2 * with_few + 10, (query, with_few, with_many)


def test_store_list_page_costs_the_same_with_ten_times_the_stores(app, db, people, login,
                                                                   sql_steps):
    add_stores(db, 200, prefix="FEW", regions=2)
    add_stores(db, 2000, prefix="MNY", regions=2)
    db.execute("UPDATE stores SET region = 'M' || region WHERE code LIKE 'MNY-%'")
    db.conn.commit()
    db["region_managers"].insert_all([{"region": r, "user_id": people["manager"]}
                                      for r in ("REG-0", "REG-1")])
    db["region_managers"].insert_all([{"region": r, "user_id": people["manager2"]}
                                      for r in ("MREG-0", "MREG-1")])
    with_few = sql_steps(login("manager"), "/manager/")
    with_many = sql_steps(login("manager2"), "/manager/")
    # Checking which of the chain's stores the manager sees read them all: ~8x the steps.
    assert with_many <= 1.2 * with_few + 10, (with_few, with_many)


# The review queue

QUEUE_ROW = re.compile(r'name="visit_ids" value="(\d+)"')
BATCH_ACTION = re.compile(r'<form method="post" action="([^"]+)" class="review-batch">')


def waiting_order(db, where: str = "1") -> list[int]:
    """The waiting visits as the queue lists them: oldest sent first."""
    return [r[0] for r in db.execute(
        f"SELECT v.id FROM visits v JOIN stores s ON s.id = v.store_id"  # noqa: S608
        f" WHERE v.status IN ('submitted', 'approved') AND {where}"
        " ORDER BY v.submitted_at, v.id")]


@pytest.fixture
def queue(db, people):
    """600 waiting visits (half submitted, half approved) at 300 stores in 3 regions, and a
    published history behind them."""
    stores = add_stores(db, 300, regions=3)
    add_visits(db, stores, people["shopper"], 1, "submitted")
    add_visits(db, stores, people["shopper"], 1, "approved", score=lambda n: 30 + n % 70)
    add_visits(db, stores[:50], people["shopper"], 20, "published")
    return stores


def test_review_queue_pages_six_hundred_waiting_visits_each_once(db, login, queue):
    client = login("admin")
    ids, pages = walk(client, "/review/", QUEUE_ROW)
    assert ids == waiting_order(db) and len(ids) == 600
    assert len(pages) == 600 // PAGE_SIZE
    assert max(len(p.encode()) for p in pages) <= MAX_PAGE_BYTES
    assert walk_back(client, pages[-1], QUEUE_ROW) == ids


def test_review_queue_filters_by_status_region_and_score_across_pages(db, login, queue):
    client = login("admin")
    assert walk(client, "/review/?status=approved", QUEUE_ROW)[0] == waiting_order(
        db, "v.status = 'approved'")
    ids, pages = walk(client, "/review/?region=REG-2&min_score=50&max_score=75", QUEUE_ROW)
    assert ids == waiting_order(db, "s.region = 'REG-2' AND v.score BETWEEN 50 AND 75") and ids
    assert len(pages) > 1 and "min_score=50" in NEXT.search(pages[0]).group(1)
    # A status the queue does not hold is no filter: the whole queue.
    assert walk(client, "/review/?status=published", QUEUE_ROW)[0] == waiting_order(db)


def test_review_queue_batch_acts_on_the_rows_shown_and_returns_to_their_page(db, login, queue):
    client = login("admin")
    first = client.get("/review/?status=submitted").text
    second = client.get(unescape(NEXT.search(first).group(1))).text
    shown = [int(i) for i in QUEUE_ROW.findall(second)]
    action = unescape(BATCH_ACTION.search(second).group(1))
    assert "after=" in action and "status=submitted" in action
    response = client.post(action, {"visit_ids": shown, "step": "approve"})
    assert response.status_code == 302
    assert response.location.endswith(action.replace("/review/batch", "/review/"))
    assert {db["visits"].get(v)["status"] for v in shown} == {"approved"}
    # The page it returns to now starts after the visits that moved off the submitted list.
    back = client.get(response.location).text
    assert "visits approved" in back
    assert set(QUEUE_ROW.findall(back)).isdisjoint({str(v) for v in shown})


def test_review_queue_refuses_a_broken_page_link_with_400(login, queue):
    response = login("admin").get("/review/?after=WyJ4Il0")
    assert response.status_code == 400 and "first page" in response.text


def test_review_queue_page_costs_the_same_with_ten_times_the_queue_and_history(
        app, db, people, login, sql_steps):
    stores = add_stores(db, 60)
    add_visits(db, stores, people["shopper"], 1, "submitted")
    client = login("admin")
    short = sql_steps(client, "/review/")
    add_visits(db, stores, people["shopper"], 9, "submitted")
    add_visits(db, stores, people["shopper"], 30, "published")
    long = sql_steps(client, "/review/")
    assert long <= 1.2 * short + 10, (short, long)


# The admin's visit list

VISIT_ROW = re.compile(r'href="/admin/visits/(\d+)"')


def window_order(db, where: str = "v.status != 'cancelled'") -> list[int]:
    """Visits as the admin's list shows them: newest window first, then newest id."""
    return [r[0] for r in db.execute(
        f"SELECT v.id FROM visits v JOIN stores s ON s.id = v.store_id WHERE {where}"  # noqa: S608
        " ORDER BY v.window_start DESC, v.id DESC")]


@pytest.fixture
def schedule(db, people):
    """1,100 visits at 100 stores in 5 regions: scheduled, published and cancelled ones."""
    stores = add_stores(db, 100)
    add_visits(db, stores, people["shopper"], 5, "scheduled")
    add_visits(db, stores, people["shopper2"], 5, "published")
    add_visits(db, stores, people["shopper"], 1, "cancelled")
    return stores


def test_admin_visit_list_pages_every_visit_once_newest_window_first(db, login, schedule):
    client = login("admin")
    ids, pages = walk(client, "/admin/visits", VISIT_ROW)
    assert ids == window_order(db) and len(ids) == 1000
    assert len(pages) == 1000 // PAGE_SIZE
    assert max(len(p.encode()) for p in pages) <= MAX_PAGE_BYTES
    assert walk_back(client, pages[-1], VISIT_ROW) == ids


def test_admin_visit_list_filters_by_status_region_and_score_across_pages(db, login, schedule):
    client = login("admin")
    assert walk(client, "/admin/visits?status=cancelled", VISIT_ROW)[0] == window_order(
        db, "v.status = 'cancelled'")
    ids, pages = walk(client, "/admin/visits?status=published&region=REG-3&min_score=50",
                      VISIT_ROW)
    assert ids == window_order(
        db, "v.status = 'published' AND s.region = 'REG-3' AND v.score >= 50") and ids
    assert len(pages) > 1
    # The status links keep the region and score, and start from the first page.
    assert 'href="/admin/visits?status=scheduled&amp;region=REG-3&amp;min_score=50"' in pages[1]
    assert "status=published" in NEXT.search(pages[0]).group(1)


def test_admin_visit_list_refuses_a_broken_page_link_with_400(login, schedule):
    response = login("admin").get("/admin/visits?before=WyIyMDI2LTAxLTAxIl0")
    assert response.status_code == 400 and "first page" in response.text
    assert login("admin").get("/admin/visits?status=nonsense&max_score=x").status_code == 200


def test_admin_visit_list_page_costs_the_same_with_ten_times_the_history(
        app, db, people, login, sql_steps):
    stores = add_stores(db, 50)
    add_visits(db, stores, people["shopper"], 2, "scheduled")
    client = login("admin")
    short = {q: sql_steps(client, f"/admin/visits{q}") for q in ("", "?status=scheduled")}
    add_visits(db, stores, people["shopper"], 20, "published")
    add_visits(db, stores, people["shopper"], 20, "scheduled")
    for query, steps in short.items():
        long = sql_steps(client, f"/admin/visits{query}")
        assert long <= 1.2 * steps + 10, (query, steps, long)
