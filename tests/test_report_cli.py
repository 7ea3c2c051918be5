"""The report CLI: one store, every store, and clear errors."""

from __future__ import annotations

import pytest
from conftest import make_store, make_user, make_visit
from pypdf import PdfReader

from audit.cli.reports import report_cli


@pytest.fixture
def stores(db):
    """Two stores, one with a published visit in October 2026."""
    shopper = make_user(db, "shopper")
    first = make_store(db, "CLI-1", name="Cli Store")
    make_store(db, "CLI-2")
    make_visit(db, first, shopper, "published", answers={"greeted_on_entry": True},
               started_at="2026-10-01T10:00:00+00:00")


@pytest.mark.parametrize("name", sorted(report_cli.commands))
def test_every_report_command_has_help_with_an_example(name):
    assert "Example:" in (report_cli.commands[name].help or "")


def test_report_store_writes_the_pdf(runner, stores, tmp_path):
    out = tmp_path / "r.pdf"
    result = runner.invoke(args=["report", "store", "cli-1", "--from", "2026-09-01", "--to",
                                 "2026-11-30", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Cli Store" in PdfReader(out).pages[0].extract_text()


@pytest.mark.parametrize(("args", "message"), [
    (["NOPE", "--from", "2026-01-01", "--to", "2026-02-01"], "No store has the code 'NOPE'"),
    (["CLI-1", "--from", "2026-03-01", "--to", "2026-02-01"], "--from is after --to"),
    (["CLI-1", "--from", "2026-02-30", "--to", "2026-03-01"], "does not match the format"),
])
def test_report_store_bad_input_is_a_clear_error(runner, stores, tmp_path, args, message):
    result = runner.invoke(args=["report", "store", *args, "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_report_all_writes_one_pdf_per_store(runner, stores, tmp_path):
    result = runner.invoke(args=["report", "all", "--from", "2026-09-01", "--to", "2026-11-30",
                                 "--out", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "CLI-1-2026-09-01-2026-11-30.pdf", "CLI-2-2026-09-01-2026-11-30.pdf"]
    assert "No published visits" in PdfReader(
        tmp_path / "all" / "CLI-2-2026-09-01-2026-11-30.pdf").pages[0].extract_text()
