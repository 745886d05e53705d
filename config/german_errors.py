"""pydantic's validation errors as German lines that name the key: '<key path>: <expected>'.

Its own module because more than the loader reports them: the change set typed into a web
form and any TOML file a user names are checked by the same models and must read the same.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

_MESSAGES = {
    "missing": "Pflichtangabe fehlt",
    "extra_forbidden": "unbekannter Schlüssel",
    "string_type": "Text erwartet",
    "int_type": "ganze Zahl erwartet",
    "int_parsing": "ganze Zahl erwartet",
    "int_from_float": "ganze Zahl erwartet",
    "bool_type": "true oder false erwartet",
    "bool_parsing": "true oder false erwartet",
    "list_type": "Liste erwartet",
    "dict_type": "Tabelle erwartet",
    "model_type": "Tabelle erwartet",
    "model_attributes_type": "Tabelle erwartet",
    "float_type": "Zahl erwartet",
    "float_parsing": "Zahl erwartet",
    "tuple_type": "Liste erwartet",
    "date_type": "Datum erwartet (JJJJ-MM-TT)",
    "date_parsing": "Datum erwartet (JJJJ-MM-TT)",
    "date_from_datetime_parsing": "Datum erwartet (JJJJ-MM-TT)",
    "date_from_datetime_inexact": "Datum ohne Uhrzeit erwartet (JJJJ-MM-TT)",
    "timezone_aware": "Zeitpunkt mit Zeitzone erwartet (z. B. 2027-07-21T17:00:00+02:00)",
    "datetime_type": "Zeitpunkt erwartet (z. B. 2027-07-21T17:00:00+02:00)",
    "datetime_parsing": "Zeitpunkt erwartet (z. B. 2027-07-21T17:00:00+02:00)",
    "datetime_from_date_parsing": "Zeitpunkt erwartet (z. B. 2027-07-21T17:00:00+02:00)",
}


def german_errors(error: ValidationError) -> list[str]:
    """One German line per pydantic error: '<key path>: <what was expected>'."""
    return [f"{_path(item['loc'])}: {_message(item)}" for item in error.errors()]


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(Datei)"


def _message(item: Any) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        return "darf nicht leer sein" if minimum == 1 else f"mindestens {minimum} Einträge erwartet"
    if kind == "string_too_short":
        return "darf nicht leer sein"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        return f"Format passt nicht (erwartet: {_PATTERN_HINTS.get(pattern, pattern)})"
    if kind in ("enum", "literal_error"):
        return f"erlaubt: {ctx.get('expected')}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"Zahl ab {_number(ctx.get('ge', ctx.get('gt')))} erwartet"
    if kind in ("less_than_equal", "less_than"):
        return f"Zahl bis {_number(ctx.get('le', ctx.get('lt')))} erwartet"
    if kind == "string_too_long":
        return f"höchstens {ctx.get('max_length')} Zeichen erlaubt"
    if kind == "finite_number":
        return "endliche Zahl erwartet (nicht nan oder inf)"
    if kind == "too_long":
        return f"höchstens {ctx.get('max_length')} Einträge erwartet"
    if kind == "value_error":
        return str(ctx.get("error", item["msg"]))
    return f"ungültiger Wert ({item['msg']})"


def _number(value: Any) -> str:
    """A bound as written in a config file: 60, 2.5, 1e+15 (not 1000000000000000.0)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


_PATTERN_HINTS = {
    r"^[a-z][a-z0-9_-]*$": "Kleinbuchstaben, Ziffern, - und _, beginnend mit einem Buchstaben",
    r"^\d{2}\.\d{2}\.\d{2}$": "Produktnummer wie 11.20.04",
    r"^\d{2}\.\d{2}$": "Produktgruppe wie 11.20",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "E-Mail-Adresse",
    r"^https?://[^\s]+$": "Adresse mit http:// oder https://",
}
