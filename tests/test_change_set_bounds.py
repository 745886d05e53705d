"""A change set is bounded whatever enters it: the TOML file of `forum record`, the TOML
pasted into the admin page, the structured form. Each refuses too much in German."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import KreislaufError
from services.decisions import load_change_set
from web.forms import parse_change_set

TOO_LONG = "x" * 2_001


def toml(text: str, participants: int = 1) -> str:
    people = ", ".join(f'"Person {n}"' for n in range(participants))
    return (
        f'summary = "Forum"\nparticipants = [{people}]\n\n'
        f'[[changes]]\naction = "add_priority"\nfield = "mobilitaet"\ntext = "{text}"\n'
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (toml(TOO_LONG), "höchstens 2000 Zeichen"),
        (toml("Radwege", participants=101), "höchstens 100 Einträge"),
    ],
)
def test_a_change_set_too_large_is_refused_in_german_by_file_and_by_form(
    tmp_path: Path, content: str, said: str
) -> None:
    path = tmp_path / "changes.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KreislaufError) as from_file:
        load_change_set(path)
    assert said in str(from_file.value) + " ".join(from_file.value.problems or [])
    with pytest.raises(KreislaufError) as from_form:
        parse_change_set(content)
    assert said in str(from_form.value) + " ".join(from_form.value.problems or [])


def test_a_change_set_within_the_bounds_is_read() -> None:
    change_set = parse_change_set(toml("Der Landkreis baut ein durchgehendes Radwegenetz."))
    assert change_set.changes[0].text == "Der Landkreis baut ein durchgehendes Radwegenetz."
