"""Visits' public references (m014): random, on every visit however it is inserted (issue 25
item 14: one batch's consecutive ids tied its visits to one shopper)."""

from __future__ import annotations

import re
from datetime import date

from conftest import make_store

from audit.visits.scheduling import VisitPlan, schedule_visits

REF = re.compile(r"[0-9a-f]{16}")


def test_a_batch_of_scheduled_visits_gets_unrelated_references(db, people):
    stores = [make_store(db, f"B-{n}") for n in range(6)]
    set_id = db.execute("SELECT id FROM criteria_sets WHERE key = 'physical-store'").fetchone()[0]
    plan = VisitPlan(stores, set_id, people["shopper"], date(2026, 11, 1), date(2026, 11, 30))
    ids = schedule_visits(db, plan, created_by=people["admin"], revisit_days=90)
    refs = [db["visits"].get(i)["ref"] for i in ids]
    assert ids == list(range(ids[0], ids[0] + 6))  # the ids count up, as the issue says
    assert all(REF.fullmatch(r) for r in refs) and len(set(refs)) == 6
    prefixes = {r[:4] for r in refs}
    assert len(prefixes) > 1  # not one counter with a random tail


def test_a_reference_is_kept_when_the_visit_changes(db, people):
    store = make_store(db, "B-9")
    visit_id = db["visits"].insert({
        "store_id": store, "shopper_id": people["shopper"], "status": "scheduled",
        "version_id": db.execute("SELECT id FROM criteria_versions LIMIT 1").fetchone()[0],
        "window_start": "2026-11-01", "window_end": "2026-11-30", "flags": "[]",
        "created_at": "2026-11-01T00:00:00+00:00", "updated_at": "2026-11-01T00:00:00+00:00",
    }).last_pk
    ref = db["visits"].get(visit_id)["ref"]
    db["visits"].update(visit_id, {"status": "in_progress"})
    assert db["visits"].get(visit_id)["ref"] == ref
