"""Criteria sets and their versions in the database. A version's definition is the set as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlite_utils import Database

from audit.errors import Conflict, Invalid
from audit.storage.db import now, open_db
from criteria.io import CriteriaError, Problem, load_set, set_from_dict, set_to_dict
from criteria.model import CriteriaSet
from criteria.problems import N_
from criteria.translations import missing_texts
from reports.versions import version_sets

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "criteria" / "builtin"
# Shown in the admin's language where the problem is shown (audit/criteria_problems.py).
KEY_TAKEN = N_("a set with the key '%(key)s' already exists")


def version_set(db: Database, version_id: int) -> CriteriaSet:
    """The criteria set of one version (from the one cache of parsed versions); KeyError if none."""
    found = version_sets(db, {version_id})
    if version_id not in found:
        raise KeyError(version_id)
    return found[version_id]


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
    """Add the sets shipped in criteria/builtin/ that the database does not have yet.

    A built-in set an admin never edited (it has only version 1) that differs from the one
    shipped gets the shipped one as version 2, published: new visits use it, and the visits of
    version 1 keep their version and their scores.
    """
    added = []
    sets = [load_set(path.read_text(encoding="utf-8"))
            for path in sorted(BUILTIN_DIR.glob("*.yaml"))]
    # One transaction from the look to the insert: workers that start together on a new
    # database would otherwise both add a set, and the second would fail on its unique key.
    with db.atomic():
        for cs in sets:
            if db["criteria_sets"].count_where("key = ?", [cs.key]) == 0:
                add_set(db, cs, builtin=True)
                added.append(cs.key)
            elif _shipped_is_newer(db, cs):
                set_id = db.execute("SELECT id FROM criteria_sets WHERE key = ?",
                                    [cs.key]).fetchone()[0]
                add_version(db, set_id, cs, publish=True)
                added.append(cs.key)
    return added


def _shipped_is_newer(db: Database, cs: CriteriaSet) -> bool:
    """Whether a built-in set still has only the version it first shipped with, and the set
    shipped now differs from it."""
    rows = db.execute(
        """SELECT v.definition FROM criteria_versions v JOIN criteria_sets s ON s.id = v.set_id
           WHERE s.key = ? AND s.builtin = 1""", [cs.key]).fetchall()
    return len(rows) == 1 and json.loads(rows[0][0]) != set_to_dict(cs)


# ---------------------------------------------------------------- the admin's work on sets


def _draft_open(draft_id: int, number: int) -> Conflict:
    """An edit of a published version while the set already has an open draft (nothing written).

    details["draft_id"] is the draft to make the change in.
    """
    return Conflict("draft_open", N_("Version %(n)s is already a draft: make your change there."),
                    details={"draft_id": draft_id}, n=number)


def _dumps(cs: CriteriaSet) -> str:
    """A set as the JSON stored in criteria_versions.definition."""
    return json.dumps(set_to_dict(cs), ensure_ascii=False)


def get_version(db: Database, version_id: int) -> dict | None:
    """One version row with its set's key and archived flag, or None."""
    rows = list(db.query(
        """SELECT v.*, s.key AS set_key, s.archived, s.builtin,
                  (SELECT COUNT(*) FROM visits WHERE version_id = v.id) AS visits
           FROM criteria_versions v JOIN criteria_sets s ON s.id = v.set_id WHERE v.id = ?""",
        [version_id],
    ))
    return rows[0] if rows else None


def get_set(db: Database, set_id: int) -> dict | None:
    """One criteria_sets row with its name parsed, or None."""
    rows = list(db.query("SELECT * FROM criteria_sets WHERE id = ?", [set_id]))
    return {**rows[0], "name": json.loads(rows[0]["name"])} if rows else None


def set_id_of(db: Database, set_key: str) -> int | None:
    """The id of the set with this key, or None."""
    row = db.execute("SELECT id FROM criteria_sets WHERE key = ?", [set_key]).fetchone()
    return row[0] if row else None


