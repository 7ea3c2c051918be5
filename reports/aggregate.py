"""SQL -> plain data for reports: one store's period, a region's or the chain's. No Flask.

Only published visits count, and nothing here selects the shopper: a report never shows who
made a visit. Figures come from what scoring stored (visits.score, section_scores, answers.points
/ earned / possible), so every number is the scoring engine's. Each report is a handful of
queries over all its visits at once, never one query per visit.

Rules:
- A visit belongs to the period of the day it started (UTC date of started_at).
- Store, region and chain score for a period = mean of their published visits' scores.
- Region and chain averages compare like with like: stores of the same channel (physical or
  online), because the two channels are audited against different criteria sets.
- A criterion "failed" in a visit when it earned less than half of its points (yes/no: "no").
"""

from __future__ import annotations

import json
import statistics

from sqlite_utils import Database

from audit.storage import rollups
from criteria.model import CriteriaSet, Criterion, text
from criteria.scoring import CONTACT_CHANNELS, contact_channel, interval_seconds
from reports import actions
from reports.catalogue import Catalogue
from reports.criteria_stats import FAIL_BELOW, criteria_stats, rankings
from reports.figures import VISIT_DAY, Figures, channel_figures
from reports.period import Period, PeriodError
from reports.published import published_visits
from reports.versions import version_sets

# The building blocks live in their own modules (reports.actions builds on them too); callers
# that know them from here keep working.
__all__ = ["Catalogue", "Period", "PeriodError", "criteria_stats", "published_visits",
           "rankings", "version_sets"]

MEASURED_TYPES = ("duration", "count", "interval")
# Up to this many visits a store report lists every answer of every visit; beyond, each visit
# lists what lost points or was noted, and the visit's own report keeps the whole checklist.
FULL_DETAIL_VISITS = 3


def _mean(values) -> float | None:
    """Mean of the values that are not None, or None."""
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def _diff(a: float | None, b: float | None) -> float | None:
    """a - b, or None when either is missing."""
    return None if a is None or b is None else a - b


# ---------------------------------------------------------------- one store


def store_by_code(db: Database, code: str) -> dict | None:
    """The store with this code (any case), or None."""
    rows = list(db.query("SELECT * FROM stores WHERE code = ? COLLATE NOCASE", [code.strip()]))
    return rows[0] if rows else None


def store_fingerprint(db: Database, store_id: int) -> str:
    """What changes whenever a visit of the store is published, unpublished or corrected."""
    row = db.execute(
        """SELECT COUNT(*), MAX(v.updated_at), MAX(v.published_at), TOTAL(v.id), TOTAL(v.score),
                  (SELECT MAX(l.id) FROM visit_log l JOIN visits w ON w.id = l.visit_id
                   WHERE w.store_id = :s)
           FROM visits v WHERE v.store_id = :s AND v.status = 'published'""",
        {"s": store_id},
    ).fetchone()
    return "|".join(str(x) for x in row)


def _figures(db: Database, store: dict, period: Period, months: int = 12) -> Figures:
    """The channel's figures for the period and for the trend's months before its end."""
    return channel_figures(db, store["channel"], period.start.isoformat(),
                           period.end.isoformat(), period.months(months)[0] + "-01")


def benchmarks_digest(db: Database, store: dict, period: Period) -> str:
    """What changes whenever a region or chain figure the store's report prints changes."""
    return _figures(db, store, period).digest


def _benchmarks(db: Database, store: dict, period: Period) -> dict:
    """Region and chain averages (visit and per section) for stores of the store's channel."""
    figures = _figures(db, store, period)
    region, chain = figures.overall(store["region"])
    return {"region": region, "chain": chain,
            "sections": {key: figures.section(store["region"], key)
                         for key in figures.section_keys()}}


