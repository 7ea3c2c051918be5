"""Who receives a message about a store or a visit."""

from __future__ import annotations

from sqlite_utils import Database


def store_managers(db: Database, store_id: int) -> list[int]:
    """The active managers of a store: assigned to it, or to its whole region."""
    return [row[0] for row in db.execute(
        """SELECT u.id FROM users u
           WHERE u.role = 'manager' AND u.active = 1 AND (
               u.id IN (SELECT user_id FROM store_managers WHERE store_id = :store)
               OR u.id IN (SELECT r.user_id FROM region_managers r
                           JOIN stores s ON s.region = r.region WHERE s.id = :store))
           ORDER BY u.id""", {"store": store_id}).fetchall()]
