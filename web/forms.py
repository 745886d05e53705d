"""Form input that needs more than a field: a change set, filled in row by row (the
structured form: kind of change, field of action and priority chosen from the strategy in
force, text) or pasted as TOML.

Its mistakes are told in words a clerk reads ("Zeile 2: Bitte einen Schwerpunkt wählen.",
"Änderung 1: „Aktion“ muss …"), not as the key paths of the file format ("changes[0].action").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from config.german_errors import _message
from models.change_set import MAX_PARTICIPANT, MAX_PARTICIPANTS, MAX_TEXT, ChangeSet
from models.errors import KreislaufError

if TYPE_CHECKING:
    from sqlmodel import Session

    from models.body import Body

# the keys of a change set as the form's hint names them
LABELS = {
    "action": "Aktion",
    "field": "Handlungsfeld",
    "priority": "Schwerpunkt",
    "text": "Text",
    "summary": "Zusammenfassung",
    "participants": "Teilnehmende",
    "changes": "Änderungen",
}
ACTIONS = ("add_priority", "change_priority", "remove_priority")
NEEDS = {
    "add_priority": ("field", "text"),
    "change_priority": ("priority", "text"),
    "remove_priority": ("priority",),
}
CHANGE_KEYS = ("action", "field", "priority", "text")
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
        return f"{_label(key)} muss add_priority, change_priority oder remove_priority sein"
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
    given = item.get("input")
    if kind == "value_error" and isinstance(given, dict) and given.get("action") in NEEDS:
        action = given["action"]
        missing = [name for name in NEEDS[action] if not str(given.get(name) or "").strip()]
        if missing:
            words = " und ".join(_label(name) for name in missing)
            verb = "fehlt" if len(missing) == 1 else "fehlen"
            return f"{words} {verb} (die Aktion {action} braucht {words})"
    return str(_message(item))


# a problem of the handler, as models.change_set names it: changes[0].field: …
HANDLER_PATH = re.compile(r"changes\[(\d+)\]\.(\w+): ")


def plain_change_paths(text: str) -> str:
    """The handler's messages about a change set with the change and field in words."""
    return HANDLER_PATH.sub(
        lambda match: f"Änderung {int(match.group(1)) + 1}, {_label(match.group(2))}: ", text
    )


# ------------------------------------------------------------ the structured change-set form

ACTION_LABELS = {
    "add_priority": "Schwerpunkt hinzufügen",
    "change_priority": "Schwerpunkt ändern",
    "remove_priority": "Schwerpunkt streichen",
}
ROW_KEYS = ("action", "field", "priority", "text")
CHANGE_ROWS = 3  # empty rows the form offers
MAX_CHANGE_ROWS = 30  # "Weitere Zeile" stops here; more rows posted are refused
MAX_SUMMARY = MAX_TEXT  # the model's bounds (models.change_set), said per field here
EXCERPT = 70  # characters of a priority's text in its option


@dataclass(frozen=True)
class StrategyChoices:
    """What the selects of the form offer: the fields of action of the strategy in force
    (key, name) and its priorities per field (code, readable name with an excerpt)."""

    fields: tuple[tuple[str, str], ...] = ()
    priorities: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    codes: frozenset[str] = field(default_factory=frozenset)

    @property
    def field_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.fields)


def strategy_choices(*, session: Session, body: Body) -> StrategyChoices:
    """The choices from the body's strategy in force; none if it has no strategy."""
    from models.errors import NotFoundError
    from models.strategy_versions import current_version, load_content
    from services.report_format import PriorityNames

    assert body.id is not None
    try:
        version = current_version(session=session, body_id=body.id)
    except NotFoundError:
        return StrategyChoices()
    content = load_content(session=session, version=version)
    names = PriorityNames.of_content(content)

    def label(code: str, text: str) -> str:
        short = text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"
        return f"{names.number(code)}: {short}"

    return StrategyChoices(
        fields=tuple((f.key, f.name) for f in content.fields),
        priorities=tuple(
            (f.name, tuple((code, label(code, text)) for code, text in f.priorities))
            for f in content.fields
        ),
        codes=frozenset(content.priority_codes()),
    )


class RowErrors(KreislaufError):
    """The structured form's mistakes, each beside its input (`inputs`: input name with the
    row's index, e.g. "priority-1", -> the German message)."""

    def __init__(self, inputs: dict[str, str]) -> None:
        super().__init__(
            "Die Änderungen sind unvollständig; nichts wurde festgehalten:",
            problems=list(inputs.values()),
        )
        self.inputs = inputs


