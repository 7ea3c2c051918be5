"""Which stores a token sees: exactly what its user sees in the portal.

An admin sees every store; a manager the stores assigned to them, one by one or by region
(audit.stores.managed_store_ids_sql, the portal's own rule); a shopper nothing (403 earlier).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from audit.stores import managed_store_ids_sql
from audit.vocabulary import Role


@dataclass(frozen=True)
class Scope:
    """The stores of one user, as SQL selecting their ids and its parameters."""

    sql: str
    params: dict

    @classmethod
    def of(cls, user: dict) -> Scope:
        """The scope of a users row (admin or manager)."""
        if user["role"] == Role.ADMIN:
            return cls("SELECT id FROM stores", {})
        return cls(managed_store_ids_sql(), {"user_id": user["id"]})

    def stores(self, db: Database) -> list[dict]:
        """The stores in scope, by region and code."""
        sql = f"SELECT * FROM stores WHERE id IN ({self.sql}) ORDER BY region, code"  # noqa: S608
        return list(db.query(sql, self.params))

    def store(self, db: Database, store_id: int) -> dict | None:
        """The store if it is in scope, else None (the API answers 404 either way)."""
        sql = f"SELECT * FROM stores WHERE id = :store_id AND id IN ({self.sql})"  # noqa: S608
        return next(iter(db.query(sql, {**self.params, "store_id": store_id})), None)

    def store_ids(self, db: Database) -> list[int]:
        """Ids of the stores in scope."""
        return [r[0] for r in db.execute(self.sql, self.params)]
