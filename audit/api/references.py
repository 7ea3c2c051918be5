"""How the API names a visit to the outside, in one place.

For now a visit's reference is its id as text. The id is sequential, so a later step gives
managers a non-sequential public reference; switching is a change here alone (the schema
already says "an opaque string").
"""

from __future__ import annotations


def visit_ref(visit_id: int) -> str:
    """The public reference of a visit."""
    return str(visit_id)


def visit_id_of(ref: str) -> int | None:
    """The visit a reference names, or None when it cannot be one."""
    return int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 19 else None
