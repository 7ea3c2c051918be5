"""A store's and a region's figures for a period, taken from the report data itself
(reports.aggregate), so the API's numbers are the PDFs' numbers."""

from __future__ import annotations

from sqlite_utils import Database

from reports import aggregate
from reports.period import Period


def _period(period: Period) -> dict:
    """A period as the API shows it."""
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def store_figures(db: Database, store: dict, period: Period, lang: str) -> dict:
    """The store's summary and section comparison, as its PDF report for the period prints."""
    report = aggregate.store_report(db, store["id"], period, lang)
    summary = report["summary"]
    return {
        "store_id": store["id"], "store_code": store["code"], "period": _period(period),
        "previous_period": _period(report["previous_period"]),
        "score": summary["score"], "previous_score": summary["previous"],
        "change": summary["change"], "visits": summary["visits"],
        "previous_visits": summary["previous_visits"], "passed": summary["passed"],
        "knocked_out": summary["knocked_out"], "region_average": summary["region"],
        "chain_average": summary["chain"], "pass_mark": summary["pass_mark"],
        "sections": [{k: s[k] for k in ("key", "title", "store", "region", "chain",
                                         "knocked_out")} for s in report["sections"]],
    }


def region_figures(db: Database, region: str, period: Period, lang: str,
                   visible: set[int] | None) -> dict:
    """The region's summary report figures; with `visible`, only those stores are listed.

    A manager's store report already prints the region's averages (overall and per section),
    so they stay; the other stores of the region, which the manager never sees, are left out,
    and so are each store's rank among them and the channels none of their stores is in.
    """
    report = aggregate.summary_report(db, period, lang, region)
    groups = []
    for g in report["groups"]:
        stores = [s for s in g["stores"] if visible is None or s["store"]["id"] in visible]
        if visible is not None and not stores:
            continue  # a channel none of whose stores the manager sees
        groups.append({
            "channel": g["channel"], "score": g["score"], "pass_mark": g["pass_mark"],
            "sections": [{"key": key, "title": title, "average": average}
                         for key, title, average in zip(g["section_keys"], g["sections"],
                                                        g["averages"], strict=True)],
            "stores": [{"store_id": s["store"]["id"], "store_code": s["store"]["code"],
                        "rank": s["rank"] if visible is None else None,
                        "score": s["score"], "change": s["change"],
                        "visits": s["visits"], "passed": s["passed"],
                        "knocked_out": s["knocked_out"], "sections": s["sections"]}
                       for s in stores],
        })
    return {"region": region, "period": _period(period), "groups": groups}

