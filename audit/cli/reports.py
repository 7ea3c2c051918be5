"""CLI for reports: one store's PDF, or every store's. Thin wrappers over reports/."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from audit import report_runs as jobs
from audit.storage.db import open_db
from audit.vocabulary import LANGUAGES
from reports import aggregate, queue, render
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
    """The period, or a usage error when --from is after --to or out of the reports' days."""
    try:
        period = Period(start.date(), end.date())
    except PeriodError as err:
        raise click.UsageError("--from is after --to.") from err
    try:
        return period.supported()
    except PeriodError as err:
        raise click.UsageError(str(err)) from err


@report_cli.command("store")
@click.argument("code")
@period_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the PDF.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the report.")
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
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the reports.")
@click.option("--region", default=None, help="Only the stores of this region.")
def report_all(start: datetime, end: datetime, out_dir: str, lang: str,
               region: str | None) -> None:
    """Write the PDF audit report of every store that is not archived, through the render queue.

    The same run as the admin's Reports page: workers render (`make worker`, or
    `python -m reports.worker` on each render machine); this command builds the pages, shows
    the progress and copies the PDFs. Reports already cached are not rendered again.

    Example: flask --app app report all --from 2026-01-01 --to 2026-06-30 --out reports/
    """
    period = _period(start, end)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    db = open_db(current_app.config["DATABASE"])
    huey = jobs.queue_for(current_app.config)
    try:
        try:
            job_id = jobs.start(db, huey, jobs.stores_for_run(db, region), period, lang,
                                user_id=None, region=region)
        except queue.QueueUnavailable as err:
            raise click.ClickException(str(err)) from None
        job = _drive_with_bar(db, huey, job_id)
        files = jobs.report_files(db, job_id, current_app.config["REPORT_DIR"])
    finally:
        db.close()
    for name, path in files:
        shutil.copyfile(path, folder / name)
    for failure in job["failures"]:
        click.echo(f"Failed: {failure['code']}: {failure['error']}", err=True)
    click.echo(f"Wrote {len(files)} reports to {folder}.")
    if job["failures"]:
        raise click.ClickException(f"{len(job['failures'])} reports failed (run {job_id}); "
                                   "retry them from the admin's Reports page.")


def _drive_with_bar(db, huey, job_id: int) -> dict:
    """Drive the run in the foreground with a progress bar; the run's final progress."""
    total = db["jobs"].get(job_id)["total"]
    shown = {"n": 0}
    with click.progressbar(length=total, label="Rendering reports", show_eta=True,
                           show_pos=True) as bar:
        def step(p: dict) -> None:
            finished = p["done"] + p["failed"]
            bar.update(finished - shown["n"])
            shown["n"] = finished
            if p["status"] == "stalled" and p["message"]:
                bar.label = "Stalled: " + p["message"]
            else:
                bar.label = "Rendering reports"

        jobs.drive(db, huey, job_id, jobs.Folders(current_app.config["REPORT_DIR"],
                                                  current_app.config["UPLOAD_DIR"]), on_step=step)
    return jobs.progress(db, job_id)
