"""Form input that needs more than a field: a change set typed or pasted as TOML."""

from __future__ import annotations

import tomllib

from pydantic import ValidationError

from models.change_set import ChangeSet
from models.errors import KreislaufError


def parse_change_set(text: str) -> ChangeSet:
    """The change set as the change set file holds it; problems name the key, in German, for
    the field "change_set"."""
    from config.german_errors import german_errors

    if not text.strip():
        raise KreislaufError(
            "Bitte die vereinbarten Änderungen (TOML) angeben.", field="change_set"
        )
    if len(text) > 1_000_000:
        raise KreislaufError(
            "Die Änderungen sind länger als 1 MB und werden nicht gelesen.", field="change_set"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KreislaufError(f"Kein gültiges TOML ({error}).", field="change_set") from None
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
            problems=[f"Änderungen, {line}" for line in german_errors(error)],
        ) from None