def change_rows(
    action: list[str], field: list[str], priority: list[str], text: list[str], *, extra: int = 0
) -> list[dict[str, str]]:
    """The form's change rows as typed (to show them again), at least CHANGE_ROWS, with
    `extra` empty rows more; more than MAX_CHANGE_ROWS is refused."""
    count = max(len(action), len(field), len(priority), len(text))
    if count + extra > MAX_CHANGE_ROWS:
        raise KreislaufError(
            f"Höchstens {MAX_CHANGE_ROWS} Zeilen für Änderungen; bitte weitere Änderungen "
            "in einer eigenen Sitzung oder als TOML angeben.",
            field="rows",
        )

    def at(values: list[str], index: int) -> str:
        return values[index] if index < len(values) else ""

    rows = [
        dict(
            zip(
                ROW_KEYS, [at(values, i) for values in (action, field, priority, text)], strict=True
            )
        )
        for i in range(count)
    ]
    blank = dict.fromkeys(ROW_KEYS, "")
    rows += [dict(blank) for _ in range(max(CHANGE_ROWS - len(rows), 0) + extra)]
    return rows


def is_blank(row: dict[str, str]) -> bool:
    return not any(value.strip() for value in row.values())


def structured_change_set(
    summary: str, participants: str, rows: list[dict[str, str]], choices: StrategyChoices
) -> ChangeSet:
    """The change set of the form's rows (empty rows ignored), every value checked against
    `choices`; all mistakes at once, each beside its input ("Zeile 2: …")."""
    problems: dict[str, str] = {}
    if len(summary) > MAX_SUMMARY:
        problems["summary"] = (
            f"Die Zusammenfassung ist länger als {MAX_SUMMARY:_} Zeichen.".replace("_", ".")
        )
    people = [line.strip() for line in participants.splitlines() if line.strip()]
    if len(people) > MAX_PARTICIPANTS or any(len(name) > MAX_PARTICIPANT for name in people):
        problems["participants"] = (
            f"Teilnehmende: höchstens {MAX_PARTICIPANTS} Zeilen mit je höchstens "
            f"{MAX_PARTICIPANT} Zeichen."
        )
    changes: list[dict[str, str]] = []
    for index, row in enumerate(rows):
        if is_blank(row):
            continue
        change, mistakes = _row_change(
            index, {key: value.strip() for key, value in row.items()}, choices
        )
        problems.update(mistakes)
        if change:
            changes.append(change)
    if not changes and not problems:
        problems["action-0"] = (
            "Bitte mindestens eine Änderung angeben: eine Zeile ausfüllen (oder die "
            "Änderungen als TOML einfügen)."
        )
    if problems:
        raise RowErrors(problems)
    return ChangeSet.model_validate(
        {"summary": summary.strip() or None, "participants": people, "changes": changes}
    )


def _row_change(
    index: int, row: dict[str, str], choices: StrategyChoices
) -> tuple[dict[str, str], dict[str, str]]:
    """One row as a change (the keys its kind needs; the others are not used), or its
    mistakes (input -> message)."""
    line = f"Zeile {index + 1}:"
    action = row["action"]
    if not action:
        return {}, {f"action-{index}": f"{line} Bitte die Art der Änderung wählen."}
    if action not in ACTION_LABELS:
        message = f"{line} Diese Art der Änderung gibt es nicht; bitte aus der Liste wählen."
        return {}, {f"action-{index}": message}
    problems: dict[str, str] = {}
    if action == "add_priority":
        if not row["field"]:
            problems[f"field-{index}"] = f"{line} Bitte ein Handlungsfeld wählen."
        elif row["field"] not in choices.field_keys:
            problems[f"field-{index}"] = (
                f"{line} Dieses Handlungsfeld gibt es in der geltenden Strategie nicht; bitte "
                "aus der Liste wählen."
            )
    elif not row["priority"]:
        problems[f"priority-{index}"] = f"{line} Bitte einen Schwerpunkt wählen."
    elif row["priority"] not in choices.codes:
        problems[f"priority-{index}"] = (
            f"{line} Diesen Schwerpunkt gibt es in der geltenden Strategie nicht; bitte aus "
            "der Liste wählen."
        )
    if action == "add_priority" and not row["text"]:
        problems[f"text-{index}"] = f"{line} Bitte den Text des neuen Schwerpunkts angeben."
    elif action == "change_priority" and not row["text"]:
        problems[f"text-{index}"] = f"{line} Bitte den neuen Wortlaut des Schwerpunkts angeben."
    elif len(row["text"]) > MAX_TEXT:
        problems[f"text-{index}"] = f"{line} Der Text ist länger als {MAX_TEXT:_} Zeichen.".replace(
            "_", "."
        )
    if problems:
        return {}, problems
    keys = {"add_priority": ("field", "text"), "change_priority": ("priority", "text")}
    return {"action": action, **{key: row[key] for key in keys.get(action, ("priority",))}}, {}
