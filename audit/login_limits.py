"""Failed logins and the growing waits they earn, counted in the database so that every
gunicorn worker (and every machine on the same file) sees the same counts.

A guesser must be slowed down without locking real users out, so nothing is refused for good
and the counts are kept apart by who could be guessing:

- a browser that has logged in to this account before (it carries a signed device cookie,
  audit/web/ratelimit.py) counts only its own failures: nobody elsewhere can lock it out;
- any other client counts three ways, and waits for the longest: its own failures on this
  account from its address, all such failures on this account, and all its address's failures.

Each count lets a few failures through; after that, every further failure doubles the wait
(30 s, 1 min, 2 min, ... at most 15 min), measured from the last failure. Failures older than
the window are forgotten. Only failures are written, one row each, in one short transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlite_utils import Database

WINDOW = 15 * 60  # seconds a failure counts
FIRST_WAIT = 30  # seconds, after the free failures; doubled by each further one
LONGEST_WAIT = 15 * 60


@dataclass(frozen=True)
class Count:
    """One way of counting failures: which rows, and how many pass without a wait."""

    where: str
    free: int


# A known browser: its own failures on the account.
DEVICE = (Count("email = :email AND device = :device", 5),)
# Anyone else: per account and address, per account, per address (known browsers left out).
UNKNOWN = (
    Count("email = :email AND address = :address AND device IS NULL", 5),
    Count("email = :email AND device IS NULL", 20),
    Count("address = :address AND device IS NULL", 30),
)


def wait_after(failures: int, free: int) -> int:
    """Seconds to wait after the last of `failures` failures."""
    if failures < free:
        return 0
    return min(FIRST_WAIT * 2 ** (failures - free), LONGEST_WAIT)


def account_key(email: str) -> str:
    """The account as counted: the e-mail as typed, case-folded like users.email (NOCASE)."""
    return email.strip().casefold()[:254]


def seconds_to_wait(db: Database, email: str, address: str, device: str | None,
                    at: float) -> int:
    """Whole seconds before this client may try this account again (0: now)."""
    params = {"email": account_key(email), "address": address, "device": device,
              "since": at - WINDOW}
    longest = 0.0
    for count in DEVICE if device else UNKNOWN:
        row = db.execute(
            f"SELECT COUNT(*), MAX(at) FROM login_failures WHERE {count.where}"  # noqa: S608
            " AND at > :since", params).fetchone()
        failures, last = row
        if failures:
            longest = max(longest, last + wait_after(failures, count.free) - at)
    return math.ceil(longest) if longest > 0 else 0


def note_failure(db: Database, email: str, address: str, device: str | None, at: float) -> None:
    """Count one failed login, and forget the failures the window has passed."""
    with db.atomic():
        db.execute("DELETE FROM login_failures WHERE at <= ?", [at - WINDOW])
        db["login_failures"].insert({"at": at, "email": account_key(email),
                                     "address": address, "device": device})


def forget_failures(db: Database) -> None:
    """Forget every counted failure (tests, or an admin unlocking after an incident)."""
    with db.atomic():
        db.execute("DELETE FROM login_failures")
