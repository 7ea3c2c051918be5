"""How the API names a visit to the outside, in one place: its random `ref` (m014), never its
sequential id, which would tell a manager which visits one shopper made in a row."""

from __future__ import annotations

from sqlite_utils import Database


def visit_ref(db: Database, visit_id: int) -> str | None:
    """The public reference of a visit."""
    row = db.execute("SELECT ref FROM visits WHERE id = ?", [visit_id]).fetchone()
    return row[0] if row else None


def visit_id_of(db: Database, ref: str) -> int | None:
    """The visit a reference names, or None."""
    if not (ref.isascii() and ref.isalnum() and len(ref) <= 64):
        return None
    row = db.execute("SELECT id FROM visits WHERE ref = ?", [ref]).fetchone()
    return row[0] if row else None
