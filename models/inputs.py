"""Parsing what people type (a year, a day, yes or no), shared by the CLI and the web.

Each parser raises KreislaufError with the `field` it was given, so the CLI can name its option
and the web its form field; the messages themselves name neither.
"""

from __future__ import annotations

import datetime as dt

from models.errors import KreislaufError

FIRST_YEAR, LAST_YEAR = 2000, 2199
YES = ("yes", "ja", "j", "y", "true")
NO = ("no", "nein", "n", "false")


def parse_day(text: str, field: str) -> dt.date:
    """Accepts 2027-03-01 and 01.03.2027."""
    if not text.strip():
        raise KreislaufError("Bitte ein Datum angeben.", field=field)
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise KreislaufError(
        f"{text!r} ist kein Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ).", field=field
    )


def check_year(year: int, field: str = "year") -> int:
    """Cycle years people mean: four digits, this century or the next."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise KreislaufError(
            f"Jahr {year}: erwartet wird ein Jahr zwischen {FIRST_YEAR} und {LAST_YEAR}.",
            field=field,
        )
    return year


def parse_year(text: str, field: str = "year") -> int:
    """A year typed into a form field."""
    try:
        year = int(text.strip())
    except ValueError:
        raise KreislaufError(
            f"Jahr {text.strip()!r}: erwartet wird ein Jahr zwischen {FIRST_YEAR} und {LAST_YEAR}.",
            field=field,
        ) from None
    return check_year(year, field)


def parse_yes_no(text: str, field: str = "need") -> bool:
    """yes/ja/j/y/true or no/nein/n/false, in any case."""
    answer = text.strip().casefold()
    if not answer:
        raise KreislaufError("Bitte „ja“ oder „nein“ wählen.", field=field)
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise KreislaufError(f"{text!r} ist weder yes/ja noch no/nein.", field=field)