def list_versions(db: Database, set_id: int) -> list[dict]:
    """A set's versions, newest first, with how many visits use each and which is current."""
    rows = list(db.query(
        """SELECT v.id, v.number, v.status, v.frozen, v.created_at, v.published_at,
                  (SELECT COUNT(*) FROM visits WHERE version_id = v.id) AS visits
           FROM criteria_versions v WHERE v.set_id = ? ORDER BY v.number DESC""",
        [set_id],
    ))
    current = next((r["id"] for r in rows if r["status"] == "published"), None)
    return [{**r, "current": r["id"] == current} for r in rows]


def list_sets(db: Database, *, include_archived: bool = True) -> list[dict]:
    """Every set with its current (newest published) version and its open draft, by key."""
    where = "" if include_archived else "WHERE s.archived = 0"
    rows = db.query(
        f"""SELECT s.*,
              (SELECT id FROM criteria_versions WHERE set_id = s.id AND status = 'published'
               ORDER BY number DESC LIMIT 1) AS current_version_id,
              (SELECT number FROM criteria_versions WHERE set_id = s.id AND status = 'published'
               ORDER BY number DESC LIMIT 1) AS current_number,
              (SELECT id FROM criteria_versions WHERE set_id = s.id AND status = 'draft'
               AND frozen = 0 ORDER BY number DESC LIMIT 1) AS draft_id
            FROM criteria_sets s {where} ORDER BY s.archived, s.key"""  # noqa: S608
    )
    return [{**r, "name": json.loads(r["name"])} for r in rows]


def offered_sets(db: Database, channel: str | None = None) -> list[dict]:
    """Sets that new visits may use: not archived, with a published version (for scheduling)."""
    return [s for s in list_sets(db, include_archived=False)
            if s["current_version_id"] and (channel is None or s["channel"] in (channel, "any"))]


def open_draft(db: Database, set_id: int) -> int | None:
    """The set's draft that is still editable (never used by a visit), or None."""
    row = db.execute(
        """SELECT id FROM criteria_versions WHERE set_id = ? AND status = 'draft' AND frozen = 0
           ORDER BY number DESC LIMIT 1""",
        [set_id],
    ).fetchone()
    return row[0] if row else None


def version_by_number(db: Database, set_key: str, number: int | None = None) -> int | None:
    """The id of version `number` of a set; without a number, its current version."""
    if number is None:
        return current_version_id(db, set_key)
    row = db.execute(
        """SELECT v.id FROM criteria_versions v JOIN criteria_sets s ON s.id = v.set_id
           WHERE s.key = ? AND v.number = ?""",
        [set_key, number],
    ).fetchone()
    return row[0] if row else None


def save_version(db: Database, version_id: int, cs: CriteriaSet, *,
                 user_id: int | None = None) -> int:
    """Write an edited set; returns the id of the version that now holds it.

    An open draft is changed in place. Anything else (a published version, or one frozen because
    a visit uses it) is left exactly as it is and the edit becomes a new draft, so visits made
    against it keep their definition and scores. Raises Conflict("draft_open") when the set
    already has an open draft (one draft at a time), and Invalid when the key differs.
    """
    with db.atomic():
        row = get_version(db, version_id)
        if row is None:
            raise KeyError(version_id)
        if cs.key != row["set_key"]:
            raise Invalid("key_changed", N_("the set key cannot change (it is '%(key)s')"),
                          field="key", key=row["set_key"])
        if row["status"] == "draft" and not row["frozen"]:
            db.execute("UPDATE criteria_versions SET definition = ? WHERE id = ?",
                       [_dumps(cs), version_id])
            _touch_set(db, row["set_id"], cs)
            return version_id
        draft = open_draft(db, row["set_id"])
        if draft is not None:
            raise _draft_open(draft, get_version(db, draft)["number"])
        return add_version(db, row["set_id"], cs, user_id=user_id)


