"""CLI for reports: one store's PDF, or every store's. Thin wrappers over reports/."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from audit.db import open_db
from reports import aggregate, render
from reports.aggregate import Period, PeriodError

report_cli = AppGroup("report", help="PDF audit reports.")
DAY = click.DateTime(formats=["%Y-%m-%d"])


def period_options(command):
    """--from and --to, both required dates."""
    command = click.option("--to", "end", type=DAY, required=True,
                           help="Last day of the period, YYYY-MM-DD.")(command)
    return click.option("--from", "start", type=DAY, required=True,
                        help="First day of the period, YYYY-MM-DD.")(command)


def _period(start: datetime, end: datetime) -> Period:
    """The period, or a usage error when --from is after --to."""
    try:
        return Period(start.date(), end.date())
    except PeriodError as err:
        raise click.UsageError("--from is after --to.") from err


@report_cli.command("store")
@click.argument("code")
@period_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the PDF.")
@click.option("--lang", default="en", show_default=True, help="Language of the report.")
def report_store(code: str, start: datetime, end: datetime, output: str, lang: str) -> None:
    """Write one store's PDF audit report for a period.

    Example: flask --app app report store WAW-01 --from 2026-01-01 --to 2026-06-30 -o waw01.pdf
    """
    period = _period(start, end)
    db = open_db(current_app.config["DATABASE"])
    try:
        store = aggregate.store_by_code(db, code)
        if store is None:
            raise click.ClickException(f"No store has the code {code!r}.")
        path = render.store_pdf(db, store["id"], period, lang,
                                report_dir=current_app.config["REPORT_DIR"],
                                upload_dir=current_app.config["UPLOAD_DIR"])
    finally:
        db.close()
    shutil.copyfile(path, output)
    click.echo(f"Wrote {output} ({store['code']} {store['name']}, {period.start} – {period.end}).")


@report_cli.command("all")
@period_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for the PDFs (made if missing).")
@click.option("--lang", default="en", show_default=True, help="Language of the reports.")
def report_all(start: datetime, end: datetime, out_dir: str, lang: str) -> None:
    """Write the PDF audit report of every store that is not archived.

    Example: flask --app app report all --from 2026-01-01 --to 2026-06-30 --out reports/
    """
    period = _period(start, end)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    db = open_db(current_app.config["DATABASE"])
    try:
        stores = list(db.query("SELECT id, code FROM stores WHERE archived = 0 ORDER BY code"))
        with click.progressbar(stores, label="Rendering reports",
                               item_show_func=lambda s: s["code"] if s else "") as bar:
            for store in bar:
                path = render.store_pdf(db, store["id"], period, lang,
                                        report_dir=current_app.config["REPORT_DIR"],
                                        upload_dir=current_app.config["UPLOAD_DIR"])
                shutil.copyfile(path, folder / f"{render.safe_name(store['code'])}-"
                                              f"{period.start}-{period.end}.pdf")
    finally:
        db.close()
    click.echo(f"Wrote {len(stores)} reports to {folder}.")
