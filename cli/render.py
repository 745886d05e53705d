"""Parsing of dates and years people type at the terminal."""

from __future__ import annotations

import datetime as dt

from models.errors import KreislaufError
from models.german import german_date  # noqa: F401 (re-export for cli.figures until it moves)


def parse_day(text: str, option: str) -> dt.date:
    """Accepts 2027-03-01 and 01.03.2027."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise KreislaufError(
        f"{option}: {text!r} ist kein Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ)."
    )


def check_year(year: int) -> int:
    """Cycle years people mean: four digits, this century or the next."""
    if not 2000 <= year <= 2199:
        raise KreislaufError(f"Jahr {year}: erwartet wird ein Jahr zwischen 2000 und 2199.")
    return year
