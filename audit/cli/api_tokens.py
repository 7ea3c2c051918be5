"""flask api-token: make a token of the JSON API for a user (printed once, stored hashed)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from audit.api_tokens import create_token, user_by_email
from audit.errors import DomainError
from audit.storage.db import open_db
from audit.vocabulary import Role

api_token_cli = AppGroup("api-token", help="Tokens of the JSON API (/api/v1/).")


@api_token_cli.command("create")
@click.argument("email")
@click.option("--name", default="command line", show_default=True,
              help="What the token is for; shown on the user's tokens page.")
def create(email: str, name: str) -> None:
    """Make a token for the user with EMAIL and print it (it is shown only this once).

    Example: flask --app app api-token create anna.nowak@demo.example.com --name "Power BI"
    """
    db = open_db(current_app.config["DATABASE"])
    try:
        user = user_by_email(db, email)
        _id, secret = create_token(db, user["id"], name)
    except DomainError as err:
        raise click.ClickException(err.english) from err
    finally:
        db.close()
    if user["role"] == Role.SHOPPER:
        click.echo("Note: shoppers have no access to the API; this token answers 403.", err=True)
    click.echo(secret)
