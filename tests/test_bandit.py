"""Bandit finds no un-annotated medium or high severity issue, and every nosec says why."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("audit", "criteria", "reports")
SEVERE = {"MEDIUM", "HIGH"}
# `# nosec B608 - only "?" marks are interpolated`: the check's id, then a reason. Bandit warns
# that the reason's words are not test names; `# nosec B608  # reason` says the same quietly.
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)")
WELL_FORMED_NOSEC = re.compile(r"^\s*B\d{3}(\s*,\s*B\d{3})*\s+[-#]\s+\S")


def bandit_findings() -> list[dict]:
    """Every finding of `bandit -r audit criteria reports`, as bandit's JSON reports it."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "bandit", "-q", "-r", "-f", "json", *PACKAGES],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    return report["results"]


def annotated(finding: dict) -> bool:
    """Annotated for ruff's port of the same check (`# noqa: S608` for B608) on its lines.

    Bandit drops findings marked `# nosec` itself; ruff's S rules are bandit's checks, and the
    code already says `# noqa: S608` where a query is built from placeholders, so one marker
    on a line serves both tools.
    """
    lines = (ROOT / finding["filename"]).read_text().splitlines()
    first, last = min(finding["line_range"]), max(finding["line_range"])
    ruff_code = "S" + finding["test_id"][1:]
    return any(
        re.search(rf"#\s*noqa:[^#]*\b{ruff_code}\b", line) for line in lines[first - 1:last]
    )


def test_no_unannotated_medium_or_high_finding():
    findings = bandit_findings()
    open_ones = [
        f"{f['filename']}:{f['line_number']} {f['test_id']} {f['issue_severity']}: "
        f"{f['issue_text']}"
        for f in findings
        if f["issue_severity"] in SEVERE and not annotated(f)
    ]
    assert open_ones == [], "\n".join(open_ones)


def python_files():
    """Every .py file bandit scans."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_every_nosec_names_the_check_and_a_reason():
    vague = []
    for path in python_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            found = NOSEC.search(line)
            if found and not WELL_FORMED_NOSEC.match(found["rest"]):
                vague.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert vague == [], "use `# nosec Bxxx - reason`:\n" + "\n".join(vague)


@pytest.mark.parametrize(
    ("comment", "well_formed"),
    [
        ("# nosec B608 - only placeholders", True),
        ("# nosec B603, B607 - fixed argv", True),
        ("# nosec B608  # only placeholders", True),
        ("# nosec", False),
        ("# nosec B608", False),
        ("# nosec - trust me", False),
    ],
)
def test_nosec_format_check(comment, well_formed):
    rest = NOSEC.search(comment)["rest"]
    assert bool(WELL_FORMED_NOSEC.match(rest)) is well_formed


def test_annotation_check_sees_ruff_markers_on_the_findings_lines(tmp_path, monkeypatch):
    source = tmp_path / "m.py"
    source.write_text('x = 1\nq = f"SELECT {x}"  # noqa: S608 - constant\ny = 2\n')
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    finding = {"filename": "m.py", "line_range": [2], "test_id": "B608"}
    assert annotated(finding)
    assert not annotated({**finding, "line_range": [1]})
    assert not annotated({**finding, "test_id": "B602"})