def _trend(db: Database, store: dict, period: Period, months: int = 12) -> list[dict]:
    """Monthly mean score of the store, its region and the chain (same channel)."""
    keys = period.months(months)
    # The store's own months from the rollups too: a row per month, whatever its visits.
    own = {month: (_ratio(rollups.score(units), scored), visits)
           for month, visits, scored, units, _passed, _knocked in rollups.visit_cells(
               db, rollups.ids_scope([store["id"]]), keys[0] + "-01", period.end.isoformat(),
               by=("month",))}
    figures = _figures(db, store, period, months)
    out = []
    for m in keys:
        region, chain = figures.month(store["region"], m)
        score, visits = own.get(m, (None, 0))
        out.append({"month": m, "store": score, "region": region, "chain": chain,
                    "visits": visits})
    return out


def _rows_for(db: Database, table: str, visit_ids: list[int], order: str) -> list[dict]:
    """All rows of a per-visit table for these visits, in one query."""
    if not visit_ids:
        return []
    marks = ",".join("?" * len(visit_ids))
    return list(db.query(
        f"SELECT * FROM {table} WHERE visit_id IN ({marks}) ORDER BY {order}",  # noqa: S608
        visit_ids,
    ))


def _visit_details(visits: list[dict], answers: list[dict], sections: list[dict],
                   photos: list[dict], sets: dict[int, CriteriaSet], lang: str) -> list[dict]:
    """Each visit with its sections, answers, measurements and photos, in checklist order."""
    answers_of: dict[int, dict[str, dict]] = {}
    for a in answers:
        answers_of.setdefault(a["visit_id"], {})[a["criterion_key"]] = a
    section_of: dict[int, dict[str, dict]] = {}
    for s in sections:
        section_of.setdefault(s["visit_id"], {})[s["section_key"]] = s
    photos_of: dict[tuple[int, str | None], list[dict]] = {}
    for p in photos:
        photos_of.setdefault((p["visit_id"], p["criterion_key"]), []).append(p)
    details = []
    for v in visits:
        cs = sets[v["version_id"]]
        given = answers_of.get(v["id"], {})
        detail = {**v, "set_name": text(cs.name, lang), "sections": [], "measurements": [],
                  "knockouts": [], "photos": photos_of.get((v["id"], None), []),
                  "full_marks": 0}
        for section in cs.sections:
            stored = section_of.get(v["id"], {}).get(section.key, {})
            rows = []
            for c in section.criteria:
                a = given.get(c.key)
                item = _answer_item(c, a, photos_of.get((v["id"], c.key), []), lang)
                if item is None:
                    continue
                rows.append(item)
                detail["full_marks"] += not item["notable"]
                if c.type in MEASURED_TYPES and a is not None:
                    detail["measurements"].append(item)
                if item["knockout_failed"]:
                    detail["knockouts"].append(item)
            detail["sections"].append({"key": section.key, "title": text(section.title, lang),
                                       "score": stored.get("score"),
                                       "knocked_out": bool(stored.get("knocked_out")),
                                       "answers": rows})
        details.append(detail)
    return details


def _answer_item(c: Criterion, a: dict | None, photos: list[dict], lang: str) -> dict | None:
    """One answer for the report; None for a photo criterion without photos."""
    if c.type == "photo" and not photos:
        return None
    value = json.loads(a["value"]) if a and a["value"] is not None else None
    points = a["points"] if a else None
    item = {"key": c.key, "criterion": c, "text": text(c.text, lang), "value": value,
            "na": bool(a and a["na"]), "comment": (a or {}).get("comment"),
            "points": points, "earned": (a or {}).get("earned"),
            "possible": (a or {}).get("possible"), "photos": photos,
            "failed": points is not None and points < FAIL_BELOW,
            "knockout_failed": c.knockout and points == 0}
    item["notable"] = _notable(item)
    return item


def _notable(item: dict) -> bool:
    """Worth its line when a visit is condensed: points lost, a note, photos, or an unscored
    answer (what the shopper saw in words). Full points without a note say nothing new."""
    if item["comment"] or item["photos"]:
        return True
    if item["na"] or item["value"] is None:
        return False
    if item["possible"] is None:
        return True
    return item["earned"] is None or item["earned"] < item["possible"]


