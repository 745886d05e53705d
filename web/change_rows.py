"""The session form's change set filled in row by row: per row the kind of change, the field
of action and the priority chosen from the strategy in force, the numbers, names and text the
kind needs. Each mistake is told beside its input ("Zeile 2: Bitte einen Schwerpunkt
wählen."); what the rows' checks leave, the model's words as web.forms says them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from models.change_set import (
    ACTION_LABELS,
    FIELD_KEY,
    MAX_NAME,
    MAX_NUMBER,
    MAX_PAGE,
    MAX_PARTICIPANT,
    MAX_PARTICIPANTS,
    MAX_TEXT,
    MAX_YEAR,
    MIN_YEAR,
    NEEDS,
    OPTIONAL,
    PRODUCT_NUMBER,
    ChangeSet,
    text_limit,
)
from models.errors import KreislaufError
from web.forms import change_problem

if TYPE_CHECKING:
    from sqlmodel import Session

    from models.body import Body


# a row's inputs, in the order the browser posts them
ROW_KEYS: tuple[str, ...] = (
    "action",
    "field",
    "priority",
    "number",
    "rank",
    "name",
    "product",
    "new_product",
    "page",
    "text",
)
# the optional keys the form takes from a row (a change of wording never moves a priority)
FORM_OPTIONAL = {**OPTIONAL, "change_priority": ()}
CHANGE_ROWS = 3  # empty rows the form offers
MAX_CHANGE_ROWS = 30  # "Weitere Zeile" stops here; more rows posted are refused
MAX_SUMMARY = MAX_TEXT  # the model's bounds (models.change_set), said per field here
EXCERPT = 70  # characters of a priority's text in its option
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True)
class StrategyChoices:
    """What the selects of the form offer: the fields of action of the strategy in force
    (key, name), its priorities per field (code, readable name with an excerpt) and the
    body's products (number, name) with those that are key positions."""

    fields: tuple[tuple[str, str], ...] = ()
    priorities: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    codes: frozenset[str] = field(default_factory=frozenset)
    products: tuple[tuple[str, str], ...] = ()

    @property
    def field_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.fields)

    @property
    def product_numbers(self) -> frozenset[str]:
        return frozenset(number for number, _ in self.products)


