"""The one cache of parsed criteria versions: stored definitions read as CriteriaSets.

Every reader of a version goes through version_sets(): the visit flow and the admin pages by way
of audit.criteria_sets.versions.version_set(), the reports directly. It lives in reports/ because
reports may import only criteria/ and audit.storage while audit may import reports, and criteria/
knows no database.

A version can no longer change once it is frozen (a visit uses it) or published, so those are
kept, by (database file, id, created_at, published_at): a database restored under the same name,
whose version of that id may differ, is not handed this one's set. An open draft is edited in
place (save_version), so it is parsed afresh on every read and never kept. A submit asked for its
version five times, and each time fetched and parsed its ~35 KB definition.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from sqlite_utils import Database

from audit.storage.db import database_file
from criteria.io import set_from_dict
from criteria.model import CriteriaSet

KEPT = 256

_kept: OrderedDict[tuple, CriteriaSet] = OrderedDict()
_lock = threading.Lock()


def version_sets(db: Database, version_ids: set[int] | list[int]) -> dict[int, CriteriaSet]:
    """The criteria set of each version id that exists; two queries at most."""
    if not version_ids:
        return {}
    ids = sorted(set(version_ids))
    marks = ",".join("?" * len(ids))
    sql = f"""SELECT id, status, frozen, created_at, published_at FROM criteria_versions
              WHERE id IN ({marks})"""  # noqa: S608
    rows = db.execute(sql, ids).fetchall()
    where = database_file(db)
    out: dict[int, CriteriaSet] = {}
    keys: dict[int, tuple | None] = {}
    with _lock:
        for vid, status, frozen, created_at, published_at in rows:
            # An in-memory database has no name to tell it from another: nothing is kept.
            fixed = bool(where) and not (status == "draft" and not frozen)
            keys[vid] = (where, vid, created_at, published_at) if fixed else None
            kept = _kept.get(keys[vid]) if fixed else None
            if kept is not None:
                _kept.move_to_end(keys[vid])
                out[vid] = kept
    missing = [vid for vid in keys if vid not in out]
    if missing:
        marks = ",".join("?" * len(missing))
        for vid, definition in db.execute(
                f"SELECT id, definition FROM criteria_versions WHERE id IN ({marks})",  # noqa: S608
                missing):
            out[vid] = set_from_dict(json.loads(definition))
        _keep({keys[vid]: out[vid] for vid in missing if keys[vid] is not None})
    return out


def _keep(parsed: dict[tuple, CriteriaSet]) -> None:
    """Keep newly parsed versions, dropping the least recently used beyond KEPT."""
    with _lock:
        _kept.update(parsed)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
