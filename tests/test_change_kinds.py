"""Change sets for the whole goal system (issue 15): vision, motto, principles, fields of
action, guiding thoughts, priorities (added, reworded, moved, ranked, removed), key positions
and their budget year; checked as a whole, combined across sessions, shown in the diff."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.body import Body
from models.change_set import (
    ACTIONS,
    Change,
    ChangeSet,
    FieldContent,
    KeyPositionContent,
    StrategyContent,
    apply_change_set,
    combine_change_sets,
    stored_change_set,
)
from models.commands import Convene, RecordResolution, RecordSession
from models.db import session_scope
from models.errors import KreislaufError
from models.strategy import Product, StrategyVersion
from models.strategy_diff import DIFF_KINDS, DIFF_LABELS, diff_strategies
from models.strategy_versions import current_version, load_content
from services.decisions import load_change_set
from services.report_format import PriorityNames
from tests.conftest import row_counts
from tests.test_commands import at, cycle_2027, decide, refused
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import visible_text
from web.change_rows import RowErrors, StrategyChoices, field_key, structured_change_set
from web.forms import parse_change_set

__all__ = ["cycle_2027"]  # the fixture, imported for pytest

CONTENT = StrategyContent(
    fields=(
        FieldContent(
            "bildung",
            "Bildung",
            ("fördert Schulen.", "vernetzt Bildungsträger."),
            (("bildung.1", "B eins"), ("bildung.2", "B zwei"), ("bildung.3", "B drei")),
        ),
        FieldContent("mobilitaet", "Mobilität", ("baut Radwege.",), (("mobilitaet.1", "M eins"),)),
    ),
    vision="Die alte Vision.",
    motto="Gemeinsam",
    principles=("Leitsatz eins.", "Leitsatz zwei.", "Leitsatz drei."),
    key_positions=(
        KeyPositionContent("11.20.04", "Digitale Verwaltung", 12),
        KeyPositionContent("31.10.01", "Hilfe zur Pflege"),
    ),
    key_positions_year=2022,
)
PRODUCTS = frozenset({"11.20.04", "31.10.01", "51.10.15", "56.10.10"})

EVERY_KIND = ChangeSet(
    summary="Fortschreibung 2027",
    changes=[
        Change(action="change_vision", text="Die neue Vision."),
        Change(action="change_motto", text="Gemeinsam Zukunft gestalten"),
        Change(action="change_principle", number=1, text="Leitsatz eins, neu."),
        Change(action="remove_principle", number=2),
        Change(action="add_principle", text="Leitsatz vier."),
        Change(action="add_field", field="digitales", name="Digitale Verwaltung"),
        Change(action="rename_field", field="mobilitaet", name="Mobilität & Verkehr"),
        Change(action="add_guiding_thought", field="digitales", text="digitalisiert."),
        Change(action="change_guiding_thought", field="bildung", number=2, text="vernetzt alle."),
        Change(action="remove_guiding_thought", field="mobilitaet", number=1),
        Change(action="add_priority", field="digitales", text="D eins"),
        Change(action="change_priority", priority="bildung.1", text="B eins, neu"),
        Change(action="move_priority", priority="bildung.2", field="digitales"),
        Change(action="rank_priority", priority="bildung.3", rank=1),
        Change(action="remove_priority", priority="mobilitaet.1"),
        Change(action="add_priority", field="mobilitaet", text="M zwei"),
        Change(action="add_key_position", product="51.10.15", text="Verkehrsplanung", page=308),
        Change(action="change_key_position", product="11.20.04", text="E-Government"),
        Change(action="remove_key_position", product="31.10.01"),
        Change(action="set_key_positions_year", year=2027),
    ],
)


def apply(*changes: Change, content: StrategyContent = CONTENT) -> StrategyContent:
    return apply_change_set(
        content, ChangeSet(changes=list(changes)), used_codes=set(), products=PRODUCTS
    )


def problems_of(*changes: Change) -> list[str]:
    with pytest.raises(KreislaufError) as caught:
        apply(*changes)
    assert str(caught.value).startswith("Die Änderungen passen nicht zur geltenden Strategie:")
    return list(caught.value.problems or [])


# ------------------------------------------------------------------ apply, pure


def test_every_kind_of_change_is_applied() -> None:
    new = apply(*EVERY_KIND.changes)
    assert (new.vision, new.motto) == ("Die neue Vision.", "Gemeinsam Zukunft gestalten")
    assert new.principles == ("Leitsatz eins, neu.", "Leitsatz drei.", "Leitsatz vier.")
    fields = {f.key: f for f in new.fields}
    assert [f.name for f in new.fields] == ["Bildung", "Mobilität & Verkehr", "Digitale Verwaltung"]
    assert fields["bildung"].guiding_thoughts == ("fördert Schulen.", "vernetzt alle.")
    assert fields["mobilitaet"].guiding_thoughts == ()
    assert fields["digitales"].guiding_thoughts == ("digitalisiert.",)
    # ranked first, reworded, and the moved one gone; codes stay what they were
    assert fields["bildung"].priorities == (("bildung.3", "B drei"), ("bildung.1", "B eins, neu"))
    assert fields["digitales"].priorities == (("digitales.1", "D eins"), ("bildung.2", "B zwei"))
    # a removed priority's code is never given again
    assert fields["mobilitaet"].priorities == (("mobilitaet.2", "M zwei"),)
    assert new.key_positions == (
        KeyPositionContent("11.20.04", "E-Government", 12),
        KeyPositionContent("51.10.15", "Verkehrsplanung", 308),
    )
    assert new.key_positions_year == 2027
    assert CONTENT.vision == "Die alte Vision."  # pure: the old content is untouched


def test_the_diff_names_every_kind_with_a_german_label() -> None:
    diff = diff_strategies(CONTENT, apply(*EVERY_KIND.changes))
    seen = {(d["kind"], d["change"]) for d in diff}
    assert seen == {
        ("vision", "changed"),
        ("motto", "changed"),
        ("principle", "changed"),
        ("principle", "removed"),
        ("principle", "added"),
        ("field", "added"),
        ("field", "renamed"),
        ("guiding_thought", "added"),
        ("guiding_thought", "changed"),
        ("guiding_thought", "removed"),
        ("priority", "added"),
        ("priority", "changed"),
        ("priority", "moved"),
        ("priority", "ranked"),
        ("priority", "removed"),
        ("key_position", "added"),
        ("key_position", "changed"),
        ("key_position", "removed"),
        ("key_positions_year", "changed"),
    }
    assert all(d["change"] in DIFF_LABELS and d["kind"] in DIFF_KINDS for d in diff)

    def one(kind: str, change: str, **more: str | None) -> dict[str, str | None]:
        [entry] = [
            d
            for d in diff
            if d["kind"] == kind
            and d["change"] == change
            and all(d[k] == v for k, v in more.items())
        ]
        return entry

    assert one("principle", "removed")["before"] == "Leitsatz zwei."
    assert one("principle", "added")["item"] == "3"
    renamed = one("field", "renamed")
    assert (renamed["before"], renamed["after"]) == ("Mobilität", "Mobilität & Verkehr")
    moved = one("priority", "moved")
    assert (moved["priority"], moved["before"], moved["after"]) == (
        "bildung.2",
        "Bildung",
        "Digitale Verwaltung",
    )
    ranked = one("priority", "ranked")
    assert (ranked["priority"], ranked["before"], ranked["after"]) == (
        "bildung.3",
        "Stelle 3",
        "Stelle 1",
    )
    # renaming its field does not make a priority "changed"
    assert not [d for d in diff if d["priority"] == "mobilitaet.2" and d["change"] != "added"]
    assert one("key_position", "added")["after"] == "Verkehrsplanung (Haushaltsplan S. 308)"
    year = one("key_positions_year", "changed")
    assert (year["before"], year["after"]) == ("2022", "2027")


def test_a_priority_changed_with_a_new_field_moves_and_a_rank_puts_it_in_place() -> None:
    new = apply(
        Change(action="change_priority", priority="mobilitaet.1", text="M neu", field="bildung"),
        Change(action="add_priority", field="bildung", text="B vier", rank=2),
    )
    assert [code for code, _ in new.fields[0].priorities] == [
        "bildung.1",
        "bildung.4",
        "bildung.2",
        "bildung.3",
        "mobilitaet.1",
    ]
    assert new.fields[1].priorities == ()


def test_a_field_is_retired_when_its_priorities_move_or_go() -> None:
    new = apply(
        Change(action="move_priority", priority="mobilitaet.1", field="bildung", rank=1),
        Change(action="retire_field", field="mobilitaet"),
    )
    assert [f.key for f in new.fields] == ["bildung"]
    diff = diff_strategies(CONTENT, new)
    assert {(d["kind"], d["change"]) for d in diff} == {
        ("field", "removed"),
        ("priority", "moved"),
    }


def test_numbers_name_principles_as_in_the_strategy_in_force() -> None:
    new = apply(
        Change(action="remove_principle", number=1),
        Change(action="change_principle", number=3, text="Drei, neu."),
    )
    assert new.principles == ("Leitsatz zwei.", "Drei, neu.")


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        (
            [Change(action="rename_field", field="mobilitaet", name="bildung")],
            "changes[0].name: Ein Handlungsfeld heißt bereits 'bildung'.",
        ),
        (
            [Change(action="add_field", field="kultur", name="Mobilität")],
            "changes[0].name: Ein Handlungsfeld heißt bereits 'Mobilität'.",
        ),
        (
            [Change(action="add_field", field="bildung", name="Schulen")],
            "changes[0].field: Handlungsfeld 'bildung' gibt es bereits.",
        ),
        (
            [Change(action="retire_field", field="raumfahrt")],
            "changes[0].field: Handlungsfeld 'raumfahrt' gibt es nicht (vorhanden: bildung, "
            "mobilitaet).",
        ),
        (
            [Change(action="remove_principle", number=7)],
            "changes[0].number: Leitsatz 7 gibt es nicht (die geltende Strategie hat 3 Leitsätze).",
        ),
        (
            [
                Change(action="remove_principle", number=2),
                Change(action="change_principle", number=2, text="Doch."),
            ],
            "changes[1].number: Leitsatz 2 wird in diesen Änderungen schon gestrichen.",
        ),
        (
            [Change(action="remove_guiding_thought", field="mobilitaet", number=2)],
            "changes[0].number: Leitgedanke 2 gibt es nicht",
        ),
        (
            [Change(action="remove_priority", priority="bildung.9")],
            "changes[0].priority: Schwerpunkt 'bildung.9' gibt es in der geltenden Strategie "
            "nicht.",
        ),
        (
            [Change(action="remove_key_position", product="51.10.15")],
            "changes[0].product: Produkt 51.10.15 ist keine Schlüsselposition der geltenden "
            "Strategie.",
        ),
        (
            [Change(action="retire_field", field="bildung")],
            "changes[0].field: Handlungsfeld Bildung hat noch die Schwerpunkte bildung.1, "
            "bildung.2, bildung.3; bitte sie in denselben Änderungen in ein anderes "
            "Handlungsfeld verschieben (move_priority) oder streichen (remove_priority).",
        ),
        (
            [
                Change(action="move_priority", priority="mobilitaet.1", field="bildung"),
                Change(action="move_priority", priority="bildung.1", field="mobilitaet"),
                Change(action="retire_field", field="mobilitaet"),
            ],
            "changes[1].field: Schwerpunkt bildung.1 bliebe ohne Handlungsfeld: Handlungsfeld "
            "Mobilität wird aufgehoben (changes[2]).",
        ),
        (
            [Change(action="add_key_position", product="99.99.99", text="Neu")],
            "changes[0].product: Produkt 99.99.99 gibt es im Haushalt nicht.",
        ),
        (
            [Change(action="add_key_position", product="11.20.04", text="Doppelt")],
            "changes[0].product: Produkt 11.20.04 ist bereits Schlüsselposition.",
        ),
        (
            [Change(action="change_key_position", product="31.10.01", new_product="11.20.04")],
            "changes[0].new_product: Produkt 11.20.04 ist bereits Schlüsselposition.",
        ),
        (
            [Change(action="rank_priority", priority="bildung.1", rank=5)],
            "changes[0].rank: Stelle 5 gibt es im Handlungsfeld Bildung nicht (möglich: 1 bis 3).",
        ),
        (  # a field retired by these changes is not renamed too (the rename would be lost)
            [
                Change(action="retire_field", field="mobilitaet"),
                Change(action="move_priority", priority="mobilitaet.1", field="bildung"),
                Change(action="rename_field", field="mobilitaet", name="Verkehr"),
            ],
            "changes[2].field: Handlungsfeld 'mobilitaet' wird in diesen Änderungen aufgehoben "
            "(changes[0]).",
        ),
        (
            [
                Change(action="add_guiding_thought", field="mobilitaet", text="plant."),
                Change(action="move_priority", priority="mobilitaet.1", field="bildung"),
                Change(action="retire_field", field="mobilitaet"),
            ],
            "changes[2].field: Handlungsfeld 'mobilitaet' wird in diesen Änderungen auch "
            "geändert (changes[0])",
        ),
        (
            [
                Change(action="remove_priority", priority="bildung.1"),
                Change(action="remove_priority", priority="bildung.2"),
                Change(action="remove_priority", priority="bildung.3"),
                Change(action="remove_priority", priority="mobilitaet.1"),
                Change(action="retire_field", field="bildung"),
                Change(action="retire_field", field="mobilitaet"),
            ],
            "changes[5].field: Die Strategie behielte kein Handlungsfeld.",
        ),
        (
            [
                Change(action="remove_principle", number=1),
                Change(action="remove_principle", number=3),
                Change(action="remove_principle", number=2),
            ],
            "changes[2].number: Die Strategie behielte keinen Leitsatz.",
        ),
    ],
)
def test_what_does_not_fit_is_refused_naming_the_change(changes: list[Change], said: str) -> None:
    problems = problems_of(*changes)
    assert len(problems) == 1
    assert problems[0].startswith(said)


def test_all_problems_are_told_at_once() -> None:
    problems = problems_of(
        Change(action="retire_field", field="raumfahrt"),
        Change(action="add_key_position", product="99.99.99", text="Neu"),
        Change(action="change_vision", text="Bleibt ungeschrieben."),
    )
    assert [p.split(":")[0] for p in problems] == ["changes[0].field", "changes[1].product"]


# ------------------------------------------------------------------ the file, the form


def test_a_removed_principle_beside_a_reworded_one_is_never_paired_with_its_text() -> None:
    new = apply(
        Change(action="remove_principle", number=1),
        Change(action="change_principle", number=2, text="Leitsatz zwei, neu gefasst."),
    )
    entries = [
        (e["change"], e["before"], e["after"])
        for e in diff_strategies(CONTENT, new)
        if e["kind"] == "principle"
    ]
    assert sorted(entries, key=str) == sorted(
        [
            ("changed", "Leitsatz zwei.", "Leitsatz zwei, neu gefasst."),
            ("removed", "Leitsatz eins.", None),
        ],
        key=str,
    )


def test_one_session_may_agree_the_same_addition_twice() -> None:
    twice = Change(action="add_principle", text="Neu.")
    alone = ChangeSet(changes=[twice, twice])
    assert len(combine_change_sets([("Forum", alone)]).changes) == 2
    # another session agreeing it too adds nothing more
    again = combine_change_sets([("Forum", alone), ("Klausur", ChangeSet(changes=[twice]))])
    assert len(again.changes) == 2


def test_stored_change_sets_with_keys_their_action_ignored_then_still_load() -> None:
    stored = {
        "changes": [
            {"action": "remove_priority", "priority": "bildung.1", "text": "Grund"},
            {"action": "add_priority", "field": "bildung", "priority": "x", "text": "Neu"},
        ]
    }
    change_set = stored_change_set(stored, what="Forum Zukunftsstrategie 2026")
    assert [(c.action, c.text) for c in change_set.changes] == [
        ("remove_priority", None),
        ("add_priority", "Neu"),
    ]
    with pytest.raises(KreislaufError) as caught:
        stored_change_set({"changes": [{"action": "fly"}]}, what="Forum Zukunftsstrategie 2026")
    assert "Die gespeicherten Änderungen von Forum Zukunftsstrategie 2026" in str(caught.value)


def test_the_readme_example_of_every_kind_fits_loerrachs_strategy() -> None:
    import tomllib

    from config.loader import load_body_config
    from tests.conftest import LOERRACH

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index('    participants = ["Landrätin", "Fraktionsvorsitzende"]')
    block = readme[start : readme.index("\n\n", readme.index("year = 2028", start))]
    change_set = ChangeSet.model_validate(
        tomllib.loads("\n".join(line.removeprefix("    ") for line in block.splitlines()))
    )
    assert {c.action for c in change_set.changes} == set(ACTIONS)  # every kind
    strategy = load_body_config(LOERRACH).strategy
    content = StrategyContent(
        fields=tuple(
            FieldContent(
                f.key,
                f.name,
                tuple(f.guiding_thoughts),
                tuple((f"{f.key}.{n}", text) for n, text in enumerate(f.priorities, start=1)),
            )
            for f in strategy.fields
        ),
        vision=strategy.vision,
        principles=tuple(strategy.principles),
        key_positions=tuple(
            KeyPositionContent(k.product, k.reason, k.page) for k in strategy.key_positions
        ),
        key_positions_year=strategy.key_positions_year,
    )
    products = {k.product for k in strategy.key_positions} | {"12.10.01", "11.20.05"}
    new = apply_change_set(content, change_set, used_codes=set(), products=products)
    assert "tourismus" in [f.key for f in new.fields]
    assert "wirtschaft-struktur" not in [f.key for f in new.fields]
    assert new.key_positions_year == 2028


def test_old_change_sets_as_stored_still_load() -> None:
    stored = {
        "summary": None,
        "participants": [],
        "changes": [
            {"action": "add_priority", "field": "bildung", "priority": None, "text": "Neu"},
            {"action": "remove_priority", "field": None, "priority": "bildung.1", "text": None},
        ],
    }
    change_set = ChangeSet.model_validate(stored)
    assert [c.action for c in change_set.changes] == ["add_priority", "remove_priority"]


TOO_LONG = "x" * 2_001


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (f'action = "add_principle"\ntext = "{TOO_LONG}"', "„Text“: höchstens 2000 Zeichen"),
        (f'action = "rename_field"\nfield = "bildung"\nname = "{"x" * 201}"', "höchstens 200"),
        ('action = "set_key_positions_year"\nyear = 1999', "Zahl ab 2000 erwartet"),
        ('action = "remove_principle"', "„Nummer“ fehlt (die Aktion remove_principle braucht"),
        (
            'action = "remove_principle"\nnumber = 2\ntext = "weg"',
            "„Text“ gehört nicht zur Aktion remove_principle",
        ),
        ('action = "add_key_position"\nproduct = "11-20"\ntext = "x"', "Produktnummer wie 11"),
        ('action = "add_field"\nfield = "Neues Feld"\nname = "Neu"', "Kleinbuchstaben, Ziffern"),
    ],
)
def test_file_and_pasted_toml_refuse_the_same_in_the_same_words(
    tmp_path: Path, change: str, said: str
) -> None:
    content = f"[[changes]]\n{change}\n"
    path = tmp_path / "changes.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KreislaufError) as from_file:
        load_change_set(path)
    with pytest.raises(KreislaufError) as from_form:
        parse_change_set(content)
    [file_problem] = from_file.value.problems or []
    [form_problem] = from_form.value.problems or []
    assert said in file_problem and said in form_problem
    # the same words after the place ("changes.toml, changes[0].name: …", "Änderung 1: …")
    assert form_problem.endswith(file_problem.split(": ", 1)[1])


CHOICES = StrategyChoices(
    fields=(("bildung", "Bildung"), ("mobilitaet", "Mobilität")),
    codes=frozenset({"bildung.1", "mobilitaet.1"}),
    products=(("11.20.04", "Digitale Verwaltung"), ("51.10.15", "Verkehrsplanung")),
)


def row(**values: str) -> dict[str, str]:
    return values


def test_the_form_makes_every_kind_from_its_rows() -> None:
    change_set = structured_change_set(
        "",
        "",
        [
            row(action="change_vision", text="Neue Vision."),
            row(action="add_field", name="Kultur & Tourismus", field="bildung"),
            row(action="change_principle", number="2", text="Neu."),
            row(action="move_priority", priority="bildung.1", field="mobilitaet", rank="1"),
            row(action="rank_priority", priority="mobilitaet.1", rank="2"),
            row(action="add_key_position", product="51.10.15", text="Verkehr", page="308"),
            row(action="set_key_positions_year", number="2027"),
            row(action="change_priority", priority="bildung.1", text="B", field="mobilitaet"),
        ],
        CHOICES,
    )
    assert [c.model_dump(exclude_none=True) for c in change_set.changes] == [
        {"action": "change_vision", "text": "Neue Vision."},
        {"action": "add_field", "field": "kultur-tourismus", "name": "Kultur & Tourismus"},
        {"action": "change_principle", "number": 2, "text": "Neu."},
        {"action": "move_priority", "priority": "bildung.1", "field": "mobilitaet", "rank": 1},
        {"action": "rank_priority", "priority": "mobilitaet.1", "rank": 2},
        {"action": "add_key_position", "product": "51.10.15", "text": "Verkehr", "page": 308},
        {"action": "set_key_positions_year", "year": 2027},
        # a change of wording in the form never moves the priority
        {"action": "change_priority", "priority": "bildung.1", "text": "B"},
    ]
    assert field_key("Öffentliche Sicherheit") == "oeffentliche-sicherheit"


def test_the_form_takes_numbers_in_plain_digits_and_gives_a_new_field_a_free_key() -> None:
    for number in ("²", "9" * 5_000, "١"):
        with pytest.raises(RowErrors) as caught:
            structured_change_set("", "", [row(action="remove_principle", number=number)], CHOICES)
        assert caught.value.inputs == {
            "number-0": "Zeile 1: Die Nummer muss eine ganze Zahl von 1 bis 1000 sein."
        }
    assert field_key("Bildung!", {"bildung"}) == "bildung-2"
    assert field_key("Bildung", {"bildung", "bildung-2"}) == "bildung-3"


def test_the_form_tells_each_row_what_it_lacks() -> None:
    with pytest.raises(KreislaufError) as caught:
        structured_change_set(
            "",
            "",
            [
                row(action="remove_principle", number="zwei"),
                row(action="add_key_position", product="99.99.99"),
                row(action="rank_priority", priority="bildung.1"),
                row(action="add_principle", text=TOO_LONG),
            ],
            CHOICES,
        )
    assert caught.value.inputs == {  # type: ignore[attr-defined]
        "number-0": "Zeile 1: Die Nummer muss eine ganze Zahl von 1 bis 1000 sein.",
        "product-1": "Zeile 2: Produkt 99.99.99 gibt es im Haushalt nicht.",
        "text-1": "Zeile 2: Bitte die Begründung der Schlüsselposition (Text) angeben.",
        "rank-2": "Zeile 3: Bitte die neue Stelle angeben.",
        "text-3": "Zeile 4: Der Text ist länger als 2.000 Zeichen.",
    }


# ------------------------------------------------------------------ combining sessions


def test_the_same_change_twice_counts_once_and_different_ones_are_refused_naming_both() -> None:
    vision = Change(action="change_vision", text="Die neue Vision.")
    forum = ChangeSet(changes=[vision, Change(action="change_principle", number=1, text="A")])
    retreat = ChangeSet(
        changes=[
            vision,
            Change(action="remove_principle", number=1),
            Change(action="add_key_position", product="51.10.15", text="Verkehr"),
        ]
    )
    other = ChangeSet(
        changes=[
            Change(action="add_key_position", product="51.10.15", text="Klima"),
            Change(action="rename_field", field="bildung", name="Schule"),
        ]
    )
    third = ChangeSet(changes=[Change(action="retire_field", field="bildung")])
    with pytest.raises(KreislaufError) as caught:
        combine_change_sets([("Forum", forum), ("Klausur", retreat), ("Klausur 2", other)])
    assert caught.value.problems == [
        "Leitsatz 1: Forum und Klausur vereinbaren Unterschiedliches.",
        "Schlüsselposition 51.10.15: Klausur und Klausur 2 vereinbaren Unterschiedliches.",
    ]
    with pytest.raises(KreislaufError) as field:
        combine_change_sets([("Klausur 2", other), ("Forum", third)])
    assert field.value.problems == [
        "Handlungsfeld bildung: Klausur 2 und Forum vereinbaren Unterschiedliches."
    ]
    combined = combine_change_sets([("Forum", forum), ("Klausur", ChangeSet(changes=[vision]))])
    assert combined.changes == forum.changes


# ------------------------------------------------------------------ through a resolution


@pytest.mark.both_databases
def test_every_kind_goes_through_a_resolution_into_the_new_version(
    engine: sa.Engine, cycle_2027: Body
) -> None:
    with session_scope(engine) as session:
        session.add(
            Product(
                body_id=cycle_2027.id, number="12.10.01", name="Tourismus", product_group="12.10"
            )
        )
    forum = ChangeSet(
        summary="Fortschreibung",
        changes=[
            Change(action="change_vision", text="Der Landkreis ist klimaneutral."),
            Change(action="remove_principle", number=3),
            Change(action="add_principle", text="Der Landkreis handelt generationengerecht."),
            Change(action="add_field", field="tourismus", name="Tourismus"),
            Change(action="add_guiding_thought", field="tourismus", text="stärkt Gäste."),
            Change(action="move_priority", priority="wirtschaft-struktur.1", field="tourismus"),
            Change(action="rename_field", field="bildung", name="Bildung & Schulen"),
            Change(action="rank_priority", priority="bildung.2", rank=1),
            Change(action="add_key_position", product="12.10.01", text="Gäste", page=12),
            Change(action="remove_key_position", product="31.10.01"),
            Change(action="set_key_positions_year", year=2028),
        ],
    )
    retreat = ChangeSet(
        changes=[
            Change(action="change_vision", text="Der Landkreis ist klimaneutral."),
            Change(action="change_key_position", product="11.20.04", text="E-Government"),
        ]
    )
    decide(engine, cycle_2027, Convene(2027, "Fortschreibung"), at(5, 4))
    decide(engine, cycle_2027, Convene(2027, "Digitales", field="digitale-verwaltung"), at(5, 5))
    decide(engine, cycle_2027, RecordSession(2027, at(5, 20).date(), forum, 1), at(5, 21))
    decide(engine, cycle_2027, RecordSession(2027, at(6, 10).date(), retreat, 2), at(6, 11))
    with session_scope(engine) as session:
        old_version = current_version(session=session, body_id=cycle_2027.id or 0)
        old = load_content(session=session, version=old_version)
    outcome = decide(
        engine, cycle_2027, RecordResolution(2027, "KT/2027/060", at(7, 21).date()), at(7, 21)
    )
    with session_scope(engine) as session:
        version = current_version(session=session, body_id=cycle_2027.id or 0)
        new = load_content(session=session, version=version)
        assert session.get_one(StrategyVersion, old_version.id).vision == old.vision
    assert version.number == old_version.number + 1
    assert (version.vision, version.key_positions_year) == ("Der Landkreis ist klimaneutral.", 2028)
    assert new.principles == (
        *old.principles[:2],
        *old.principles[3:],
        "Der Landkreis handelt generationengerecht.",
    )
    fields = {f.key: f for f in new.fields}
    assert fields["tourismus"].guiding_thoughts == ("stärkt Gäste.",)
    assert [code for code, _ in fields["tourismus"].priorities] == ["wirtschaft-struktur.1"]
    assert fields["bildung"].name == "Bildung & Schulen"
    assert [code for code, _ in fields["bildung"].priorities][0] == "bildung.2"
    products = [k.product for k in new.key_positions]
    assert "31.10.01" not in products and products[-1] == "12.10.01"
    assert new.key_positions[0].reason == "E-Government"
    assert outcome.record.diff == diff_strategies(old, new)
    kinds = {(d["kind"], d["change"]) for d in outcome.record.diff}
    assert {("vision", "changed"), ("field", "renamed"), ("priority", "ranked")} <= kinds
    assert ("key_positions_year", "changed") in kinds and ("principle", "removed") in kinds

    # each kind is told with its German label on /strategy, in the diff report and the paper
    from services.council_paper import synopsis_rows
    from services.reports import render_report, render_version_diff
    from services.years_views import strategy_timeline

    with session_scope(engine) as session:
        body = session.get_one(Body, cycle_2027.id)
        timeline = strategy_timeline(session=session, body=body, today=at(7, 22).date())
        html = render_version_diff(
            session, body, old_version.number, version.number, "html"
        ).decode()
        report = render_report(session, body, 2027, "html", at(7, 22)).decode()
    # the evaluation report heads the key positions with the year of the version in force
    assert "<h2>Schlüsselpositionen (ab Haushaltsjahr 2028)</h2>" in report
    changes = timeline.versions[0].changes or []
    told = {(c.label, c.priority) for c in changes}
    assert ("geändert", "Vision") in told and ("neu", "Handlungsfeld") in told
    assert ("umbenannt", "Handlungsfeld") in told and ("neu eingereiht", "Schwerpunkt 1") in told
    assert ("entfällt", "Leitsatz 3") in told and ("neu", "Leitsatz 9") in told
    assert ("neu", "Schlüsselposition 12.10.01") in told
    assert ("geändert", "Jahr der Schlüsselpositionen") in told
    assert ("verschoben", "Schwerpunkt 1") in told
    for words in (
        "Vision",
        "Leitsatz 3",
        "Leitsatz 9",
        "Leitgedanke 1",
        "Schlüsselposition 31.10.01",
    ):
        assert words in html
    rows = synopsis_rows(old, new)
    assert {(r.change, r.priority) for r in rows} >= {
        ("entfällt", "Leitsatz 3"),
        ("neu", "Leitsatz 9"),
        ("entfällt", "Schlüsselposition 31.10.01"),
        ("geändert", "Jahr der Schlüsselpositionen"),
    }
    names = PriorityNames.of_content(new)
    assert names.full("wirtschaft-struktur.1") == "Tourismus, Schwerpunkt 1"


@pytest.mark.both_databases
def test_a_session_whose_changes_do_not_fit_is_refused_and_nothing_is_written(
    engine: sa.Engine, cycle_2027: Body
) -> None:
    decide(engine, cycle_2027, Convene(2027, "Fortschreibung"), at(5, 4))
    wrong = ChangeSet(
        changes=[
            Change(action="add_key_position", product="99.99.99", text="Unbekannt"),
            Change(action="retire_field", field="bildung"),
        ]
    )
    error = refused(
        engine, cycle_2027, RecordSession(2027, at(5, 20).date(), wrong), at(5, 21), KreislaufError
    )
    problems = error.problems or []
    assert problems[0] == "changes[0].product: Produkt 99.99.99 gibt es im Haushalt nicht."
    assert problems[1].startswith("changes[1].field: Handlungsfeld Bildung hat noch")
    with session_scope(engine) as session:
        assert session.exec(select(StrategyVersion.id)).all()


def test_the_form_and_the_pasted_toml_are_refused_alike_by_the_strategy(web: Web) -> None:
    """What does not fit the strategy in force is told in the same words both ways, the
    change and its key in words; what was typed stays."""
    web.clock.at = web.clock.at.replace(month=5, day=21)
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    client.post("/admin/convene", data={"year": "2027", "reason": "Ziele", "csrf_token": token})
    before = row_counts(web.engine)
    said = (
        "Änderung 1, „Handlungsfeld“: Handlungsfeld Bildung hat noch die Schwerpunkte "
        "bildung.1, bildung.2"
    )
    base = {"year": "2027", "held_on": "2027-05-20", "csrf_token": token}
    rows = client.post(
        "/admin/session",
        data={**base, "action": ["retire_field"], "field": ["bildung"], "name": ["x"]},
    )
    pasted = client.post(
        "/admin/session",
        data={**base, "changes": '[[changes]]\naction = "retire_field"\nfield = "bildung"\n'},
    )
    for response in (rows, pasted):
        assert response.status_code == 400
        assert said in visible_text(response.text)
    assert re.search(r'<option value="retire_field" selected>', rows.text)
    assert row_counts(web.engine) == before