def strategy_choices(*, session: Session, body: Body) -> StrategyChoices:
    """The choices from the body's strategy in force; none if it has no strategy."""
    from sqlmodel import col, select

    from models.errors import NotFoundError
    from models.strategy import Product
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

    products = session.exec(
        select(Product.number, Product.name)
        .where(Product.body_id == body.id)
        .order_by(col(Product.number))
    ).all()
    return StrategyChoices(
        fields=tuple((f.key, f.name) for f in content.fields),
        priorities=tuple(
            (f.name, tuple((code, label(code, text)) for code, text in f.priorities))
            for f in content.fields
        ),
        codes=frozenset(content.priority_codes()),
        products=tuple((number, name) for number, name in products),
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


def change_rows(columns: dict[str, list[str]], *, extra: int = 0) -> list[dict[str, str]]:
    """The form's change rows as typed (to show them again; `columns`: input name -> the
    values of every row), at least CHANGE_ROWS, with `extra` empty rows more; more than
    MAX_CHANGE_ROWS is refused."""
    count = max((len(columns.get(key, [])) for key in ROW_KEYS), default=0)
    if count + extra > MAX_CHANGE_ROWS:
        raise KreislaufError(
            f"Höchstens {MAX_CHANGE_ROWS} Zeilen für Änderungen; bitte weitere Änderungen "
            "in einer eigenen Sitzung oder als TOML angeben.",
            field="rows",
        )

    def at(key: str, index: int) -> str:
        values = columns.get(key, [])
        return values[index] if index < len(values) else ""

    rows = [{key: at(key, i) for key in ROW_KEYS} for i in range(count)]
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
    changes: list[dict[str, object]] = []
    lines: list[int] = []  # the row of each change
    for index, row in enumerate(rows):
        if is_blank(row):
            continue
        change, mistakes = _row_change(
            index, {key: row.get(key, "").strip() for key in ROW_KEYS}, choices
        )
        problems.update(mistakes)
        if change:
            changes.append(change)
            lines.append(index)
    if not changes and not problems:
        problems["action-0"] = (
            "Bitte mindestens eine Änderung angeben: eine Zeile ausfüllen (oder die "
            "Änderungen als TOML einfügen)."
        )
    if problems:
        raise RowErrors(problems)
    data = {"summary": summary.strip() or None, "participants": people, "changes": changes}
    try:
        return ChangeSet.model_validate(data)
    except ValidationError as error:  # what the rows' own checks left: the model's words
        for item in error.errors():
            loc = tuple(item["loc"])
            index = lines[loc[1]] if len(loc) >= 2 and isinstance(loc[1], int) else 0
            key = str(loc[2]) if len(loc) >= 3 and loc[2] in ROW_KEYS else "action"
            problems[f"{key}-{index}"] = (
                f"Zeile {index + 1}: {change_problem(item).split(': ', 1)[-1]}"
            )
        raise RowErrors(problems) from None


def field_key(name: str, taken: Collection[str] = ()) -> str:
    """The key of a new field of action, made from its name ("Digitale Verwaltung" ->
    "digitale-verwaltung") and not one of the keys `taken` ("bildung-2"): the form asks for
    the name only."""
    key = re.sub(r"[^a-z0-9]+", "-", name.casefold().translate(UMLAUTS)).strip("-")[:60]
    key = key if re.match(FIELD_KEY, key) else f"feld-{key}"[:60].rstrip("-")
    number = 1
    free = key
    while free in taken:
        number += 1
        free = f"{key}-{number}"
    return free


def _row_change(
    index: int, row: dict[str, str], choices: StrategyChoices
) -> tuple[dict[str, object], dict[str, str]]:
    """One row as a change (the keys its kind needs; the others are not used), or its
    mistakes (input -> message)."""
    line = f"Zeile {index + 1}:"
    action = row["action"]
    if not action:
        return {}, {f"action-{index}": f"{line} Bitte die Art der Änderung wählen."}
    if action not in ACTION_LABELS:
        message = f"{line} Diese Art der Änderung gibt es nicht; bitte aus der Liste wählen."
        return {}, {f"action-{index}": message}
    needs = NEEDS[action]
    keys = (*needs, *FORM_OPTIONAL.get(action, ()))
    if action == "add_field":  # the key is made from the name
        needs, keys = ("name",), ("name",)
    problems: dict[str, str] = {}
    change: dict[str, object] = {"action": action}
    for key in keys:
        value = row.get("number" if key == "year" else key, "")
        problem = _row_value(key, value, action, choices, required=key in needs)
        if problem:
            problems[f"{'number' if key == 'year' else key}-{index}"] = f"{line} {problem}"
        elif value:
            change[key] = int(value) if key in ("number", "rank", "page", "year") else value
    if action == "add_field" and not problems:
        change["field"] = field_key(row["name"], choices.field_keys)
    return ({}, problems) if problems else (change, {})


NEEDED = {
    "field": "Bitte ein Handlungsfeld wählen.",
    "priority": "Bitte einen Schwerpunkt wählen.",
    "number": "Bitte die Nummer angeben.",
    "year": "Bitte das Haushaltsjahr (im Feld Nummer) angeben.",
    "rank": "Bitte die neue Stelle angeben.",
    "name": "Bitte den Namen des Handlungsfelds angeben.",
    "product": "Bitte das Produkt angeben (Nummer wie 11.20.04).",
    "text": "Bitte den Text angeben.",
}


def _row_value(
    key: str, value: str, action: str, choices: StrategyChoices, *, required: bool
) -> str | None:
    """What is wrong with one input of a row, or None."""
    if not value:
        if not required:
            return None
        if key == "text" and action == "change_priority":
            return "Bitte den neuen Wortlaut des Schwerpunkts angeben."
        if key == "text" and action == "add_priority":
            return "Bitte den Text des neuen Schwerpunkts angeben."
        if key == "text" and action == "add_key_position":
            return "Bitte die Begründung der Schlüsselposition (Text) angeben."
        return NEEDED[key]
    if key == "field" and value not in choices.field_keys:
        return (
            "Dieses Handlungsfeld gibt es in der geltenden Strategie nicht; bitte aus der "
            "Liste wählen."
        )
    if key == "priority" and value not in choices.codes:
        return (
            "Diesen Schwerpunkt gibt es in der geltenden Strategie nicht; bitte aus der "
            "Liste wählen."
        )
    if key in ("product", "new_product"):
        if not re.match(PRODUCT_NUMBER, value):
            return "Bitte das Produkt mit seiner Nummer angeben, etwa 11.20.04."
        if value not in choices.product_numbers:
            return f"Produkt {value} gibt es im Haushalt nicht."
    if key in ("number", "rank", "page", "year"):
        low, high = {
            "page": (1, MAX_PAGE),
            "year": (MIN_YEAR, MAX_YEAR),
        }.get(key, (1, MAX_NUMBER))
        # ASCII digits only, and few of them: int() takes neither "²" nor 5,000 digits
        if not re.fullmatch(r"[0-9]{1,7}", value) or not low <= int(value) <= high:
            what = {"page": "Die Seite", "year": "Das Jahr", "rank": "Die Stelle"}.get(
                key, "Die Nummer"
            )
            return f"{what} muss eine ganze Zahl von {low} bis {high} sein."
    limit = {"name": MAX_NAME, "text": text_limit(action)}
    if key in limit and len(value) > limit[key]:
        return f"Der Text ist länger als {limit[key]:_} Zeichen.".replace("_", ".")
    return None
