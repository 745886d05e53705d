"""Form input that needs more than a field: a change set typed or pasted as TOML."""

from __future__ import annotations

import tomllib

from pydantic import ValidationError

from models.change_set import ChangeSet
from models.errors import KreislaufError


def parse_change_set(text: str) -> ChangeSet:
    """The change set as `kreislauf forum record --changes` reads it from a file; problems
    name the key, in German."""
    from config.loader import german_errors

    if not text.strip():
        raise KreislaufError("Änderungen: bitte die vereinbarten Änderungen (TOML) angeben.")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KreislaufError(f"Änderungen: kein gültiges TOML ({error}).") from None
    try:
        return ChangeSet.model_validate(data)
    except ValidationError as error:
        raise KreislaufError(
            "Die Änderungen sind fehlerhaft; nichts wurde geändert:",
            problems=[f"Änderungen, {line}" for line in german_errors(error)],
        ) from None
