"""`flask backup` and `flask restore`: thin click wrappers over audit/backup.py."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from audit.storage.backup import (
    BackupError,
    BackupInfo,
    backup_database,
    previous_copy,
    restore_database,
)

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
@click.option("--yes", is_flag=True, help="Replace the current database without asking again.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database with the backup in FILE.

    FILE must pass PRAGMA integrity_check and be a database of this app. The database it
    replaces is kept beside it as DATABASE.before-restore; migrations added since the backup
    are applied.

    Example: flask --app app restore --yes /var/backups/audit/audit-2026-11-02.db
    """
    database = current_app.config["DATABASE"]
    try:
        info = restore_database(file, database, replace=yes)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Restored {file} into {_summary(info)}")
    click.echo(f"The database it replaced is kept as {previous_copy(database)}.")