def _touch_set(db: Database, set_id: int, cs: CriteriaSet) -> None:
    """Keep the set row's name and channel in step with its newest definition."""
    db.execute("UPDATE criteria_sets SET name = ?, channel = ? WHERE id = ?",
               [json.dumps(cs.name, ensure_ascii=False), cs.channel, set_id])


def publish_version(db: Database, version_id: int, *,
                    languages_required: tuple[str, ...] = ()) -> None:
    """Publish a draft: it becomes the current version, the one new visits use.

    With `languages_required`, a draft whose texts lack one of them is refused (Conflict
    "missing_texts", details: {language: [MissingText, ...]}) so the admin can confirm first.
    """
    with db.atomic():
        row = get_version(db, version_id)
        if row is None or row["status"] != "draft":
            raise Conflict("not_a_draft", N_("Only a draft can be published."))
        missing = missing_texts(version_set(db, version_id), languages_required)
        if missing:
            raise Conflict("missing_texts", N_("Some texts of this version are not translated."),
                           details=missing)
        db.execute(
            "UPDATE criteria_versions SET status = 'published', published_at = ? WHERE id = ?",
            [now(), version_id],
        )


def duplicate_set(db: Database, version_id: int, key: str, name: dict[str, str], *,
                  user_id: int | None = None) -> int:
    """Copy a version into a new set with its own key and name, as a draft; returns the draft id.

    Raises CriteriaError when the key or name is not valid or the key is taken.
    """
    data = {**set_to_dict(version_set(db, version_id)), "key": key, "name": name}
    cs = set_from_dict(data)
    with db.atomic():
        if set_id_of(db, key) is not None:
            raise CriteriaError([Problem.of("key", KEY_TAKEN, key=key)])
        return add_set(db, cs, user_id=user_id, publish=False)


def new_set(db: Database, key: str, name_en: str, channel: str, *,
            user_id: int | None = None) -> int:
    """Start a set from a one-question template, as a draft; returns the draft's id.

    Raises CriteriaError when the key is not valid or already taken.
    """
    cs = set_from_dict({
        "key": key, "name": {"en": name_en}, "channel": channel,
        "sections": [{"key": "general", "title": {"en": "General"}, "criteria": [
            {"key": "first_question", "type": "yes_no", "text": {"en": "Replace this question"}},
        ]}],
    })
    with db.atomic():
        if set_id_of(db, key) is not None:
            raise CriteriaError([Problem.of("key", KEY_TAKEN, key=key)])
        return add_set(db, cs, user_id=user_id, publish=False)


def set_archived(db: Database, set_id: int, archived: bool) -> None:
    """Archive a set (no longer offered for new visits) or bring it back."""
    with db.atomic():
        db.execute("UPDATE criteria_sets SET archived = ? WHERE id = ?", [int(archived), set_id])


def import_set(db: Database, cs: CriteriaSet, *, user_id: int | None = None,
               publish: bool = True) -> tuple[int, bool]:
    """Store an imported set: a new version when its key exists, else a new set.

    Returns (version id, whether the set is new). An open draft of the set is replaced by the
    import rather than left behind an older number.
    """
    with db.atomic():
        set_id = set_id_of(db, cs.key)
        if set_id is None:
            return add_set(db, cs, user_id=user_id, publish=publish), True
        draft = open_draft(db, set_id)
        if draft is None:
            return add_version(db, set_id, cs, user_id=user_id, publish=publish), False
        save_version(db, draft, cs, user_id=user_id)
        if publish:
            publish_version(db, draft)
        return draft, False


# ---------------------------------------------------------------- draft editing
# Edits work on the plain dict of a version (as in a file): change it, validate the whole set
# with criteria.io, then write it in one transaction. A change that leaves the set invalid
# raises CriteriaError and writes nothing.

Change = Callable[[dict], None]


def version_dict(db: Database, version_id: int) -> dict:
    """A version's set as the plain dict a file holds, ready to change."""
    return set_to_dict(version_set(db, version_id))


