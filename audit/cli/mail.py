"""CLI for e-mail: deliver the outbox now. Thin wrappers over audit/mail."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from audit.mail.delivery import deliver_due, scan_reminders

mail_cli = AppGroup("mail", help="E-mail notifications (the outbox).")


@mail_cli.command("deliver")
def mail_deliver() -> None:
    """Write the reminders due now and send the due e-mails once (the mail worker does this
    every few seconds).

    Example: AUDIT_SMTP_URL=smtp://127.0.0.1:1025 flask --app app mail deliver
    """
    if not current_app.config.get("SMTP_URL"):
        click.echo("AUDIT_SMTP_URL is not set: e-mails wait in the outbox.")
    reminded = scan_reminders(current_app)
    done = deliver_due(current_app)
    click.echo(f"Reminders written: {reminded}. Events read: {done.events}; sent: {done.sent}, "
               f"to retry: {done.retried}, failed: {done.failed}, not sent: {done.skipped}.")
    for error in dict.fromkeys(done.errors):
        click.echo(f"  {error}", err=True)
