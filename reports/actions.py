"""Action plans as plain data: each action's state and what the next visit said. No Flask.

The verification rule (the portal and the README say the same):
- Only an action marked done that names a criterion is verified. The first published visit of
  its store that started after the action was marked done and answered that criterion decides.
- "Passed" means the criterion earned full points at that visit (points == 1: "yes", the best
  band or option, the top of the rating scale). Passed -> "confirmed"; anything less ->
  "not confirmed".
- A later visit where the criterion is N/A, unanswered, or absent (a newer version of the set
  dropped it) does not decide: the next one may. With no deciding visit the action is
  "awaiting verification".
- Several actions on one criterion are verified each on its own, from its own "done" time.
- Nothing of this is stored: it is computed from the published answers every time it is shown,
  so a reviewer's correction or a newly published visit changes it at once and it is never stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from reports.catalogue import Catalogue
from reports.criteria_stats import criteria_stats, rankings
from reports.period import Period
from reports.published import published_visits
from reports.versions import version_sets

# A float stored by scoring may be 0.9999999 for "full"; anything this close is full points.
FULL_POINTS = 1 - 1e-9
STATES = ("open", "overdue", "done", "awaiting", "confirmed", "not_confirmed", "dropped")
VISIT_AT = "COALESCE(v.started_at, v.submitted_at)"


@dataclass(frozen=True)
class Outcome:
    """Where an action stands; for a verified one, the visit that decided it."""

    state: str
    visit_id: int | None = None
    day: str | None = None
    points: float | None = None

    @property
    def verified(self) -> bool:
        """Whether a visit decided it (confirmed or not)."""
        return self.state in ("confirmed", "not_confirmed")


def verify(action: dict, visits: list[dict]) -> Outcome:
    """Confirmed, not confirmed or awaiting, from the store's published visits (pure).

    `action` needs criterion_key and done_at; each visit is {"id", "at" (ISO start time),
    "day", "answers": {criterion_key: {"na", "points"}}}, in any order. See the module rules.
    """
    key, done_at = action["criterion_key"], action["done_at"]
    later = sorted((v for v in visits if v["at"] and v["at"] > done_at),
                   key=lambda v: (v["at"], v["id"]))
    for visit in later:
        answer = visit["answers"].get(key)
        if answer is None or answer["na"] or answer["points"] is None:
            continue  # N/A, unanswered or gone from this version: this visit cannot tell
        state = "confirmed" if answer["points"] >= FULL_POINTS else "not_confirmed"
        return Outcome(state, visit["id"], visit["day"], answer["points"])
    return Outcome("awaiting")


def outcome(action: dict, visits: list[dict], today: date) -> Outcome:
    """The action's state on `today`: open, overdue, dropped, done (no criterion) or verify()."""
    if action["status"] == "dropped":
        return Outcome("dropped")
    if action["status"] == "open":
        return Outcome("overdue" if action["due_date"] < today.isoformat() else "open")
    if not action["criterion_key"]:
        return Outcome("done")
    return verify(action, visits)


def published_answers(db: Database, store_ids: list[int], keys: set[str],
                      until: date | None = None) -> dict[int, list[dict]]:
    """Per store, its published visits (up to `until`) with their answers to these keys."""
    if not store_ids or not keys:
        return {}
    stores, wanted = ",".join("?" * len(store_ids)), ",".join("?" * len(keys))
    params = [*store_ids, *sorted(keys)]
    limit = ""
    if until is not None:
        limit, params = f"AND substr({VISIT_AT}, 1, 10) <= ?", [*params, until.isoformat()]
    rows = db.execute(
        f"""SELECT v.id, v.store_id, {VISIT_AT}, a.criterion_key, a.na, a.points
            FROM visits v JOIN answers a ON a.visit_id = v.id
            WHERE v.status = 'published' AND v.store_id IN ({stores})
              AND a.criterion_key IN ({wanted}) {limit}""",  # noqa: S608
        params,
    ).fetchall()
    visits: dict[int, dict] = {}
    for visit_id, store_id, at, key, na, points in rows:
        visit = visits.setdefault(visit_id, {"id": visit_id, "store_id": store_id, "at": at,
                                             "day": (at or "")[:10], "answers": {}})
        visit["answers"][key] = {"na": bool(na), "points": points}
    out: dict[int, list[dict]] = {}
    for visit in visits.values():
        out.setdefault(visit["store_id"], []).append(visit)
    return out


def with_outcomes(db: Database, rows: list[dict], today: date,
                  until: date | None = None) -> list[dict]:
    """The action rows, each given its "outcome", with one query for all their visits."""
    keys = {r["criterion_key"] for r in rows if r["criterion_key"] and r["status"] == "done"}
    visits = published_answers(db, sorted({r["store_id"] for r in rows}), keys, until)
    for r in rows:
        r["outcome"] = outcome(r, visits.get(r["store_id"], []), today)
    return rows


