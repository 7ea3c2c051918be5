"""The answers of published visits as CSV, without the shopper, safe to open in a spreadsheet.

Two forms: plain CSV (comma, UTF-8, numbers with a point) and the form Excel opens as it is in
Poland or Russia (a BOM so it reads UTF-8, `;` between cells, numbers with the language's
decimal comma). The answers are in the report's language either way.
"""

from __future__ import annotations

import csv
import io
import json
import re

from babel import Locale
from sqlite_utils import Database

from criteria.model import text
from reports.aggregate import Period, published_visits, version_sets
from reports.i18n import translations
from reports.text import answer_text

HEADER = ["store_code", "store_name", "region", "visit_ref", "visit_date", "visit_score",
          "passed", "auto_fail", "section", "criterion_key", "criterion", "answer", "na",
          "points", "earned", "possible", "comment"]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A reader that splits on another separator (`;` or tab, as Excel does in Poland) starts a new
# cell after it, quotes or not: a formula may start after any separator in the text, too.
FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][\s\"]*)(?=[=+\-@])")
BOM = "\ufeff"


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula, in any cell it may be split into, gets an
    apostrophe before the formula."""
    if not isinstance(value, str):
        return value
    value = FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def answers_csv(db: Database, store_ids: list[int], period: Period, lang: str, *,
                excel: bool = False) -> str:
    """One row per answer of every published visit of these stores in the period.

    excel: the form Excel opens directly in the language's region (BOM, `;`, decimal comma).
    """
    gettext = translations(lang).gettext
    visits = published_visits(db, store_ids, period)
    if not visits:
        return _write([], lang, excel)
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
                    s["code"], s["name"], s["region"], v["ref"], v["day"],
                    v["score"], int(bool(v["passed"])), int(bool(v["knocked_out"])),
                    text(section.title, lang), c.key, text(c.text, lang),
                    answer_text(c, value, bool(a["na"]), lang, gettext),
                    int(bool(a["na"])), a["points"], a["earned"], a["possible"],
                    a["comment"] or "",
                ])
    return _write(rows, lang, excel)


def _num(value: float | None, decimal: str = ".") -> str:
    """A number with up to 4 decimals, empty for none."""
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", decimal)


def _cell(value: object, decimal: str) -> object:
    """What one cell holds: our numbers as they are (with the decimal mark), text made safe."""
    if value is None or isinstance(value, float):
        return _num(value, decimal)
    return neutralise(value)


def _write(rows: list[list], lang: str, excel: bool) -> str:
    """The CSV text with a header row."""
    decimal = Locale.parse(lang).number_symbols["latn"]["decimal"] if excel else "."
    out = io.StringIO()
    if excel:
        out.write(BOM)
    writer = csv.writer(out, delimiter=";" if excel else ",")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([_cell(cell, decimal) for cell in row])
    return out.getvalue()
