"""Command line: thin click wrappers over the functions that do the work."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from audit.errors import DomainError
from audit.storage import rollups
from audit.storage.db import open_db, upgrade
from audit.users import create_user
from audit.vocabulary import Role

db_cli = AppGroup("db", help="Database schema.")
users_cli = AppGroup("users", help="User accounts.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema; safe to run again.

    Example: flask --app app db upgrade
    """
    # The app's start upgraded already; what it applied is this command's work to report.
    applied = current_app.extensions.pop("audit.migrations_applied", [])
    applied += upgrade(current_app.config["DATABASE"])
    if not applied:
        click.echo("Schema is up to date.")
        return
    click.echo(f"Applied {len(applied)} migrations:")
    for name in applied:
        click.echo(f"  {name}")


@db_cli.command("rebuild-rollups")
def db_rebuild_rollups() -> None:
    """Recompute the rollups (sums of published visits per store and month) from the visits.

    Example: flask --app app db rebuild-rollups
    """
    db = open_db(current_app.config["DATABASE"])
    try:
        rollups.rebuild(db)
        count = db.execute("SELECT COUNT(*) FROM rollup_visits").fetchone()[0]
    finally:
        db.close()
    click.echo(f"Rollups rebuilt: {count} store-month rows.")


@users_cli.command("create")
@click.option("--email", required=True, help="Login e-mail.")
@click.option("--name", default=None, help="Display name (default: the e-mail's local part).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--reviewer", is_flag=True, help="Admins only: may review and publish visits.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, name: str | None, role: str, reviewer: bool, password_stdin: bool):
    """Create a user account.

    Example: echo 's3cret-password' | flask --app app users create --role admin
    --email a@b.c --password-stdin
    """
    if not password_stdin:
        raise click.UsageError("Pass the password on standard input with --password-stdin.")
    password = sys.stdin.readline().rstrip("\n")
    db = open_db(current_app.config["DATABASE"])
    try:
        user_id = create_user(
            db, email=email, name=name or email.split("@")[0], role=role,
            password=password, is_reviewer=reviewer,
        )
    except DomainError as err:
        raise click.ClickException(f"{err.field}: {err.english}") from err
    finally:
        db.close()
    click.echo(f"Created {role} {email} (id {user_id}).")


def init_app(app: Flask) -> None:
    """Register every CLI group."""
    from audit.cli.api_tokens import api_token_cli
    from audit.cli.backup import backup_command, restore_command
    from audit.cli.criteria import criteria_cli
    from audit.cli.demo import demo_command
    from audit.cli.mail import mail_cli
    from audit.cli.reports import report_cli

    app.cli.add_command(criteria_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(api_token_cli)
