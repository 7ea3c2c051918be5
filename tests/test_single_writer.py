"""audit/visits/ is the only writer of visits and what hangs on them; lifecycle.py moves status.

A source scan, not a runtime check: every .py under audit/ and reports/ (migrations aside) is
searched for SQL that writes the visit tables and for sqlite-utils writes to them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("visits", "answers", "section_scores", "photos", "visit_log", "visit_events")
_NAMES = "|".join(TABLES)
# SQL keywords in capitals, as all our SQL is written: prose ("update visits") is not SQL.
SQL_WRITE = re.compile(
    rf"\b(?:INSERT(?:\s+OR\s+[A-Z]+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)"
    rf"\s+[\[\"'`]?({_NAMES})\b")
LIBRARY_WRITE = re.compile(
    rf"""\[\s*["']({_NAMES})["']\s*\]\s*\.\s*"""
    r"(insert|insert_all|update|upsert|upsert_all|delete|delete_where)\s*\(")
STATUS_WRITE = re.compile(r"\bUPDATE\s+visits\s+SET\s+(?:(?!WHERE).)*?\bstatus\s*=", re.DOTALL)

VISITS = Path("audit/visits")
SCORES = VISITS / "scores.py"
LIFECYCLE = VISITS / "lifecycle.py"


def sources(root: Path = ROOT) -> list[Path]:
    """Every module of audit/ and reports/ but the migrations, relative to the repository."""
    found = [p.relative_to(root) for top in ("audit", "reports")
             for p in sorted((root / top).rglob("*.py"))]
    return [p for p in found if p.name != "migrations.py"]


def writes(path: Path, root: Path = ROOT) -> list[tuple[int, str, str]]:
    """(line, table, what) of each write to a visit table in a file."""
    text = (root / path).read_text(encoding="utf-8")
    found = []
    for pattern in (SQL_WRITE, LIBRARY_WRITE):
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((line, match.group(1), " ".join(match.group(0).split())))
    for match in STATUS_WRITE.finditer(text):
        found.append((text.count("\n", 0, match.start()) + 1, "visits.status", "SET status"))
    return found


def misplaced(path: Path, table: str) -> bool:
    """Whether this file may not write this table."""
    if table == "visits.status":
        return path != LIFECYCLE
    if table == "section_scores":
        return path != SCORES
    return VISITS not in path.parents


def offenders(root: Path = ROOT) -> list[str]:
    """'file:line: what' for every write outside its one home."""
    return [f"{path}:{line}: {what}" for path in sources(root)
            for line, table, what in writes(path, root) if misplaced(path, table)]


def test_only_audit_visits_writes_visits_answers_scores_photos_and_logs():
    assert offenders() == []


def test_the_scan_finds_the_writes_that_are_there():
    found = {table for path in sources() for _line, table, _what in writes(path)}
    assert {"visits", "answers", "section_scores", "photos", "visit_log", "visit_events",
            "visits.status"} <= found


def test_a_write_outside_audit_visits_is_named_with_file_and_line(tmp_path):
    (tmp_path / "audit" / "visits").mkdir(parents=True)
    (tmp_path / "reports").mkdir()
    (tmp_path / "audit" / "visits" / "scores.py").write_text(
        'SQL = "DELETE FROM section_scores WHERE visit_id = ?"\n')
    (tmp_path / "audit" / "visits" / "review.py").write_text(
        'SQL = "UPDATE visits SET status = ? WHERE id = ?"\n')
    (tmp_path / "reports" / "stray.py").write_text(
        'def bad(db):\n    db["visits"].update(1, {"score": 0})\n'
        '    db.execute("INSERT INTO visit_log (visit_id) VALUES (1)")\n'
        '    db.execute("DELETE FROM section_scores")\n')
    assert offenders(tmp_path) == [
        "audit/visits/review.py:1: SET status",
        "reports/stray.py:3: INSERT INTO visit_log",
        "reports/stray.py:4: DELETE FROM section_scores",
        'reports/stray.py:2: ["visits"].update(',
    ]
