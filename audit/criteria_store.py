"""Criteria sets and their versions in the database. A version's definition is the set as JSON."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Flask
from sqlite_utils import Database

from audit.db import now, open_db
from criteria.io import load_set, set_from_dict, set_to_dict
from criteria.model import CriteriaSet

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "criteria" / "builtin"


@lru_cache(maxsize=256)
def _parse(definition: str) -> CriteriaSet:
    """Parse a stored definition once; a definition string never changes meaning."""
    return set_from_dict(json.loads(definition))


def version_set(db: Database, version_id: int) -> CriteriaSet:
    """The criteria set of one version."""
    row = db.execute(
        "SELECT definition FROM criteria_versions WHERE id = ?", [version_id]
    ).fetchone()
    if row is None:
        raise KeyError(version_id)
    return _parse(row[0])


def add_set(db: Database, cs: CriteriaSet, *, builtin: bool = False, user_id: int | None = None,
            publish: bool = True) -> int:
    """Store a new set with its first version; returns the version id."""
    with db.atomic():
        set_id = db["criteria_sets"].insert(
            {
                "key": cs.key,
                "name": json.dumps(cs.name, ensure_ascii=False),
                "channel": cs.channel,
                "builtin": int(builtin),
                "archived": 0,
                "created_at": now(),
            }
        ).last_pk
        return add_version(db, set_id, cs, user_id=user_id, publish=publish)


def add_version(db: Database, set_id: int, cs: CriteriaSet, *, user_id: int | None = None,
                publish: bool = False) -> int:
    """Add the next version of a set (a draft unless publish); returns its id."""
    with db.atomic():
        number = db.execute(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM criteria_versions WHERE set_id = ?", [set_id]
        ).fetchone()[0]
        stamp = now()
        version_id = db["criteria_versions"].insert(
            {
                "set_id": set_id,
                "number": number,
                "status": "published" if publish else "draft",
                "definition": json.dumps(set_to_dict(cs), ensure_ascii=False),
                "frozen": 0,
                "created_by": user_id,
                "created_at": stamp,
                "published_at": stamp if publish else None,
            }
        ).last_pk
        db.execute(
            "UPDATE criteria_sets SET name = ?, channel = ? WHERE id = ?",
            [json.dumps(cs.name, ensure_ascii=False), cs.channel, set_id],
        )
        return version_id


def current_version_id(db: Database, set_key: str) -> int | None:
    """The newest published version of a set, the one new visits use."""
    row = db.execute(
        """SELECT v.id FROM criteria_versions v JOIN criteria_sets s ON s.id = v.set_id
           WHERE s.key = ? AND v.status = 'published' ORDER BY v.number DESC LIMIT 1""",
        [set_key],
    ).fetchone()
    return row[0] if row else None


def freeze(db: Database, version_id: int) -> None:
    """Freeze a version once a visit uses it: from then on edits make a new draft."""
    db.execute("UPDATE criteria_versions SET frozen = 1 WHERE id = ? AND frozen = 0", [version_id])


def load_builtin_sets(db: Database) -> list[str]:
    """Add the sets shipped in criteria/builtin/ that the database does not have yet."""
    added = []
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        cs = load_set(path.read_text(encoding="utf-8"))
        if db["criteria_sets"].count_where("key = ?", [cs.key]) == 0:
            add_set(db, cs, builtin=True)
            added.append(cs.key)
    return added


def init_app(app: Flask) -> None:
    """Load the built-in sets on first start."""
    db = open_db(app.config["DATABASE"])
    try:
        load_builtin_sets(db)
    finally:
        db.close()
