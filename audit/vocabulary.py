"""The app's words, each written once: roles, channels, visit statuses, languages, shared limits.

Values are the strings stored in the database and sent over the wire (StrEnum compares equal to
them), so `visit["status"] == VisitStatus.SUBMITTED` holds for a row read with plain SQL.
Labels in the user's language live in the web layer (audit/web/labels.py), not here.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user is; a reviewer is an admin or manager with the reviewer flag."""

    ADMIN = "admin"
    MANAGER = "manager"
    SHOPPER = "shopper"


class Channel(StrEnum):
    """Where a store sells: a shop one walks into, or a web shop."""

    PHYSICAL = "physical"
    ONLINE = "online"


class VisitStatus(StrEnum):
    """A visit's place in its life; the moves between them are in audit/visits/lifecycle.py."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    UNPUBLISHED = "unpublished"


# The shopper may still change answers.
EDITABLE = (VisitStatus.IN_PROGRESS, VisitStatus.RETURNED)
# Not yet submitted: a visit in these may be cancelled or (scheduled only) moved.
OPEN = (VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS, VisitStatus.RETURNED)
# Submitted at least once and not sent back: the shopper's work is in.
DONE = (VisitStatus.SUBMITTED, VisitStatus.APPROVED, VisitStatus.PUBLISHED)

# The languages the app speaks; the first is the default and the fallback for criteria texts.
LANGUAGES = ("en", "pl", "ru")
DEFAULT_LANGUAGE = LANGUAGES[0]

MAX_NOTE = 2000  # characters of a reviewer's note or comment


class ActionStatus(StrEnum):
    """A corrective action's state as stored; whether a visit confirmed it is computed."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"