def store_report(db: Database, store_id: int, period: Period, lang: str) -> dict:
    """Everything the store report shows, as plain data (photos as rows; files are read later)."""
    store = db["stores"].get(store_id)
    visits = published_visits(db, [store_id], period)
    previous = published_visits(db, [store_id], period.previous())
    ids = [v["id"] for v in visits]
    sets = version_sets(db, {v["version_id"] for v in visits + previous})
    cat = Catalogue.build(sets, lang)
    answers = _rows_for(db, "answers", ids, "visit_id")
    section_rows = _rows_for(db, "section_scores", ids, "visit_id")
    photos = _rows_for(db, "photos", ids, "visit_id, id")
    bench = _benchmarks(db, store, period)
    score = _mean(v["score"] for v in visits)
    previous_score = _mean(v["score"] for v in previous)
    stats = criteria_stats(answers, cat)
    return {
        "kind": "store", "store": store, "period": period, "previous_period": period.previous(),
        "lang": lang, "catalogue": cat,
        "summary": {
            "score": score, "previous": previous_score, "change": _diff(score, previous_score),
            "visits": len(visits), "previous_visits": len(previous),
            "passed": sum(bool(v["passed"]) for v in visits),
            "knocked_out": sum(bool(v["knocked_out"]) for v in visits),
            "region": bench["region"], "chain": bench["chain"], "pass_mark": cat.pass_mark,
        },
        "sections": _section_comparison(section_rows, bench["sections"], cat),
        "trend": _trend(db, store, period),
        "criteria": stats,
        **rankings(stats),
        "visits": _visit_details(visits, answers, section_rows, photos, sets, lang),
        "condensed": len(visits) > FULL_DETAIL_VISITS,
        "response_times": response_times(answers, cat),
        "actions": actions.report_section(db, store_id, period, lang),
    }


def response_times(answers: list[dict], cat: Catalogue) -> list[dict]:
    """Per channel of contact (e-mail, chat, ...): how fast the shop answered inquiries.

    An inquiry is an interval answer whose channel is recorded or named by its criterion key
    (email_response_time -> email). Median and worst are over the answered ones, in seconds;
    one left without an answer in a published visit is "no answer" and makes the worst.
    Channels in CONTACT_CHANNELS order; channels without inquiries are left out.
    """
    found: dict[str, dict] = {}
    for a in answers:
        c = cat.criteria.get(a["criterion_key"])
        value = json.loads(a["value"]) if a["value"] is not None else None
        channel = contact_channel(c, value) if c is not None and isinstance(value, dict) else None
        if channel is None:
            continue
        row = found.setdefault(channel, {"channel": channel, "asked": 0, "seconds": []})
        row["asked"] += 1
        try:
            seconds = interval_seconds(value)
        except ValueError:
            continue
        if seconds is not None:
            row["seconds"].append(seconds)
    out = []
    for channel in CONTACT_CHANNELS:
        row = found.get(channel)
        if row is None:
            continue
        times = row.pop("seconds")
        row["answered"] = len(times)
        row["no_answer"] = row["asked"] - len(times)
        row["median"] = statistics.median(times) if times else None
        row["worst"] = max(times) if times else None
        out.append(row)
    return out


def _section_comparison(rows: list[dict], bench: dict, cat: Catalogue) -> list[dict]:
    """Per section: the store's mean score against the region's and the chain's."""
    by_key: dict[str, list[float]] = {}
    knocked: dict[str, int] = {}
    for r in rows:
        by_key.setdefault(r["section_key"], []).append(r["score"])
        knocked[r["section_key"]] = knocked.get(r["section_key"], 0) + r["knocked_out"]
    out = []
    for key in cat.section_order:
        store = _mean(by_key.get(key, []))
        region, chain = bench.get(key, (None, None))
        out.append({"key": key, "title": cat.sections[key], "store": store, "region": region,
                    "chain": chain, "vs_region": _diff(store, region),
                    "vs_chain": _diff(store, chain), "knocked_out": knocked.get(key, 0)})
    return out


