"""A report's period: days from start to end, both included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# The days a report may cover. A period far back made its previous period (for the trend) fall
# before year 1: the summary answered 500 and a run of store reports stayed "running" for ever.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
DEFAULT_DAYS = 182  # a report asked for without dates covers the last six months


class PeriodError(ValueError):
    """A period that cannot be used; the message says why."""


@dataclass(frozen=True)
class Period:
    """Days from start to end, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        """A period must not end before it starts."""
        if self.start > self.end:
            raise PeriodError("The start of the period is after its end.")

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        """A period from two YYYY-MM-DD strings; PeriodError with a clear message otherwise."""
        days = []
        for name, value in (("from", start), ("to", end)):
            try:
                days.append(date.fromisoformat(str(value).strip()))
            except ValueError:
                message = f"'{name}' must be a date as YYYY-MM-DD, got {value!r}."
                raise PeriodError(message) from None
        return cls(days[0], days[1]).supported()

    def supported(self) -> Period:
        """This period if reports can cover it (FIRST_DAY to LAST_DAY); PeriodError otherwise."""
        if self.start < FIRST_DAY or self.end > LAST_DAY:
            raise PeriodError(f"A report covers days from {FIRST_DAY} to {LAST_DAY}.")
        return self

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def months(self, count: int = 12) -> list[str]:
        """The `count` months ('YYYY-MM') up to and including the month the period ends in."""
        year, month = self.end.year, self.end.month
        out = []
        for _ in range(count):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return out[::-1]


def default_period(today: date | None = None) -> Period:
    """The period a report covers when none is given: the last DEFAULT_DAYS days to today."""
    end = today or date.today()
    return Period(end - timedelta(days=DEFAULT_DAYS - 1), end)
