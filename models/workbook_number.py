"""A figure cell's number: German notation, percent cells and what is not a number.

Its own module because the rules are subtle and tested alone: a number cell is taken as it
is; a cell with a percent format (Excel shows 64 % for 0.64) counts in percent for a figure
whose unit is "%" (exactly: 0.57 is 57, not 56.99999999999999) and is refused for any other
unit. A formula without a computed value, a date or a truth value is named as such. Text is
read in German notation: "1.234,5" and "1234,5" are 1234.5; a dot alone is a decimal point
where that is unambiguous ("1234.5", "17.45"), thousands dots where there are several groups
("1.234.567"); a single dot followed by exactly three digits ("1.234") could mean either and
is refused. A trailing "%" is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from models.workbook_layout import Formula, Percent

_THOUSANDS_COMMA = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_DOTS_ONLY_GROUPS = re.compile(r"-?\d{1,3}(\.\d{3}){2,}")
_AMBIGUOUS = re.compile(r"-?\d{1,3}\.\d{3}")
_PLAIN = re.compile(r"-?\d+([.,]\d+)?")


def parse_number(value: Any, unit: str) -> float:
    """A cell's number (see the module's rules); ValueError with the German reason."""
    if isinstance(value, Formula):
        raise ValueError(
            "Formel ohne berechneten Wert (Datei in Excel speichern oder Wert eintragen)"
        )
    if isinstance(value, Percent):
        if unit != "%":
            raise ValueError(f"Zelle ist als Prozent formatiert, die Einheit ist {unit}")
        return float(Decimal(repr(value.value)) * 100)  # 0.57 * 100 is 56.99999999999999
    if isinstance(value, bool):
        raise ValueError("Wahrheitswert statt Zahl")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise ValueError("Datum statt Zahl")
    if isinstance(value, int | float):
        return float(value)
    return float(german_decimal(str(value), suffix="%"))


def german_decimal(text: str, *, suffix: str = "") -> str:
    """A text in German notation (see the module's rules) as Python reads a number:
    "1.234,5" -> "1234.5"; `suffix` (a unit sign) is dropped. ValueError with the German
    reason. Shared by figures (float) and budget amounts (Decimal, exact)."""
    plain = text.strip().replace("\u00a0", "").replace(" ", "")
    if suffix:
        plain = plain.removesuffix(suffix)
    if _THOUSANDS_COMMA.fullmatch(plain) and "," in plain or _DOTS_ONLY_GROUPS.fullmatch(plain):
        return plain.replace(".", "").replace(",", ".")
    if _AMBIGUOUS.fullmatch(plain):
        raise ValueError(
            f"„{text}“ ist mehrdeutig (Tausenderpunkt oder Dezimalpunkt?); "
            f"bitte {plain.replace('.', '')} oder {plain.replace('.', ',')} schreiben"
        )
    if _PLAIN.fullmatch(plain):
        return plain.replace(",", ".")
    raise ValueError(f"„{text}“ ist keine Zahl")
