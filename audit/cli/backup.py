"""`flask backup` and `flask restore`: thin click wrappers over audit/storage/backup.py."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from audit.storage.backup import (
    BackupError,
    BackupInfo,
    Loss,
    backup_database,
    check_database,
    restore_database,
    submissions_lost,
)
from audit.storage.maintenance import fenced

FILE = click.Path(dir_okay=False, path_type=Path)


def _summary(info: BackupInfo) -> str:
    """One line a person can check: size, schema, and the rows that matter."""
    counts = ", ".join(f"{info.tables.get(t, 0)} {t}" for t in ("users", "stores", "visits"))
    return f"{info.path} ({info.bytes / 1024:.0f} KiB, {info.migrations[-1]}): {counts}"


@click.command("backup")
@click.argument("file", type=FILE)
@click.option("--force", is_flag=True, help="Replace FILE if it already exists.")
@with_appcontext
def backup_command(file: Path, force: bool) -> None:
    """Copy the database to FILE, consistently, while the app keeps serving.

    The copy is one self-contained SQLite file, checked with PRAGMA integrity_check.
    Uploaded photos (instance/uploads) are not in it: back them up with the files.

    Example: flask --app app backup /var/backups/audit/audit-$(date +%F).db
    """
    try:
        info = backup_database(current_app.config["DATABASE"], file, overwrite=force)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Backed up to {_summary(info)}")


@click.command("restore")
@click.argument("file", type=FILE)
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database with the backup in FILE.

    FILE must pass PRAGMA integrity_check and be a database of this app. While it runs, the app
    answers 503 (phones keep their data and send it again later) and the command says how many
    submissions received since the backup would be lost before it asks. The database it
    replaces is kept beside it as DATABASE.before-restore-<UTC time>, a new file each time:
    restore that file to undo. Migrations added since the backup are applied.

    Example: flask --app app restore /var/backups/audit/audit-2026-11-02.db
    """
    database = current_app.config["DATABASE"]
    try:
        check_database(file)
        if not Path(database).exists():
            restored = restore_database(file, database)
        else:
            with fenced(database, f"flask restore {file}") as fence:
                click.echo(f"The app answers 503 until this command ends ({fence} stands).")
                _tell_loss(submissions_lost(file, database))
                if not yes:
                    click.confirm("Replace the current database with this backup?", abort=True)
                restored = restore_database(file, database)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Restored {file} into {_summary(restored.info)}")
    if restored.kept:
        click.echo(f"The database it replaced is kept as {restored.kept};"
                   " restore that file to undo.")


def _tell_loss(loss: Loss) -> None:
    """Say what the restore would lose: the submissions received after the backup was taken."""
    moment = loss.backup_newest
    if not loss.visits:
        click.echo(f"The backup's newest change is from {moment}; no submission received"
                   " since then is missing from it.")
        return
    shown = ", ".join(str(v) for v in loss.visits[:20]) + (" ..." if len(loss.visits) > 20 else "")
    click.echo(f"WARNING: the backup's newest change is from {moment}. {len(loss.visits)}"
               f" submission(s) received since then will be lost from the database (visits"
               f" {shown}); they stay in the copy kept of the current database.")
