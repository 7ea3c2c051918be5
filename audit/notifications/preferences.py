"""Which kinds of message each user receives: everything, less the kinds they turned off."""

from __future__ import annotations

from sqlite_utils import Database

from audit.notifications.kinds import Kind, kinds_for


def turned_off(db: Database, user_id: int) -> set[str]:
    """The kinds the user chose not to receive."""
    return {row[0] for row in db.execute(
        "SELECT kind FROM notification_optouts WHERE user_id = ?", [user_id]).fetchall()}


def wants(db: Database, user_id: int, kind: str) -> bool:
    """Whether the user still receives this kind."""
    return db.execute("SELECT 1 FROM notification_optouts WHERE user_id = ? AND kind = ?",
                      [user_id, kind]).fetchone() is None


def choose(db: Database, user_id: int, role: str, wanted: set[str]) -> None:
    """Keep exactly `wanted` of the kinds the user's role receives (one transaction)."""
    offered = [str(kind) for kind in kinds_for(role)]
    with db.atomic():
        db.execute("DELETE FROM notification_optouts WHERE user_id = ?", [user_id])
        for kind in offered:
            if kind not in wanted:
                db.execute("INSERT INTO notification_optouts (user_id, kind) VALUES (?, ?)",
                           [user_id, kind])


def unsubscribe(db: Database, user_id: int, kind: Kind | str) -> None:
    """Turn one kind off (the one-click link in every message); doing it twice is harmless."""
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO notification_optouts (user_id, kind) VALUES (?, ?)",
                   [user_id, str(kind)])
