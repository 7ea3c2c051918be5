"""CLI for criteria sets: import, export, score."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from audit.criteria_sets import versions as store
from audit.storage.db import open_db
from audit.vocabulary import LANGUAGES
from criteria.io import CriteriaError, dump_set, load_set
from criteria.model import CriteriaSet
from criteria.scoring import score_visit
from criteria.translations import missing_texts

criteria_cli = AppGroup("criteria", help="Criteria sets: import, export, score.")

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def _format(path: Path) -> str:
    """yaml or json, from the file name."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise click.ClickException(
            f"{path}: use a .yaml, .yml or .json file name, not '{path.suffix}'") from None


def _read_set(path: Path, consequence: str):
    """Load and validate a set file; every problem becomes one line of the error."""
    fmt = _format(path)
    try:
        return load_set(path.read_bytes(), fmt)  # criteria.io refuses more than MAX_BYTES
    except CriteriaError as err:
        # English, like the rest of the CLI; the web pages translate (audit/criteria_problems.py).
        lines = "\n".join(f"  {p}" for p in err.problems)
        raise click.ClickException(f"{path} has problems; {consequence}:\n{lines}") from None


def _db():
    """The app's database."""
    return open_db(current_app.config["DATABASE"])


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@criteria_cli.command("export")
@click.argument("key")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (.yaml or .json); default: standard output as YAML.")
@click.option("--version", "number", type=int, help="Version number (default: the current one).")
def export_command(key: str, output: Path | None, number: int | None) -> None:
    """Write a criteria set version as YAML or JSON.

    Example: flask --app app criteria export physical-store -o physical-store.yaml
    """
    db = _db()
    try:
        version_id = store.version_by_number(db, key, number)
        if version_id is None:
            what = f"version {number} of '{key}'" if number else f"a published version of '{key}'"
            raise click.ClickException(f"There is no {what}.")
        cs = store.version_set(db, version_id)
    finally:
        db.close()
    text = dump_set(cs, _format(output) if output else "yaml")
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {key} to {output}.", err=True)


@criteria_cli.command("import")
@click.argument("path", type=existing_file)
@click.option("--draft", is_flag=True, help="Keep the new version a draft instead of publishing.")
@click.option("--allow-missing-texts", is_flag=True,
              help="Publish even when texts lack a Polish or Russian version.")
def import_command(path: Path, draft: bool, allow_missing_texts: bool) -> None:
    """Import a set file: a new version of the set with its key, or a new set.

    Nothing is stored when the file has a problem; every problem is listed with its place.
    A set whose texts lack a language the app speaks is published only with
    --allow-missing-texts (the admin pages ask the same question before publishing).

    Example: flask --app app criteria import physical-store.yaml --draft
    """
    cs = _read_set(path, "nothing was imported")
    if not draft and not allow_missing_texts:
        _refuse_missing_texts(cs)
    db = _db()
    try:
        version_id, created = store.import_set(db, cs, publish=not draft)
        number = store.get_version(db, version_id)["number"]
    finally:
        db.close()
    state = "draft" if draft else "published"
    what = "new set" if created else "set"
    click.echo(f"Imported {what} {cs.key}: version {number} ({state}).")


def _refuse_missing_texts(cs: CriteriaSet) -> None:
    """Stop before publishing a set with untranslated texts, naming each one."""
    missing = missing_texts(cs, LANGUAGES)
    if not missing:
        return
    lines = [f"  {lang}: {m.where} ({m.field})" for lang, items in missing.items() for m in items]
    raise click.ClickException(
        "nothing was imported: these texts have no translation yet\n" + "\n".join(lines)
        + "\nTranslate them, import with --draft, or publish anyway with --allow-missing-texts.")


@criteria_cli.command("score")
@click.argument("set_path", metavar="SET.yaml", type=existing_file)
@click.argument("answers_path", metavar="ANSWERS.json", type=existing_file)
@click.option("--channel", type=click.Choice(["physical", "online"]),
              help="Score as a visit to this kind of store (criteria for the other are left out).")
def score_command(set_path: Path, answers_path: Path, channel: str | None) -> None:
    """Score answers against a set file and print the JSON summary.

    ANSWERS.json maps criterion keys to values (true/false, seconds, numbers, option keys,
    text, {"from": ..., "to": ...} for intervals, "n/a"). Answers that do not fit their
    criterion count as unanswered and are listed on standard error.

    Example: flask --app app criteria score physical-store.yaml answers.json
    """
    cs = _read_set(set_path, "nothing was scored")
    answers = _read_answers(answers_path)
    result = score_visit(cs, answers, channel=channel)
    unknown = sorted(set(answers) - {c.key for c in cs.criteria()})
    for label, keys in (("invalid", result.invalid), ("unanswered (required)", result.missing),
                        ("not in the set", unknown)):
        if keys:
            click.echo(f"warning: {label}: {', '.join(keys)}", err=True)
    click.echo(json.dumps(result.to_summary(), ensure_ascii=False))


def _read_answers(path: Path) -> dict:
    """The answers file: a JSON object of criterion key -> value."""
    try:
        answers = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise click.ClickException(f"{path}: not valid JSON: {err}") from None
    if not isinstance(answers, dict):
        raise click.ClickException(f"{path}: must be a JSON object of criterion key -> answer")
    return answers


@criteria_cli.command("list")
def list_command() -> None:
    """List the criteria sets with their current version and open draft.

    Example: flask --app app criteria list
    """
    db = _db()
    try:
        sets = store.list_sets(db)
    finally:
        db.close()
    for s in sets:
        current = f"v{s['current_number']}" if s["current_number"] else "unpublished"
        flags = [f for f, on in (("draft open", s["draft_id"]), ("archived", s["archived"])) if on]
        extra = f" ({', '.join(flags)})" if flags else ""
        click.echo(f"{s['key']}\t{current}\t{s['name'].get('en', '')}{extra}")
