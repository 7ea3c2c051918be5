"""The answers of published visits as CSV, without the shopper, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

from sqlite_utils import Database

from criteria.model import text
from reports.aggregate import Period, published_visits, version_sets
from reports.text import answer_text

HEADER = ["store_code", "store_name", "region", "visit_ref", "visit_date", "visit_score",
          "passed", "auto_fail", "section", "criterion_key", "criterion", "answer", "na",
          "points", "earned", "possible", "comment"]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def answers_csv(db: Database, store_ids: list[int], period: Period, lang: str) -> str:
    """One row per answer of every published visit of these stores in the period."""
    visits = published_visits(db, store_ids, period)
    if not visits:
        return _write([])
    stores = {s["id"]: s for s in db.query(
        f"SELECT * FROM stores WHERE id IN ({','.join('?' * len(store_ids))})",  # noqa: S608
        store_ids)}
    sets = version_sets(db, {v["version_id"] for v in visits})
    marks = ",".join("?" * len(visits))
    answers: dict[int, list[dict]] = {}
    for a in db.query(f"SELECT * FROM answers WHERE visit_id IN ({marks})",  # noqa: S608
                      [v["id"] for v in visits]):
        answers.setdefault(a["visit_id"], []).append(a)
    rows = []
    for v in visits:
        s, cs = stores[v["store_id"]], sets[v["version_id"]]
        given = {a["criterion_key"]: a for a in answers.get(v["id"], [])}
        for section in cs.sections:
            for c in section.criteria:
                a = given.get(c.key)
                if a is None:
                    continue
                value = json.loads(a["value"]) if a["value"] is not None else None
                rows.append([
                    s["code"], s["name"], s["region"], f"{s['code']}-{v['id']}", v["day"],
                    _num(v["score"]), int(bool(v["passed"])), int(bool(v["knocked_out"])),
                    text(section.title, lang), c.key, text(c.text, lang),
                    answer_text(c, value, bool(a["na"]), lang, lambda m: m),
                    int(bool(a["na"])), _num(a["points"]), _num(a["earned"]),
                    _num(a["possible"]), a["comment"] or "",
                ])
    return _write(rows)


def _num(value: float | None) -> str:
    """A number with up to 4 decimals, empty for none."""
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def _write(rows: list[list]) -> str:
    """The CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