def store_actions(db: Database, store_ids: list[int]) -> list[dict]:
    """Every action of these stores with its store's code and name, soonest due first."""
    if not store_ids:
        return []
    marks = ",".join("?" * len(store_ids))
    return list(db.query(
        f"""SELECT a.*, s.code AS store_code, s.name AS store_name, s.channel
            FROM actions a JOIN stores s ON s.id = a.store_id
            WHERE a.store_id IN ({marks}) ORDER BY a.due_date, a.id""",  # noqa: S608
        store_ids,
    ))


def criteria_of_store(db: Database, store: dict, lang: str) -> dict[str, str]:
    """Scored criteria an action of this store may name: key -> question, in checklist order.

    The store's set is the newest published version of each set of its channel, plus the
    versions its published visits used (so a weak point from an older report stays valid).
    """
    rows = db.execute(
        """SELECT MAX(cv.id) FROM criteria_versions cv JOIN criteria_sets cs ON cs.id = cv.set_id
           WHERE cv.status = 'published' AND cs.archived = 0 AND cs.channel IN (?, 'any')
           GROUP BY cs.id
           UNION SELECT DISTINCT version_id FROM visits
           WHERE store_id = ? AND status = 'published'""",
        [store["channel"], store["id"]],
    ).fetchall()
    cat = Catalogue.build(version_sets(db, {r[0] for r in rows}), lang)
    return {key: cat.criterion_text(key) for key, c in cat.criteria.items()
            if c.scored and c.channel in ("any", store["channel"])}


def weak_points(db: Database, store: dict, period: Period, lang: str,
                limit: int = 6) -> list[dict]:
    """The failed and weakest criteria of the store's report for the period, failed first.

    The same figures and order as the report's "What to improve" and "Weakest criteria";
    criteria at full marks are not weak and are left out.
    """
    visits = published_visits(db, [store["id"]], period)
    if not visits:
        return []
    ids = [v["id"] for v in visits]
    marks = ",".join("?" * len(ids))
    answers = list(db.query(
        f"SELECT * FROM answers WHERE visit_id IN ({marks})", ids))  # noqa: S608
    cat = Catalogue.build(version_sets(db, {v["version_id"] for v in visits}), lang)
    ranked = rankings(criteria_stats(answers, cat), top=limit)
    out = {s["key"]: s for s in ranked["improve"]}
    for s in ranked["weakest"]:
        if s["mean"] < 100:
            out.setdefault(s["key"], s)
    return list(out.values())[:limit]


def report_section(db: Database, store_id: int, period: Period, lang: str,
                   today: date | None = None) -> list[dict]:
    """The store report's "Actions since the last report": actions that matter in the period.

    Every action created by the period's end, except those closed before the period began
    (dropped, done without a criterion, or verified by a visit before the start). Outcomes
    count only visits up to the period's end, so an old period's report does not change.
    """
    as_of = min(today or date.today(), period.end)
    store = db["stores"].get(store_id)
    rows = [r for r in store_actions(db, [store_id]) if r["created_at"][:10] <= str(period.end)]
    rows = with_outcomes(db, rows, as_of, until=period.end)
    texts = criteria_of_store(db, store, lang)
    start = period.start.isoformat()
    kept = []
    for r in rows:
        o = r["outcome"]
        closed = (o.verified and o.day < start) or (
            o.state in ("dropped", "done") and (r["done_at"] or r["updated_at"])[:10] < start)
        if not closed:
            r["criterion_text"] = texts.get(r["criterion_key"], r["criterion_key"] or "")
            kept.append(r)
    return kept


def counts(rows: list[dict]) -> dict:
    """How many actions are in each state, and the share of verified ones confirmed (or None)."""
    out = {state: 0 for state in STATES}
    for r in rows:
        out[r["outcome"].state] += 1
    out["total"] = len(rows)
    verified = out["confirmed"] + out["not_confirmed"]
    out["share_confirmed"] = 100 * out["confirmed"] / verified if verified else None
    return out


def summary_section(db: Database, store_ids: list[int], period: Period,
                    today: date | None = None) -> dict:
    """Actions of these stores created by the period's end: counts overall and per store."""
    as_of = min(today or date.today(), period.end)
    rows = [r for r in store_actions(db, store_ids) if r["created_at"][:10] <= str(period.end)]
    rows = with_outcomes(db, rows, as_of, until=period.end)
    per_store: dict[int, list[dict]] = {}
    for r in rows:
        per_store.setdefault(r["store_id"], []).append(r)
    stores = [{"code": rs[0]["store_code"], "name": rs[0]["store_name"], **counts(rs)}
              for rs in per_store.values()]
    return {"all": counts(rows), "stores": sorted(stores, key=lambda s: s["code"])}


def fingerprint(db: Database, store_id: int | None = None) -> str:
    """What changes whenever an action (of one store, or any) is added or changed."""
    where, params = ("WHERE store_id = ?", [store_id]) if store_id is not None else ("", [])
    row = db.execute(
        f"SELECT COUNT(*), MAX(updated_at), TOTAL(id) FROM actions {where}",  # noqa: S608
        params,
    ).fetchone()
    # With actions, "open" turns "overdue" as days pass: a cached report must not outlive the day.
    return "|".join(str(x) for x in (*row, date.today() if row[0] else ""))
