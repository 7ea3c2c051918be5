"""Per criterion over a report's visits: mean points, failures, and what ranks strongest or weakest.

A criterion "failed" in a visit when it earned less than half of its points (yes/no: "no").
"""

from __future__ import annotations

import statistics

from reports.catalogue import Catalogue

FAIL_BELOW = 0.5


def criteria_stats(answers: list[dict], cat: Catalogue) -> list[dict]:
    """Per criterion over the visits: mean points (0..100), times counted and failed.

    Only answers that counted (possible not null) take part; a failure earned < 50 % of points.
    Sorted by the order of the criteria in the set.
    """
    by_key: dict[str, list[dict]] = {}
    for a in answers:
        if a["possible"] is not None and a["points"] is not None:
            by_key.setdefault(a["criterion_key"], []).append(a)
    order = {k: i for i, k in enumerate(cat.criteria)}
    stats = []
    for key, rows in by_key.items():
        c = cat.criteria.get(key)
        stats.append({
            "key": key, "text": cat.criterion_text(key),
            "section": cat.sections.get(cat.section_of.get(key, ""), ""),
            "mean": 100 * statistics.fmean(r["points"] for r in rows),
            "counted": len(rows),
            "failed": sum(r["points"] < FAIL_BELOW for r in rows),
            "weight": c.weight if c else 1,
            "knockout": bool(c and c.knockout),
            "guidance": cat.guidance(key),
            "comments": [r["comment"] for r in rows if r["comment"] and r["points"] < FAIL_BELOW],
        })
    return sorted(stats, key=lambda s: order.get(s["key"], len(order)))


def rankings(stats: list[dict], top: int = 5) -> dict[str, list[dict]]:
    """Strongest and weakest criteria, the most often failed, and what to improve first.

    Strongest: highest mean points (ties: heavier weight first). Weakest: lowest mean points.
    Most failed: most failures, then failure rate. To improve: failed criteria by failures
    times weight (knock-outs first), since those cost the most points.
    """
    strongest = sorted(stats, key=lambda s: (-s["mean"], -s["weight"], s["key"]))[:top]
    weakest = sorted(stats, key=lambda s: (s["mean"], -s["weight"], s["key"]))[:top]
    failed = [s for s in stats if s["failed"]]
    most_failed = sorted(failed, key=lambda s: (-s["failed"], -s["failed"] / s["counted"],
                                                s["key"]))[:top]
    improve = sorted(failed, key=lambda s: (not s["knockout"], -s["failed"] * s["weight"],
                                            s["key"]))[:top]
    weak_keys = {s["key"] for s in weakest}
    strongest = [s for s in strongest if s["key"] not in weak_keys or s["mean"] >= 100]
    return {"strongest": strongest, "weakest": weakest, "most_failed": most_failed,
            "improve": improve}


