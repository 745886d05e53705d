"""German formatting of dates, numbers, counts and plurals, for every layer.

One place, so that a date reads "01.03.2027" and a number "1.234,5" in a rule's refusal, a
message, a report, the terminal and the web alike. Parsing what people type is not here: it
belongs to the entry points that know which field the text came from.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
MONTH_NAMES = [
    "",
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
MONTH_ABBREVIATIONS = [name[:3] for name in MONTH_NAMES[1:]]  # "Jan", ..., "Mär", ..., "Dez"
HUGE = 1e15  # from here on numbers are shown short (1,0e15); also where floats stop being exact


def german_date(day: dt.date) -> str:
    """2027-03-01 -> "01.03.2027"."""
    return day.strftime("%d.%m.%Y")


def weekday_name(day: dt.date) -> str:
    """2027-03-01 -> "Montag"."""
    return WEEKDAY_NAMES[day.weekday()]


def german_datetime(value: dt.datetime, timezone: str = "Europe/Berlin") -> str:
    """An aware moment as "01.03.2027 14:30", on the wall clock of `timezone`."""
    return value.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


def german_number(value: float | Decimal | None, *, places: int = 2, grouping: bool = True) -> str:
    """1234.5 -> "1.234,5" (at most `places` decimals, trailing zeros dropped); None -> "–";
    very large numbers short: 1e300 -> "1,0e300"; infinities and NaN in words."""
    if value is None:
        return "–"
    if isinstance(value, float) and not math.isfinite(value):
        return {"inf": "unendlich", "-inf": "minus unendlich"}.get(str(value), "keine Zahl")
    # abs() of the union is typed `object`; one abs per type
    magnitude = abs(value) if isinstance(value, Decimal) else abs(value)
    if magnitude >= HUGE:
        mantissa, exponent = f"{float(value):.1e}".split("e")
        return f"{mantissa.replace('.', ',')}e{int(exponent)}"
    # a float as the decimal people typed (95.0, not 94.99999...)
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    text = f"{number:{',' if grouping else ''}.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


NBSP = "\u00a0"


def german_euro(
    value: Decimal | None, *, cents: bool = False, signed: bool = False, unit: str = "€"
) -> str:
    """Decimal("1234567.4") -> "1.234.567 €" (whole euros, half up; with `cents`
    "1.234.567,40 €"); a no-break space before the unit; `signed` writes "+" before a gain;
    None -> "–"."""
    if value is None:
        return "–"
    places = 2 if cents else 0
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0 €"
    text = f"{rounded:,.{places}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if signed and rounded > 0:
        text = "+" + text
    return f"{text}{NBSP}{unit}"


def german_percent(value: Decimal | None, *, signed: bool = False) -> str:
    """Decimal("-3.5") -> "-3,5 %", always one decimal ("-4,0 %"); None -> "–"."""
    if value is None:
        return "–"
    text = f"{value:,.1f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if signed and value > 0:
        text = "+" + text
    return f"{text}{NBSP}%"


def plural(count: int, one: str, many: str) -> str:
    """(1, "Tag", "Tage") -> "1 Tag"; (3, "Tag", "Tage") -> "3 Tage"."""
    return f"{count} {one if count == 1 else many}"


def days(count: int) -> str:
    """1 -> "1 Tag", 3 -> "3 Tage"."""
    return plural(count, "Tag", "Tage")


OS_ERRORS = {
    "ENOENT": "nicht gefunden",
    "EACCES": "keine Berechtigung",
    "EPERM": "keine Berechtigung",
    "EISDIR": "ist ein Verzeichnis",
    "ENOTDIR": "ein Teil des Pfads ist kein Verzeichnis",
    "ENOSPC": "kein Platz mehr auf dem Datenträger",
    "EROFS": "nur lesbares Dateisystem",
    "ENAMETOOLONG": "Dateiname zu lang",
}


def os_error(error: OSError) -> str:
    """Why a file could not be read or written, in German (the system's own text is English)."""
    import errno

    name = errno.errorcode.get(error.errno or 0, "")
    return OS_ERRORS.get(name, f"Systemfehler {name or type(error).__name__}")
