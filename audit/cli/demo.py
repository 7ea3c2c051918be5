"""The demo command: fill a database with demo people, stores and visits (audit/demo.py)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from audit import demo
from audit.storage.db import open_db


def _scaled_with_bar(db, options: demo.DemoOptions) -> dict:
    """The large data set, with a progress bar over its visits (minutes at 100,000)."""
    with click.progressbar(length=options.visits or 0, label="Adding visits", show_eta=True,
                           show_pos=True) as bar:
        return demo.generate_scaled(db, options, progress=bar.update)


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Delete existing users, stores and visits first.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when data exists.")
@click.option("--seed", default=1, show_default=True, help="Random seed, for the same data again.")
@click.option("--months", default=6, show_default=True, help="Months of published visits.")
@click.option("--stores", type=click.IntRange(min=1), default=None,
              help="Generate this many stores instead of the ten demo stores (benchmarks).")
@click.option("--visits", type=click.IntRange(min=0), default=None,
              help="With --stores: published visits in all, one a month per store.")
def demo_command(force: bool, if_empty: bool, seed: int, months: int, stores: int | None,
                 visits: int | None) -> None:
    """Fill an empty database with demo users, stores and visits.

    Example: flask --app app demo --seed 1
    At scale (benchmarks): flask --app app demo --stores 1000 --visits 100000 --seed 1
    """
    if (stores is None) != (visits is None):
        raise click.UsageError("--stores and --visits go together.")
    db = open_db(current_app.config["DATABASE"])
    try:
        if not demo.is_empty(db):
            if if_empty:
                click.echo("The database already has data; demo data not added.")
                if db["users"].count_where("email = ?", [demo.PEOPLE[0][0]]):
                    click.echo(demo.logins())
                return
            if not force:
                raise click.ClickException(
                    "The database is not empty. Use --force to replace its users, stores "
                    "and visits with demo data."
                )
            demo.clear(db)
        options = demo.DemoOptions(seed=seed, months=months, stores=stores, visits=visits)
        counts = (_scaled_with_bar(db, options) if stores is not None
                  else demo.generate(db, options))
    finally:
        db.close()
    click.echo(f"Demo data: {counts['users']} users, {counts['stores']} stores, "
               f"{counts['visits']} visits.")
    click.echo(demo.logins())
