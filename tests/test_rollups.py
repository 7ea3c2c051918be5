"""Rollups stay equal to a rebuild from the visits after any sequence of publishes,
corrections, unpublishes and re-datings (audit/storage/rollups.py, m024)."""

from __future__ import annotations

import pytest
from conftest import make_store, make_visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.storage import rollups
from audit.visits import review as review_flow
from audit.visits.answers import AnswerInput

ANSWERS = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}
DAYS = ("2026-09-30", "2026-10-01", "2026-10-31", "2026-11-02")

step = st.one_of(
    st.tuples(st.just("publish"), st.integers(0, 5)),
    st.tuples(st.just("correct"), st.integers(0, 5), st.integers(1, 5)),
    st.tuples(st.just("unpublish"), st.integers(0, 5)),
    st.tuples(st.just("redate"), st.integers(0, 5), st.sampled_from(DAYS)),
    st.tuples(st.just("restore"), st.integers(0, 5)),
    st.tuples(st.just("move_store"), st.integers(0, 5), st.integers(0, 5)),
)


def _apply(db, admin, visits, op) -> None:
    """One step on a visit, through the domain functions where the app has them."""
    visit_id = visits[op[1]]
    status = db["visits"].get(visit_id)["status"]
    if op[0] == "publish" and status in ("submitted", "approved"):
        if status == "submitted":
            review_flow.approve(db, visit_id, admin)
        review_flow.publish(db, visit_id, admin)
    elif op[0] == "correct" and status in review_flow.CORRECTABLE:
        review_flow.correct(db, visit_id, admin, AnswerInput("friendliness", op[2]),
                            reason="Checked the receipt.")
    elif op[0] == "unpublish" and status == "published":
        # No move takes a visit out of published yet; a plain UPDATE is what one would write.
        with db.atomic():
            db.execute("UPDATE visits SET status = 'approved' WHERE id = ?", [visit_id])
    elif op[0] == "redate":
        with db.atomic():
            db.execute("UPDATE visits SET started_at = ? WHERE id = ?",
                       [op[2] + "T10:00:00+00:00", visit_id])
    elif op[0] == "move_store":  # a visit filed under the wrong store, set right by hand
        with db.atomic():
            db.execute("UPDATE visits SET store_id = (SELECT store_id FROM visits WHERE id = ?)"
                       " WHERE id = ?", [visits[op[2]], visit_id])
    elif op[0] == "restore" and status == "approved":
        with db.atomic():
            db.execute("UPDATE visits SET status = 'submitted' WHERE id = ?", [visit_id])


@pytest.fixture
def pool(db, people):
    """Six submitted, scored visits of two stores in two regions."""
    stores = [make_store(db, "ROL-1", region="North"), make_store(db, "ROL-2", region="South")]
    return [make_visit(db, stores[i % 2], people["shopper"], "submitted", answers=ANSWERS,
                       started_at=f"{DAYS[i % 4]}T10:00:00+00:00",
                       submitted_at=f"{DAYS[i % 4]}T11:00:00+00:00")
            for i in range(6)]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, max_size=25))
def test_rollups_equal_a_rebuild_after_random_publish_correct_unpublish(db, people, pool,
                                                                        steps):
    for op in steps:
        _apply(db, people["admin"], pool, op)
    incremental = rollups.snapshot_rows(db)
    rollups.rebuild(db)
    assert rollups.snapshot_rows(db) == incremental


def test_a_published_visit_counts_in_its_month_once_and_leaves_when_unpublished(db, people,
                                                                                 pool):
    visit_id = pool[1]  # ROL-2, 2026-10-01
    review_flow.approve(db, visit_id, people["admin"])
    review_flow.publish(db, visit_id, people["admin"])
    visit = db["visits"].get(visit_id)
    rows = db.execute("SELECT month, visits, scored, score_units FROM rollup_visits").fetchall()
    assert rows == [("2026-10", 1, 1, round(visit["score"] * rollups.SCALE))]
    sections = db.execute("SELECT COUNT(*), SUM(rows) FROM rollup_sections").fetchone()
    assert sections[0] > 0 and sections[1] == db.execute(
        "SELECT COUNT(*) FROM section_scores WHERE visit_id = ?", [visit_id]).fetchone()[0]
    db.execute("UPDATE visits SET status = 'approved' WHERE id = ?", [visit_id])
    assert rollups.snapshot_rows(db) == {"rollup_visits": [], "rollup_sections": []}


def test_rebuild_command_recomputes_the_rollups(db, people, pool, runner):
    review_flow.approve(db, pool[0], people["admin"])
    review_flow.publish(db, pool[0], people["admin"])
    kept = rollups.snapshot_rows(db)
    db.execute("DELETE FROM rollup_visits")
    db.conn.commit()
    result = runner.invoke(args=["db", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "1 store-month rows" in result.output
    assert rollups.snapshot_rows(db) == kept


@pytest.mark.parametrize(("start", "end", "months", "edges"), [
    ("2026-01-01", "2026-12-31", ("2026-01", "2026-12"), ()),
    ("2026-01-15", "2026-03-31", ("2026-02", "2026-03"), (("2026-01-15", "2026-01-31"),)),
    ("2026-01-01", "2026-03-10", ("2026-01", "2026-02"), (("2026-03-01", "2026-03-10"),)),
    ("2026-01-05", "2026-01-20", None, (("2026-01-05", "2026-01-20"),)),
    ("2026-01-05", "2026-02-20", None, (("2026-01-05", "2026-02-20"),)),
    ("2024-02-01", "2024-02-29", ("2024-02", "2024-02"), ()),
])
def test_a_period_splits_into_whole_months_and_edge_days(start, end, months, edges):
    assert rollups.split(start, end) == rollups.Split(months, edges)


@pytest.mark.parametrize(("start", "end"), [
    ("2026-09-01", "2026-11-30"),  # whole months: rollups only
    ("2026-09-30", "2026-11-01"),  # a day of September and of November: edges from the visits
    ("2026-10-01", "2026-10-01"),  # one day
    ("2026-10-02", "2026-11-02"),  # no whole month
])
def test_period_sums_from_rollups_and_edges_equal_the_published_visits_of_the_period(
        db, people, pool, start, end):
    for visit_id in pool:
        review_flow.approve(db, visit_id, people["admin"])
        review_flow.publish(db, visit_id, people["admin"])
    stores = sorted({db["visits"].get(v)["store_id"] for v in pool})
    got = {(store, region): (visits, scored, units) for store, region, visits, scored, units, *_
           in rollups.visit_cells(db, rollups.ids_scope(stores), start, end,
                                  by=("store_id", "region"))}
    want = {(store, region): (visits, scored, units)
            for store, region, visits, scored, units in db.execute(
                """SELECT v.store_id, s.region, COUNT(*), COUNT(v.score),
                          SUM(CAST(ROUND(v.score * 1e9) AS INTEGER))
                   FROM visits v JOIN stores s ON s.id = v.store_id
                   WHERE v.status = 'published'
                     AND substr(v.started_at, 1, 10) BETWEEN ? AND ?
                   GROUP BY v.store_id""", [start, end])}
    assert got == want and want
    sections = rollups.section_cells(db, rollups.ids_scope(stores), start, end,
                                     by=("region",))
    assert [(region, rows) for region, rows, *_ in sections] == db.execute(
        """SELECT s.region, COUNT(*) FROM visits v JOIN stores s ON s.id = v.store_id
           JOIN section_scores ss ON ss.visit_id = v.id
           WHERE substr(v.started_at, 1, 10) BETWEEN ? AND ? GROUP BY s.region""",
        [start, end]).fetchall()
