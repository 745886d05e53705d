"""German formatting of dates for the terminal (parsing people's input: models.inputs)."""

from __future__ import annotations

import datetime as dt

from models.calendar_rules import WEEKDAY_NAMES_DE, german_date  # noqa: F401 (re-export)
from models.inputs import check_year, parse_day  # noqa: F401 (moved; kept for old imports)


def weekday(day: dt.date) -> str:
    return WEEKDAY_NAMES_DE[day.weekday()]


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
