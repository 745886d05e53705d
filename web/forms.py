"""A change set pasted as TOML into the session form (the rows are web.change_rows).

Its mistakes are told in words a clerk reads ("Zeile 2: Bitte einen Schwerpunkt wählen.",
"Änderung 1: „Aktion“ muss …"), not as the key paths of the file format ("changes[0].action").
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from pydantic import ValidationError

from config.german_errors import _message
from models.change_set import ACTIONS, CHANGE_KEYS, KEY_LABELS, ChangeSet
from models.errors import KreislaufError

# the keys of a change set as the form's hint names them
LABELS = {
    **KEY_LABELS,
    "summary": "Zusammenfassung",
    "participants": "Teilnehmende",
    "changes": "Änderungen",
}
MAX_LENGTH = 1_000_000


def parse_change_set(text: str) -> ChangeSet:
    """The change set as the change set file holds it; problems name the change (counted
    from 1) and its field in words, in German, for the form's field "change_set"."""
    if not text.strip():
        raise KreislaufError(
            "Bitte die vereinbarten Änderungen (TOML) angeben.", field="change_set"
        )
    if len(text) > MAX_LENGTH:
        raise KreislaufError(
            "Die Änderungen sind länger als 1 MB und werden nicht gelesen.", field="change_set"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KreislaufError(_toml_message(str(error)), field="change_set") from None
    except RecursionError:
        raise KreislaufError(
            "Kein gültiges TOML (Tabellen oder Listen zu tief verschachtelt).",
            field="change_set",
        ) from None
    try:
        return ChangeSet.model_validate(data)
    except ValidationError as error:
        raise KreislaufError(
            "Die Änderungen sind fehlerhaft; nichts wurde geändert:",
            field="change_set",
            problems=[change_problem(item) for item in error.errors()],
        ) from None


def _toml_message(error: str) -> str:
    where = re.search(r"\(at line (\d+), column (\d+)\)", error)
    place = f"Zeile {where.group(1)}, Spalte {where.group(2)}" if where else "am Ende"
    return (
        f"Kein gültiges TOML ({place}): bitte die Schreibweise prüfen, etwa "
        '„text = "…"“ mit Anführungszeichen und je Änderung eine Zeile „[[changes]]“.'
    )


def _label(key: object) -> str:
    return f"„{LABELS.get(str(key), str(key))}“"


def change_problem(item: Any) -> str:
    """One pydantic error of a change set in words: which change, which field, what is
    expected."""
    loc = tuple(item["loc"])
    kind = item["type"]
    if loc and loc[0] == "changes" and len(loc) >= 2 and isinstance(loc[1], int):
        head = f"Änderung {loc[1] + 1}"
        rest = loc[2:]
        if not rest:
            return f"{head}: {_whole_change(kind, item)}"
        problem = _field_problem(rest[0], kind, item, allowed=CHANGE_KEYS)
        return f"{head}: {problem}"
    if loc == ("changes",) and kind in ("missing", "too_short"):
        return (
            "Keine Änderung angegeben: je Änderung einen Abschnitt „[[changes]]“ mit "
            "„action“ und den Angaben dazu."
        )
    if loc and loc[0] == "participants" and len(loc) >= 2 and isinstance(loc[1], int):
        return f"Teilnehmende, Eintrag {loc[1] + 1}: muss ein Text in Anführungszeichen sein"
    if not loc:
        return "Die Änderungen müssen eine Tabelle sein (Schlüssel = Wert)."
    return _field_problem(loc[0], kind, item, allowed=("summary", "participants", "changes"))


def _field_problem(key: object, kind: str, item: Any, *, allowed: tuple[str, ...]) -> str:
    if key == "action" and kind == "literal_error":
        return f"{_label(key)} muss eine dieser Aktionen sein: {', '.join(ACTIONS)}"
    if kind == "missing":
        return f"{_label(key)} fehlt"
    if kind == "extra_forbidden":
        names = ", ".join(dict.fromkeys(allowed))
        return f"unbekannte Angabe „{key}“ (möglich: {names})"
    if kind == "string_type":
        return f"{_label(key)} muss ein Text in Anführungszeichen sein"
    if kind in ("list_type", "tuple_type"):
        return f'{_label(key)} muss eine Liste sein, etwa ["…"]'
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{_label(key)} muss eine Tabelle sein"
    return f"{_label(key)}: {_message(item)}"  # the general German wording, for the rest


def _whole_change(kind: str, item: Any) -> str:
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "muss ein Abschnitt „[[changes]]“ mit Schlüssel = Wert sein"
    return str(_message(item))


# a problem of the handler, as models.change_set names it: changes[0].field: …
HANDLER_PATH = re.compile(r"changes\[(\d+)\]\.(\w+): ")


def plain_change_paths(text: str) -> str:
    """The handler's messages about a change set with the change and field in words."""
    return HANDLER_PATH.sub(
        lambda match: f"Änderung {int(match.group(1)) + 1}, {_label(match.group(2))}: ", text
    )
