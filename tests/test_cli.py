"""The CLI: schema, users, and help on every command."""

import click

from audit.storage.db import open_db
from audit.storage.migrations import migrations


def test_first_db_upgrade_of_a_new_database_lists_what_it_applied(app, runner):
    # The app's start upgraded the brand-new file; the command reports that work.
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    names = [m.name for m in migrations.applied(open_db(app.config["DATABASE"]))]
    assert f"Applied {len(names)} migrations:" in result.output
    assert all(f"  {name}\n" in result.output for name in names), result.output
    assert "m001_initial" in names


def test_db_upgrade_twice_changes_nothing(app, runner):
    db = open_db(app.config["DATABASE"])
    schema = db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    applied = [m.name for m in migrations.applied(db)]
    runner.invoke(args=["db", "upgrade"])  # the first reports what the app's start applied
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Schema is up to date." in result.output
    assert db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert [m.name for m in migrations.applied(db)] == applied
    db.close()


def test_database_uses_wal_and_foreign_keys(db):
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_users_create_reads_the_password_from_stdin(app, runner, db):
    result = runner.invoke(
        args=["users", "create", "--role", "admin", "--email", "a@b.co", "--password-stdin"],
        input="a-very-long-password\n",
    )
    assert result.exit_code == 0, result.output
    row = next(db.query("SELECT * FROM users WHERE email = 'a@b.co'"))
    assert row["role"] == "admin" and row["password_hash"].startswith("scrypt:")


def test_users_create_refuses_a_duplicate_email_clearly(runner, db):
    args = ["users", "create", "--role", "shopper", "--email", "x@b.co", "--password-stdin"]
    assert runner.invoke(args=args, input="a-very-long-password\n").exit_code == 0
    result = runner.invoke(args=args, input="a-very-long-password\n")
    assert result.exit_code == 1
    assert "A user with this e-mail already exists." in result.output
    assert "Traceback" not in result.output


def test_users_create_refuses_a_short_password(runner, db):
    args = ["users", "create", "--role", "shopper", "--email", "y@b.co", "--password-stdin"]
    result = runner.invoke(args=args, input="short\n")
    assert result.exit_code == 1 and "at least 10 characters" in result.output
    assert db["users"].count == 0


def _commands(group, prefix=()):
    """Every leaf command with its path."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command




def test_every_command_of_ours_has_help_with_an_example(app):
    ours = {k: v for k, v in app.cli.commands.items()}
    assert ours, "no commands registered"
    for path, command in _commands(click.Group(commands=ours)):
        assert command.help, path
        assert "Example:" in command.help, path
