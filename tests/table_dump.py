"""A fingerprint of every table (row count and a hash of the rows), to prove nothing was written."""

from __future__ import annotations

import hashlib


def table_dump(db) -> dict[str, tuple[int, str]]:
    """{table: (row count, sha256 of its rows in key order)} for every table of the database."""
    dump = {}
    for name in db.table_names():
        digest = hashlib.sha256()
        count = 0
        # rowid, or the primary key of a WITHOUT ROWID table (the rollups)
        order = ", ".join(f'"{c}"' for c in db[name].pks) if db[name].pks != ["rowid"] else "rowid"
        for row in db.execute(f'SELECT * FROM "{name}" ORDER BY {order}'):  # noqa: S608 - ours
            digest.update(repr(row).encode())
            count += 1
        dump[name] = (count, digest.hexdigest())
    return dump


def changed_tables(before: dict, after: dict) -> list[str]:
    """Names of the tables whose rows differ between two dumps."""
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))
