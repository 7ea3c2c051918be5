"""The kinds of message the app sends, and who receives each kind."""

from __future__ import annotations

from enum import StrEnum

from audit.vocabulary import Role


class Kind(StrEnum):
    """One kind of message; a user may turn each kind off."""

    VISIT_PUBLISHED = "visit_published"
    VISIT_ALERT = "visit_alert"
    VISIT_ASSIGNED = "visit_assigned"
    VISIT_RESCHEDULED = "visit_rescheduled"
    VISIT_CANCELLED = "visit_cancelled"
    VISIT_RETURNED = "visit_returned"


AUDIENCE: dict[Kind, Role] = {
    Kind.VISIT_PUBLISHED: Role.MANAGER,
    Kind.VISIT_ALERT: Role.MANAGER,
    Kind.VISIT_ASSIGNED: Role.SHOPPER,
    Kind.VISIT_RESCHEDULED: Role.SHOPPER,
    Kind.VISIT_CANCELLED: Role.SHOPPER,
    Kind.VISIT_RETURNED: Role.SHOPPER,
}


def kinds_for(role: str) -> list[Kind]:
    """The kinds a user of this role may receive, in the order the preferences page shows."""
    return [kind for kind, audience in AUDIENCE.items() if audience == role]
