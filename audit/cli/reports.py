"""CLI for reports: one store's PDF, or every store's. Thin wrappers over reports/."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from audit import prerender
from audit import report_runs as jobs
from audit.storage.db import open_db
from audit.vocabulary import LANGUAGES
from reports import aggregate, local_run, queue, render
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
@click.option("--local", "where", flag_value="local",
              help="Render here, over a pool of processes, even if workers run.")
@click.option("--queue", "where", flag_value="queue",
              help="Render on the workers; stop with a message if none is running.")
@click.option("--processes", type=click.IntRange(min=1), default=None,
              help="With local rendering: processes (default: one per core).")
def report_all(start: datetime, end: datetime, out_dir: str, lang: str, region: str | None,
               where: str | None, processes: int | None) -> None:
    """Write the PDF audit report of every store that is not archived.

    When a render worker is running (`make worker`, or `python -m reports.worker` on each
    render machine), the workers render, as for the admin's Reports page. When none has been
    seen for AUDIT_WORKER_TIMEOUT seconds, this command renders here over a pool of processes
    (--local forces that, --queue forbids it). Either way it shows the progress and copies the
    PDFs. Reports already cached are not rendered again.

    Example: flask --app app report all --from 2026-01-01 --to 2026-06-30 --out reports/
    """
    period = _period(start, end)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    db = open_db(current_app.config["DATABASE"])
    try:
        stores = jobs.stores_for_run(db, region)
        if _render_here(where):
            files, failures = _render_locally(db, stores, period, lang, processes)
            retry = "run the command again"
        else:
            files, failures, job_id = _render_on_queue(db, stores, period, lang, region)
            retry = f"run {job_id}; retry them from the admin's Reports page"
    finally:
        db.close()
    for name, path in files:
        shutil.copyfile(path, folder / name)
    for code, error in failures:
        click.echo(f"Failed: {code}: {error}", err=True)
    click.echo(f"Wrote {len(files)} reports to {folder}.")
    if failures:
        raise click.ClickException(f"{len(failures)} reports failed ({retry}).")


def _render_here(where: str | None) -> bool:
    """Whether to render in this process: asked to, or no worker is running (said so)."""
    if where == "local":
        return True
    huey = jobs.queue_for(current_app.config)
    timeout = current_app.config["WORKER_TIMEOUT"]
    try:
        running = queue.worker_running(huey, timeout)
    except queue.queue_errors() as err:
        if where == "queue":
            raise click.ClickException(queue.unavailable_message(huey.settings, err)) from None
        click.echo(f"{queue.unavailable_message(huey.settings, err)} Rendering here.", err=True)
        return True
    if running:
        return False
    if where == "queue":
        raise click.ClickException(
            f"No render worker is running (none seen for {timeout:g} s on {huey.settings.where})."
            " Start one with `python -m reports.worker` (or `make worker`), or leave out --queue"
            " to render here.")
    click.echo(f"No render worker is running (none seen for {timeout:g} s): rendering here. "
               "Start `python -m reports.worker` to render on workers instead.", err=True)
    return True


def _render_locally(db, stores: list[int], period: Period, lang: str,
                    processes: int | None) -> tuple[list, list]:
    """Render in this process over a pool; (archive name, file) pairs and (code, error) pairs."""
    with click.progressbar(length=len(stores), label="Rendering reports here", show_eta=True,
                           show_pos=True) as bar:
        shown = {"n": 0}

        def step(run: local_run.LocalRun) -> None:
            bar.update(run.finished - shown["n"])
            shown["n"] = run.finished

        run = local_run.render_stores(db, stores, period, lang,
                                      report_dir=current_app.config["REPORT_DIR"],
                                      upload_dir=current_app.config["UPLOAD_DIR"],
                                      processes=processes, on_step=step)
    codes = {r["id"]: r["code"] for r in db.query("SELECT id, code FROM stores")}
    files = sorted((f"{render.safe_name(codes[s])}-{period.start}-{period.end}.pdf", path)
                   for s, path in run.files.items())
    return files, sorted((codes[s], error) for s, error in run.failures.items())


def _render_on_queue(db, stores: list[int], period: Period, lang: str,
                     region: str | None) -> tuple[list, list, int]:
    """A run through the queue, driven here; files, failures and the run's id."""
    huey = jobs.queue_for(current_app.config)
    try:
        job_id = jobs.start(db, huey, stores, period, lang, user_id=None, region=region)
    except queue.QueueUnavailable as err:
        raise click.ClickException(str(err)) from None
    job = _drive_with_bar(db, huey, job_id)
    files = jobs.report_files(db, job_id, current_app.config["REPORT_DIR"])
    return files, [(f["code"], f["error"]) for f in job["failures"]], job_id


NO_WORKER_ANY_MORE = ("Waiting: no render worker is running any more. Start "
                      "`python -m reports.worker`, or stop (Ctrl-C) and run again with --local")


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
                label = "Stalled: " + p["message"]
            elif not p["finished"] and not jobs.worker_running(current_app.config):
                label = NO_WORKER_ANY_MORE  # the worker went away mid-run: never wait silently
            else:
                label = "Rendering reports"
            if label != bar.label and label != "Rendering reports":
                click.echo(label, err=True)  # a line of its own: no terminal shows the bar
            bar.label = label

        jobs.drive(db, huey, job_id, jobs.Folders(current_app.config["REPORT_DIR"],
                                                  current_app.config["UPLOAD_DIR"]), on_step=step)
    return jobs.progress(db, job_id)


@report_cli.command("prerender")
def report_prerender() -> None:
    """Pre-render the reports of publishes not handled yet, and wait for them.

    A publish re-renders its store's default-period reports in the background; a web process
    that stopped before doing so leaves them to the next publish, or to this command. Needs a
    running render worker. Example: flask --app app report prerender
    """
    config = current_app.config
    if not (jobs.queue_for(config).immediate or jobs.worker_running(config)):
        raise click.ClickException(
            "No render worker runs: start one (python -m reports.worker), then run this again.")
    db = open_db(config["DATABASE"])
    try:
        caught = prerender.handle(config, db, foreground=True)
    finally:
        db.close()
    click.echo(f"Pre-rendered the reports of {len(caught.jobs)} run(s) and the summaries of "
               f"{len(caught.regions)} region(s).")
