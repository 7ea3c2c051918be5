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
    VISIT_OVERDUE = "visit_overdue"
    ACTION_DUE = "action_due"
    ACTION_OVERDUE = "action_overdue"
    REVIEW_DIGEST = "review_digest"
    MONTHLY_REPORTS = "monthly_reports"


AUDIENCE: dict[Kind, Role] = {
    Kind.VISIT_PUBLISHED: Role.MANAGER,
    Kind.VISIT_ALERT: Role.MANAGER,
    Kind.VISIT_ASSIGNED: Role.SHOPPER,
    Kind.VISIT_RESCHEDULED: Role.SHOPPER,
    Kind.VISIT_CANCELLED: Role.SHOPPER,
    Kind.VISIT_RETURNED: Role.SHOPPER,
    Kind.VISIT_OVERDUE: Role.SHOPPER,
    Kind.ACTION_DUE: Role.MANAGER,
    Kind.ACTION_OVERDUE: Role.MANAGER,
    Kind.REVIEW_DIGEST: Role.ADMIN,  # admins with the reviewer permission
    Kind.MONTHLY_REPORTS: Role.MANAGER,
}
# Kinds about a visit (their payload has visit_id), and about a corrective action (action_id).
VISIT_KINDS = frozenset({Kind.VISIT_PUBLISHED, Kind.VISIT_ALERT, Kind.VISIT_ASSIGNED,
                         Kind.VISIT_RESCHEDULED, Kind.VISIT_CANCELLED, Kind.VISIT_RETURNED,
                         Kind.VISIT_OVERDUE})
ACTION_KINDS = frozenset({Kind.ACTION_DUE, Kind.ACTION_OVERDUE})


def kinds_for(role: str) -> list[Kind]:
    """The kinds a user of this role may receive, in the order the preferences page shows."""
    return [kind for kind, audience in AUDIENCE.items() if audience == role]
