"""`mystery-audit`: the installed app's Flask CLI, with no `--app` to give.

Example: mystery-audit db upgrade; mystery-audit users create --role admin ...; mystery-audit run
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    """The app, built the way gunicorn's 'audit:create_app()' builds it."""
    from audit import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Mystery audit: schema, users, demo data, criteria sets, reports, backups, a dev server."""
