"""Working days: weekends and the public holidays of the body's state skipped.

The ground every rule counts on; its own module so that rules, spec and expansion share one
holiday lookup (cached per country, state and year).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from models.errors import KreislaufError
from models.german import MONTH_NAMES


class RuleError(KreislaufError, ValueError):
    """A date rule that does not parse or cannot be resolved for a year."""


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> dict[dt.date, str]:
    import holidays

    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=year, language="de")
    except NotImplementedError as error:
        raise KreislaufError(
            f"Unbekannter Feiertagskalender: Land {country!r}, Gebiet {subdivision!r} ({error})."
        ) from None
    return dict(calendar.items())


@dataclass(frozen=True)
class WorkingDays:
    """Working-day arithmetic for one state: weekends, public holidays and the body's own
    closure days (Schließtage, e.g. 24.12., 31.12., bridge days) are skipped."""

    country: str = "DE"
    subdivision: str | None = "BW"
    closure_days: frozenset[dt.date] = frozenset()

    def holidays(self, year: int) -> dict[dt.date, str]:
        return _holidays(self.country, self.subdivision, year)

    def holiday_name(self, day: dt.date) -> str | None:
        return self.holidays(day.year).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.holidays(day.year)
            and day not in self.closure_days
        )

    def shift(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (before it when negative); 0 is `day`."""
        step = dt.timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day = day + step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def nth_of_month(self, year: int, month: int, n: int) -> dt.date:
        """The n-th working day of a month (n = -1: the last one)."""
        if n < 0:
            first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
            return self.shift(first_of_next, n)
        day = self.shift(dt.date(year, month, 1) - dt.timedelta(days=1), n)
        if day.month != month:
            raise RuleError(f"Der {n}. Arbeitstag im {MONTH_NAMES[month]} {year} existiert nicht.")
        return day

    def count_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        sign = 1 if end >= start else -1
        low, high = sorted((start, end))
        count = sum(
            1
            for offset in range(1, (high - low).days + 1)
            if self.is_working_day(low + dt.timedelta(days=offset))
        )
        return sign * count


def closure_days_of(calendar: Mapping[str, Any] | None) -> frozenset[dt.date]:
    """The closure days of a stored calendar (the validated spec as JSON), every year's."""
    years = (calendar or {}).get("closure_days") or {}
    return frozenset(dt.date.fromisoformat(str(day)) for days in years.values() for day in days)


def body_working_days(
    country: str, subdivision: str | None, calendar: Mapping[str, Any] | None
) -> WorkingDays:
    """A body's working days from its stored settings: holidays and its closure days."""
    return WorkingDays(country, subdivision, closure_days_of(calendar))


def days_of_month(year: int, month: int) -> list[dt.date]:
    first = dt.date(year, month, 1)
    return [
        first + dt.timedelta(days=offset)
        for offset in range(31)
        if (first + dt.timedelta(days=offset)).month == month
    ]
