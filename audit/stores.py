"""Stores and who manages them. Each writing function is one transaction."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from audit.errors import N_, Invalid
from audit.storage.db import now
from audit.users import log_user_change

STORE_FIELDS = ("code", "name", "channel", "address", "url", "region", "latitude", "longitude")


def save_store(
    db: Database,
    store_id: int | None,
    fields: dict,
    manager_ids: list[int] | None = None,
    by: int | None = None,
) -> int:
    """Create (store_id None) or update a store and its managers (by: the admin doing it, for
    the managers' logs); a taken code is Invalid."""
    row = {k: fields.get(k) for k in STORE_FIELDS}
    row["code"] = (row["code"] or "").strip().upper()
    try:
        with db.atomic():
            if store_id is None:
                store_id = db["stores"].insert({**row, "created_at": now()}).last_pk
            else:
                db["stores"].update(store_id, row)
            if manager_ids is not None:
                _set_store_managers(db, store_id, row["code"], manager_ids, by)
    except sqlite3.IntegrityError as exc:
        raise Invalid("code_taken", N_("Another store already uses this code."),
                      field="code") from exc
    return store_id


def _set_store_managers(db: Database, store_id: int, code: str, manager_ids: list[int],
                        by: int | None) -> None:
    """Give the store these managers; each one added or removed gets a line in their log."""
    old = set(store_managers(db, store_id))
    db.execute("DELETE FROM store_managers WHERE store_id = ?", [store_id])
    for user_id in manager_ids:
        db["store_managers"].insert({"store_id": store_id, "user_id": user_id})
    for user_id in set(manager_ids) - old:
        log_user_change(db, user_id, by, {"store": [None, code]})
    for user_id in old - set(manager_ids):
        log_user_change(db, user_id, by, {"store": [code, None]})


def set_archived(db: Database, store_id: int, archived: bool) -> None:
    """Archive a store (no new visits) or bring it back."""
    with db.atomic():
        db["stores"].update(store_id, {"archived": int(archived)})


def set_manager_regions(db: Database, user_id: int, regions: list[str]) -> None:
    """Give a manager every store of these regions."""
    with db.atomic():
        db.execute("DELETE FROM region_managers WHERE user_id = ?", [user_id])
        for region in regions:
            db["region_managers"].insert({"region": region, "user_id": user_id})


def list_stores(db: Database, include_archived: bool = True) -> list[dict]:
    """All stores by region and code."""
    where = "" if include_archived else "WHERE archived = 0"
    return list(db.query(f"SELECT * FROM stores {where} ORDER BY region, code"))  # noqa: S608


def managed_store_ids_sql() -> str:
    """SQL selecting the ids of stores the manager :user_id sees (directly or by region)."""
    return (
        "SELECT store_id FROM store_managers WHERE user_id = :user_id "
        "UNION SELECT s.id FROM stores s JOIN region_managers r ON r.region = s.region "
        "WHERE r.user_id = :user_id"
    )


def regions(db: Database) -> list[str]:
    """The regions stores are in, in order: one step of the stores_region index per region (a
    loose index scan), not a read of every store (the review queue's filter, on each page)."""
    rows = db.execute("""WITH RECURSIVE r(region) AS (
        SELECT MIN(region) FROM stores
        UNION ALL SELECT (SELECT MIN(region) FROM stores WHERE region > r.region)
        FROM r WHERE r.region IS NOT NULL)
        SELECT region FROM r WHERE region IS NOT NULL""")
    return [row[0] for row in rows]


def manages_store_sql(alias: str = "s") -> str:
    """SQL true when the manager :user_id sees the store `alias` (the rule of
    managed_store_ids_sql, as a test of one row: a paged list checks only the rows it reads)."""
    return f"""(EXISTS (SELECT 1 FROM store_managers m WHERE m.store_id = {alias}.id
        AND m.user_id = :user_id) OR EXISTS (SELECT 1 FROM region_managers r
        WHERE r.region = {alias}.region AND r.user_id = :user_id))"""  # noqa: S608


def stores_for_manager(db: Database, user_id: int) -> list[dict]:
    """The stores a manager sees: assigned directly or through a region."""
    sql = f"SELECT * FROM stores WHERE id IN ({managed_store_ids_sql()}) ORDER BY region, code"  # noqa: S608
    return list(db.query(sql, {"user_id": user_id}))


def store_managers(db: Database, store_id: int) -> list[int]:
    """Ids of the managers assigned to a store directly."""
    rows = db.query("SELECT user_id FROM store_managers WHERE store_id = ?", [store_id])
    return [r["user_id"] for r in rows]


def manager_regions(db: Database, user_id: int) -> list[str]:
    """Regions a manager is given."""
    rows = db.query("SELECT region FROM region_managers WHERE user_id = ?", [user_id])
    return [r["region"] for r in rows]