def visit_report(db: Database, visit_id: int, lang: str,
                 statuses: tuple[str, ...] = ("published",)) -> dict | None:
    """One visit with its store and answers (by default only a published one), or None."""
    marks = ",".join("?" * len(statuses))
    rows = list(db.query(
        f"""SELECT v.id, v.ref, v.store_id, v.version_id, v.started_at, v.ended_at, v.score,
                   v.passed, v.knocked_out, v.online_channel, {VISIT_DAY} AS day
            FROM visits v WHERE v.id = ? AND v.status IN ({marks})""",  # noqa: S608
        [visit_id, *statuses],
    ))
    if not rows:
        return None
    visit = rows[0]
    sets = version_sets(db, {visit["version_id"]})
    answers = _rows_for(db, "answers", [visit_id], "criterion_key")
    sections = _rows_for(db, "section_scores", [visit_id], "section_key")
    photos = _rows_for(db, "photos", [visit_id], "id")
    detail = _visit_details([visit], answers, sections, photos, sets, lang)[0]
    return {"kind": "visit", "store": db["stores"].get(visit["store_id"]), "lang": lang,
            "visit": detail, "pass_mark": sets[visit["version_id"]].pass_mark}


# ---------------------------------------------------------------- region or chain


def summary_report(db: Database, period: Period, lang: str, region: str | None = None) -> dict:
    """Stores ranked by score, and sections compared per store, for a region or the chain."""
    where, params = "s.archived = 0", []
    if region:
        where, params = where + " AND s.region = ?", [region]
    stores = list(db.query(f"SELECT * FROM stores s WHERE {where} ORDER BY code", params))  # noqa: S608
    ids = [s["id"] for s in stores]
    # Sums per store and per (store, section) come from SQL: a chain's year is 12,000 visits
    # and 72,000 section scores at 1,000 stores, too many to fetch as rows (that took 1 s).
    figures = _store_figures(db, ids, period)
    before = _store_figures(db, ids, period.previous())
    cells = _section_cells(db, ids, period)
    sets = version_sets(db, {vid for f in figures.values() for vid in f["versions"]})
    groups = []
    for channel in ("physical", "online"):
        members = [s for s in stores if s["channel"] == channel]
        if members:
            groups.append(_summary_group(channel, members, figures, before, cells,
                                         {vid: cs for vid, cs in sets.items()
                                          if cs.channel == channel}, lang))
    return {"kind": "summary", "region": region, "period": period,
            "previous_period": period.previous(), "lang": lang, "groups": groups,
            "visits": sum(f["visits"] for f in figures.values()),
            "score": _ratio(sum(f["total"] for f in figures.values()),
                            sum(f["counted"] for f in figures.values())),
            "stores": len(stores), "actions": actions.summary_section(db, ids, period)}


NO_FIGURES = {"total": 0.0, "counted": 0, "visits": 0, "passed": 0, "knocked_out": 0,
              "versions": ()}


def _ratio(total: float, count: int) -> float | None:
    """total / count, or None when nothing was counted."""
    return total / count if count else None


def _store_figures(db: Database, store_ids: list[int], period: Period) -> dict[int, dict]:
    """Per store over its published visits in the period: score sum and count, visits, passes,
    auto-fails and the criteria versions used.

    From the rollups (audit/storage/rollups.py): a row per store, month and version, so a
    chain's year costs the same whatever the number of visits behind it.
    """
    if not store_ids:
        return {}
    out: dict[int, dict] = {}
    for sid, version, visits, scored, units, passed, knocked in rollups.visit_cells(
            db, rollups.ids_scope(store_ids), period.start.isoformat(), period.end.isoformat(),
            by=("store_id", "version_id")):
        own = out.setdefault(sid, {"units": 0, "counted": 0, "visits": 0, "passed": 0,
                                   "knocked_out": 0, "versions": []})
        own["units"] += units
        own["counted"] += scored
        own["visits"] += visits
        own["passed"] += passed
        own["knocked_out"] += knocked
        if version not in own["versions"]:
            own["versions"].append(version)
    for own in out.values():
        own["total"] = rollups.score(own.pop("units"))
    return out