def save_dict(db: Database, version_id: int, data: dict, *, user_id: int | None = None) -> int:
    """Validate a changed dict (CriteriaError lists every problem) and save it (save_version)."""
    return save_version(db, version_id, set_from_dict(data), user_id=user_id)


def edit_version(db: Database, version_id: int, change: Change, *,
                 user_id: int | None = None) -> int:
    """Apply `change` to a version's dict, validate, save (see save_version); returns the id."""
    data = version_dict(db, version_id)
    change(data)
    return save_dict(db, version_id, data, user_id=user_id)


def _find(data: dict, kind: str, key: str) -> tuple[list, int]:
    """The list holding a section or criterion with this key, and its index; KeyError if none."""
    for section in data["sections"]:
        if kind == "section" and section["key"] == key:
            return data["sections"], data["sections"].index(section)
        for i, criterion in enumerate(section["criteria"]):
            if kind == "criterion" and criterion["key"] == key:
                return section["criteria"], i
    raise KeyError(key)


def move(kind: str, key: str, step: int) -> Change:
    """A change moving a section or criterion one place up (-1) or down (+1) within its list.

    A criterion moved past the top or bottom of its section goes to the end of the previous
    section or the start of the next one, so a criterion can change sections without JavaScript.
    """

    def change(data: dict) -> None:
        items, i = _find(data, kind, key)
        j = i + step
        if 0 <= j < len(items):
            items[i], items[j] = items[j], items[i]
            return
        if kind == "criterion":
            sections = data["sections"]
            s = next(n for n, sec in enumerate(sections) if sec["criteria"] is items)
            if 0 <= s + step < len(sections):
                target = sections[s + step]["criteria"]
                moved = items.pop(i)
                target.insert(len(target) if step < 0 else 0, moved)

    return change


def remove(kind: str, key: str) -> Change:
    """A change removing a section (with its criteria) or a criterion."""

    def change(data: dict) -> None:
        items, i = _find(data, kind, key)
        del items[i]

    return change


# Fields the editor's forms do not show yet: an edit keeps them as they were.
KEPT_ON_EDIT = ("show_if", "evidence", "photos", "currency")


def _keep(old: dict, raw: dict) -> None:
    """Carry over into `raw` the fields of `old` that the editor's form does not edit."""
    for name in KEPT_ON_EDIT:
        if name in old and name not in raw:
            raw[name] = old[name]


def put_criterion(section_key: str, old_key: str | None, raw: dict) -> Change:
    """A change replacing criterion `old_key` by `raw`, or adding it at the end of a section."""

    def change(data: dict) -> None:
        if old_key is not None:
            items, i = _find(data, "criterion", old_key)
            _keep(items[i], raw)
            items[i] = raw
        else:
            items, i = _find(data, "section", section_key)
            items[i].setdefault("criteria", []).append(raw)

    return change


def put_section(old_key: str | None, raw: dict) -> Change:
    """A change replacing section `old_key`'s key, title and weight, or adding a section."""

    def change(data: dict) -> None:
        if old_key is None:
            data["sections"].append(raw)
            return
        items, i = _find(data, "section", old_key)
        # raw itself goes in, so the caller can find it again to place problems.
        raw["criteria"] = items[i]["criteria"]
        _keep(items[i], raw)
        items[i] = raw

    return change


def put_details(raw: dict) -> Change:
    """A change replacing the set's name, description, channel, pass mark and knock-out scope."""

    def change(data: dict) -> None:
        for name in ("name", "description", "channel", "pass_mark", "knockout_scope"):
            data.pop(name, None)
            if raw.get(name) not in (None, {}):
                data[name] = raw[name]

    return change


class _App(Protocol):
    """What init_app needs of the Flask app: its config (this module imports no Flask)."""

    config: dict[str, Any]


def init_app(app: _App) -> None:
    """Load the built-in sets on first start."""
    db = open_db(app.config["DATABASE"])
    try:
        load_builtin_sets(db)
    finally:
        db.close()