def _section_cells(db: Database, store_ids: list[int], period: Period
                   ) -> dict[tuple[int, str], tuple[float, int]]:
    """(store, section) -> (sum, count) of the section scores of its published visits, from
    the rollups."""
    if not store_ids:
        return {}
    units: dict[tuple[int, str], list[int]] = {}
    for sid, key, _rows, scored, total in rollups.section_cells(
            db, rollups.ids_scope(store_ids), period.start.isoformat(),
            period.end.isoformat()):
        cell = units.setdefault((sid, key), [0, 0])
        cell[0] += total
        cell[1] += scored
    return {key: (rollups.score(total), count) for key, (total, count) in units.items()}


def _summary_group(channel, stores, figures, before, cells, sets, lang) -> dict:
    """One channel's ranking and section matrix."""
    cat = Catalogue.build(sets, lang)
    ranked = []
    for s in stores:
        own = figures.get(s["id"], NO_FIGURES)
        was = before.get(s["id"], NO_FIGURES)
        score = _ratio(own["total"], own["counted"])
        ranked.append({"store": s, "score": score, "visits": own["visits"],
                       "passed": own["passed"], "knocked_out": own["knocked_out"],
                       "change": _diff(score, _ratio(was["total"], was["counted"])),
                       "sections": [_ratio(*cells.get((s["id"], k), (0.0, 0)))
                                    for k in cat.section_order]})
    ranked.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["store"]["code"]))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i if r["score"] is not None else None
    mine = [figures.get(s["id"], NO_FIGURES) for s in stores]
    averages = []
    for key in cat.section_order:
        parts = [cells.get((s["id"], key), (0.0, 0)) for s in stores]
        averages.append(_ratio(sum(p[0] for p in parts), sum(p[1] for p in parts)))
    return {"channel": channel, "stores": ranked,
            "sections": [cat.sections[k] for k in cat.section_order],
            "section_keys": list(cat.section_order),
            "averages": averages, "pass_mark": cat.pass_mark,
            "score": _ratio(sum(f["total"] for f in mine), sum(f["counted"] for f in mine)),
            "visits": sum(f["visits"] for f in mine)}


# ---------------------------------------------------------------- the manager's portal


def recent_scores(db: Database, store_ids: list[int], count: int = 6) -> dict[int, list[dict]]:
    """The last `count` published visits (day, score, version_id) of each store, oldest first;
    one query.

    "Last" is by day, then by visit id (the later one of a day). Per store, the newest `count`
    entries of the index visits_store_recent (m007) are all it reads: at 1,000 stores and
    100,000 visits a window function over every published visit took ~150 ms.
    """
    if not store_ids:
        return {}
    rows = db.execute(
        f"""SELECT v.store_id, {VISIT_DAY} AS day, v.score, v.version_id
            FROM json_each(?) j JOIN visits v ON v.id IN (
              SELECT w.id FROM visits w WHERE w.store_id = j.value AND w.status = 'published'
              ORDER BY substr(COALESCE(w.started_at, w.submitted_at), 1, 10) DESC, w.id DESC
              LIMIT ?)
            ORDER BY v.store_id, day, v.id""",  # noqa: S608
        [json.dumps(sorted(set(store_ids))), count],
    )
    out: dict[int, list[dict]] = {sid: [] for sid in store_ids}
    for store_id, day, score, version_id in rows:
        out[store_id].append({"day": day, "score": score, "version_id": version_id})
    return out


def monthly_trend(db: Database, store: dict, period: Period, months: int = 12) -> list[dict]:
    """Monthly mean score of the store, its region and the chain, for the portal's chart."""
    return _trend(db, store, period, months)
