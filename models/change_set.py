"""Change sets: what a forum or retreat agreed to change in the goal system.

A change set is recorded with the session and takes effect only through a council
resolution, which applies it to the strategy in force and makes a new version. Every part of
the goal system can change: vision and motto, principles, fields of action with their
guiding thoughts and priorities (added, reworded, moved, ranked, removed), key positions and
the budget year they apply from. Applying is a pure function over a snapshot of
the strategy's content (models.strategy_diff says what changed between two).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.errors import KreislaufError

# the bounds of a change set, whatever entered it (TOML file, web form, simulation)
MAX_TEXT = 2_000  # characters of a priority's, principle's, reason's text or a summary
MAX_VISION = 10_000  # characters of the vision
MAX_NAME = 200  # characters of a field's name or the motto
MAX_NUMBER = 1_000  # a principle's or guiding thought's number, a priority's rank
MAX_PAGE = 100_000
MIN_YEAR, MAX_YEAR = 2000, 2199
MAX_PARTICIPANTS = 100
MAX_PARTICIPANT = 200  # characters of one participant
MAX_CHANGES = 200
FIELD_KEY = r"^[a-z][a-z0-9_-]*$"
PRODUCT_NUMBER = r"^\d{2}\.\d{2}\.\d{2}$"

Action = Literal[
    "change_vision",
    "change_motto",
    "add_principle",
    "change_principle",
    "remove_principle",
    "add_field",
    "rename_field",
    "retire_field",
    "add_guiding_thought",
    "change_guiding_thought",
    "remove_guiding_thought",
    "add_priority",
    "change_priority",
    "move_priority",
    "rank_priority",
    "remove_priority",
    "add_key_position",
    "change_key_position",
    "remove_key_position",
    "set_key_positions_year",
]
ACTIONS: tuple[str, ...] = get_args(Action)

# per action: the keys it needs, and those it may have besides
NEEDS: dict[str, tuple[str, ...]] = {
    "change_vision": ("text",),
    "change_motto": ("text",),
    "add_principle": ("text",),
    "change_principle": ("number", "text"),
    "remove_principle": ("number",),
    "add_field": ("field", "name"),
    "rename_field": ("field", "name"),
    "retire_field": ("field",),
    "add_guiding_thought": ("field", "text"),
    "change_guiding_thought": ("field", "number", "text"),
    "remove_guiding_thought": ("field", "number"),
    "add_priority": ("field", "text"),
    "change_priority": ("priority", "text"),
    "move_priority": ("priority", "field"),
    "rank_priority": ("priority", "rank"),
    "remove_priority": ("priority",),
    "add_key_position": ("product", "text"),
    "change_key_position": ("product",),
    "remove_key_position": ("product",),
    "set_key_positions_year": ("year",),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "add_priority": ("rank",),
    "change_priority": ("field", "rank"),
    "move_priority": ("rank",),
    "add_key_position": ("page",),
    "change_key_position": ("text", "new_product", "page"),
}
CHANGE_KEYS = (
    "action",
    "field",
    "priority",
    "number",
    "name",
    "rank",
    "product",
    "new_product",
    "page",
    "year",
    "text",
)
# the keys as people read them (the form's hints, the messages of every way in)
KEY_LABELS = {
    "action": "Aktion",
    "field": "Handlungsfeld",
    "priority": "Schwerpunkt",
    "number": "Nummer",
    "name": "Name",
    "rank": "Stelle",
    "product": "Produkt",
    "new_product": "neues Produkt",
    "page": "Seite",
    "year": "Jahr",
    "text": "Text",
}


def text_limit(action: str) -> int:
    """The characters an action's text may have: a vision is long, a motto short."""
    return {"change_vision": MAX_VISION, "change_motto": MAX_NAME}.get(action, MAX_TEXT)


def _said(keys: Collection[str]) -> str:
    return " und ".join(f"„{KEY_LABELS[k]}“" for k in keys)


class Change(BaseModel):
    """One agreed change; `action` says what it changes, the other keys what it needs.

    `text` is the wording of whatever the action adds or changes (vision, motto, principle,
    guiding thought, priority, a key position's reason); `number` names a principle or a
    guiding thought by its number in the strategy in force; `field` names a field of action
    (for a priority: the field it goes to); `rank` is a priority's new place in its field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    action: Action
    field: str | None = Field(default=None, max_length=64)
    priority: str | None = Field(default=None, max_length=80)
    number: int | None = Field(default=None, ge=1, le=MAX_NUMBER, strict=True)
    name: str | None = Field(default=None, max_length=MAX_NAME)
    rank: int | None = Field(default=None, ge=1, le=MAX_NUMBER, strict=True)
    product: str | None = Field(default=None, max_length=20, pattern=PRODUCT_NUMBER)
    new_product: str | None = Field(default=None, max_length=20, pattern=PRODUCT_NUMBER)
    page: int | None = Field(default=None, ge=1, le=MAX_PAGE, strict=True)
    year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR, strict=True)
    text: str | None = Field(default=None, max_length=MAX_VISION)

    @model_validator(mode="after")
    def _complete(self) -> Change:
        needs = NEEDS[self.action]
        missing = [key for key in needs if getattr(self, key) in (None, "")]
        if missing:
            verb = "fehlt" if len(missing) == 1 else "fehlen"
            raise ValueError(
                f"{_said(missing)} {verb} (die Aktion {self.action} braucht {_said(needs)})"
            )
        allowed = {"action", *needs, *OPTIONAL.get(self.action, ())}
        unused = [key for key in CHANGE_KEYS if key not in allowed and getattr(self, key)]
        if unused:
            raise ValueError(
                f"{_said(unused)} gehört nicht zur Aktion {self.action} "
                f"(sie braucht {_said(needs)}"
                + (
                    f", möglich auch {_said(OPTIONAL[self.action])}"
                    if self.action in OPTIONAL
                    else ""
                )
                + ")"
            )
        limit = text_limit(self.action)
        if self.text is not None and len(self.text) > limit:
            raise ValueError(f"„Text“: höchstens {limit} Zeichen erlaubt")
        if self.action == "change_key_position" and not (
            self.text or self.new_product or self.page
        ):
            raise ValueError(
                "die Aktion change_key_position braucht „Text“ (die Begründung), "
                "„neues Produkt“ oder „Seite“"
            )
        if self.action == "add_field":
            if not re.match(FIELD_KEY, self.field or ""):
                raise ValueError(
                    "„Handlungsfeld“: der Schlüssel eines neuen Handlungsfelds besteht aus "
                    "Kleinbuchstaben, Ziffern, - und _, beginnend mit einem Buchstaben"
                )
        return self


class ChangeSet(BaseModel):
    """The agreed changes of one session (a file `changes.toml` for `forum record`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    summary: str | None = Field(default=None, max_length=MAX_TEXT)
    participants: list[Annotated[str, Field(max_length=MAX_PARTICIPANT)]] = Field(
        default_factory=list, max_length=MAX_PARTICIPANTS
    )
    changes: list[Change] = Field(min_length=1, max_length=MAX_CHANGES)


OLD_ACTIONS = {  # what a change could say before every part of the strategy could change
    "add_priority": ("field", "text"),
    "change_priority": ("priority", "text"),
    "remove_priority": ("priority",),
}


def stored_change_set(data: object, *, what: str) -> ChangeSet:
    """A session's change set as stored. One stored before the other kinds existed may carry
    keys its action never used (they were ignored then, and are dropped now); what still
    does not read is a German error naming `what` (the session), not a traceback."""
    try:
        return ChangeSet.model_validate(data)
    except ValidationError:
        pass
    if isinstance(data, dict) and isinstance(data.get("changes"), list):
        changes = [
            {key: value for key, value in change.items() if key in ("action", *OLD_ACTIONS[action])}
            if isinstance(change, dict) and (action := change.get("action")) in OLD_ACTIONS
            else change
            for change in data["changes"]
        ]
        try:
            return ChangeSet.model_validate({**data, "changes": changes})
        except ValidationError:
            pass
    raise KreislaufError(
        f"Die gespeicherten Änderungen von {what} lassen sich nicht lesen; bitte die Sitzung "
        "mit ihren Änderungen erneut festhalten."
    )


@dataclass(frozen=True)
class FieldContent:
    key: str
    name: str
    guiding_thoughts: tuple[str, ...]
    priorities: tuple[tuple[str, str], ...]  # (code, text), in order


@dataclass(frozen=True)
class KeyPositionContent:
    """A key position by its product's number (products outlive versions)."""

    product: str
    reason: str
    page: int | None = None


@dataclass(frozen=True)
class StrategyContent:
    """What a strategy version says; codes of priorities stay stable across versions."""

    fields: tuple[FieldContent, ...] = field(default=())
    vision: str = ""
    motto: str | None = None
    principles: tuple[str, ...] = ()
    key_positions: tuple[KeyPositionContent, ...] = ()
    key_positions_year: int | None = None

    def priority_codes(self) -> set[str]:
        return {code for f in self.fields for code, _ in f.priorities}


@dataclass
class _Field:
    """A field of action while a change set is applied (mutable, never leaves the module)."""

    key: str
    name: str
    thoughts: list[tuple[int | None, str | None]]  # (number in force, text; None: removed)
    codes: list[str]
    added: bool = False
    retired_by: int | None = None  # the index of the change that retires it


@dataclass
class _KeyPosition:
    product: str
    reason: str
    page: int | None


class _Applying:
    """The working copy of a strategy's content and the problems found so far."""

    def __init__(
        self, content: StrategyContent, used_codes: set[str], products: Collection[str]
    ) -> None:
        self.fields = {
            f.key: _Field(
                f.key,
                f.name,
                [(n, t) for n, t in enumerate(f.guiding_thoughts, start=1)],
                [code for code, _ in f.priorities],
            )
            for f in content.fields
        }
        self.texts = {code: text for f in content.fields for code, text in f.priorities}
        self.placed_by: dict[str, int] = {}  # a priority added or moved: by which change
        self.taken = set(used_codes) | content.priority_codes()
        self.vision, self.motto = content.vision, content.motto
        self.principles: list[tuple[int | None, str | None]] = [
            (n, t) for n, t in enumerate(content.principles, start=1)
        ]
        self.key_positions = [
            _KeyPosition(k.product, k.reason, k.page) for k in content.key_positions
        ]
        self.key_positions_year = content.key_positions_year
        self.products = set(products)
        self.altered: dict[str, int] = {}  # a field renamed or its thoughts changed: by which
        self.principle_removed_by: int | None = None  # the last removal of a principle
        self.problems: list[str] = []

    def problem(self, index: int, key: str, message: str) -> None:
        self.problems.append(f"changes[{index}].{key}: {message}")

    def field_of(self, index: int, key: str | None, *, what: str = "field") -> _Field | None:
        found = self.fields.get(key or "")
        if found is None:
            names = ", ".join(f.key for f in self.fields.values() if f.retired_by is None)
            self.problem(index, what, f"Handlungsfeld {key!r} gibt es nicht (vorhanden: {names}).")
        return found

    def kept_field(self, index: int, key: str | None) -> _Field | None:
        """A field this change alters (its name, its guiding thoughts): not one these
        changes retire; retiring it later refuses, naming this change."""
        found = self.field_of(index, key)
        if found is not None and found.retired_by is not None:
            self.problem(
                index,
                "field",
                f"Handlungsfeld {found.key!r} wird in diesen Änderungen aufgehoben "
                f"(changes[{found.retired_by}]).",
            )
            return None
        if found is not None:
            self.altered.setdefault(found.key, index)
        return found

    def owner(self, index: int, code: str | None) -> _Field | None:
        found = next((f for f in self.fields.values() if code in f.codes), None)
        if found is None:
            self.problem(
                index,
                "priority",
                f"Schwerpunkt {code!r} gibt es in der geltenden Strategie nicht"
                + (" (mehr)." if code in self.texts else "."),
            )
        return found

    def numbered(
        self,
        index: int,
        items: list[tuple[int | None, str | None]],
        number: int | None,
        what: str,
        plural_what: str,
    ) -> int | None:
        """The place in `items` of the one numbered `number` in the strategy in force."""
        in_force = sum(1 for n, _ in items if n is not None)
        for place, (n, text) in enumerate(items):
            if n == number:
                if text is None:
                    self.problem(
                        index,
                        "number",
                        f"{what} {number} wird in diesen Änderungen schon gestrichen.",
                    )
                    return None
                return place
        self.problem(
            index,
            "number",
            f"{what} {number} gibt es nicht (die geltende Strategie hat {in_force} {plural_what}).",
        )
        return None

    def name_taken(self, name: str, but: str | None = None) -> bool:
        wanted = name.casefold()
        return any(
            f.name.casefold() == wanted and f.key != but and f.retired_by is None
            for f in self.fields.values()
        )

    def key_position(self, index: int, product: str | None) -> _KeyPosition | None:
        found = next((k for k in self.key_positions if k.product == product), None)
        if found is None:
            self.problem(
                index,
                "product",
                f"Produkt {product} ist keine Schlüsselposition der geltenden Strategie.",
            )
        return found

    def known_product(self, index: int, product: str | None, key: str) -> bool:
        if product not in self.products:
            self.problem(index, key, f"Produkt {product} gibt es im Haushalt nicht.")
            return False
        if any(k.product == product for k in self.key_positions):
            self.problem(index, key, f"Produkt {product} ist bereits Schlüsselposition.")
            return False
        return True

    def place(self, index: int, code: str, target: _Field, rank: int | None) -> None:
        """Put a priority into `target` at `rank` (at the end without one)."""
        if code in target.codes:
            target.codes.remove(code)
        if rank is not None and rank > len(target.codes) + 1:
            self.problem(
                index,
                "rank",
                f"Stelle {rank} gibt es im Handlungsfeld {target.name} nicht "
                f"(möglich: 1 bis {len(target.codes) + 1}).",
            )
            rank = None
        target.codes.insert(len(target.codes) if rank is None else rank - 1, code)

    def apply(self, index: int, change: Change) -> None:
        action = change.action
        if action == "change_vision":
            self.vision = change.text or ""
        elif action == "change_motto":
            self.motto = change.text
        elif action == "add_principle":
            self.principles.append((None, change.text))
        elif action in ("change_principle", "remove_principle"):
            place = self.numbered(index, self.principles, change.number, "Leitsatz", "Leitsätze")
            if place is not None:
                text = change.text if action == "change_principle" else None
                self.principles[place] = (change.number, text)
                if text is None:
                    self.principle_removed_by = index
        elif action == "add_field":
            self.add_field(index, change)
        elif action == "rename_field":
            target = self.kept_field(index, change.field)
            if target is not None:
                if self.name_taken(change.name or "", but=target.key):
                    self.problem(index, "name", f"Ein Handlungsfeld heißt bereits {change.name!r}.")
                else:
                    target.name = change.name or ""
        elif action == "retire_field":
            target = self.field_of(index, change.field)
            if target is not None:
                if target.retired_by is not None:
                    self.problem(
                        index, "field", f"Handlungsfeld {target.key!r} wird schon aufgehoben."
                    )
                elif target.key in self.altered:
                    self.problem(
                        index,
                        "field",
                        f"Handlungsfeld {target.key!r} wird in diesen Änderungen auch geändert "
                        f"(changes[{self.altered[target.key]}]); aufheben oder ändern.",
                    )
                else:
                    target.retired_by = index
        elif action.endswith("_guiding_thought"):
            self.guiding_thought(index, change)
        elif action.endswith("_priority"):
            self.priority(index, change)
        else:
            self.key_positions_change(index, change)

    def add_field(self, index: int, change: Change) -> None:
        key, name = change.field or "", change.name or ""
        if key in self.fields:
            self.problem(index, "field", f"Handlungsfeld {key!r} gibt es bereits.")
        elif self.name_taken(name):
            self.problem(index, "name", f"Ein Handlungsfeld heißt bereits {name!r}.")
        else:
            self.fields[key] = _Field(key, name, [], [], added=True)

    def guiding_thought(self, index: int, change: Change) -> None:
        target = self.kept_field(index, change.field)
        if target is None:
            return
        if change.action == "add_guiding_thought":
            target.thoughts.append((None, change.text))
            return
        place = self.numbered(
            index, target.thoughts, change.number, "Leitgedanke", "Leitgedanken in diesem Feld"
        )
        if place is not None:
            text = change.text if change.action == "change_guiding_thought" else None
            target.thoughts[place] = (change.number, text)

    def priority(self, index: int, change: Change) -> None:
        if change.action == "add_priority":
            target = self.field_of(index, change.field)
            if target is None:
                return
            code = _next_code(target.key, self.taken)
            self.taken.add(code)
            self.texts[code] = change.text or ""
            self.placed_by[code] = index
            self.place(index, code, target, change.rank)
            return
        owner = self.owner(index, change.priority)
        code = change.priority or ""
        if owner is None:
            return
        if change.action == "remove_priority":
            owner.codes.remove(code)
            return
        if change.text:
            self.texts[code] = change.text
        target = owner
        if change.field:
            found = self.field_of(index, change.field)
            if found is None:
                return
            target = found
            if target is not owner:
                self.placed_by[code] = index
        if target is not owner:
            owner.codes.remove(code)
        if target is not owner or change.rank is not None:
            self.place(index, code, target, change.rank)

    def key_positions_change(self, index: int, change: Change) -> None:
        if change.action == "set_key_positions_year":
            self.key_positions_year = change.year
        elif change.action == "add_key_position":
            if self.known_product(index, change.product, "product"):
                self.key_positions.append(
                    _KeyPosition(change.product or "", change.text or "", change.page)
                )
        else:
            found = self.key_position(index, change.product)
            if found is None:
                return
            if change.action == "remove_key_position":
                self.key_positions.remove(found)
                return
            if change.new_product and self.known_product(index, change.new_product, "new_product"):
                found.product = change.new_product
            if change.text:
                found.reason = change.text
            if change.page:
                found.page = change.page

    def result(self) -> StrategyContent:
        for f in self.fields.values():
            if f.retired_by is None:
                continue
            kept = [code for code in f.codes if code not in self.placed_by]
            if kept:
                self.problem(
                    f.retired_by,
                    "field",
                    f"Handlungsfeld {f.name} hat noch die Schwerpunkte {', '.join(kept)}; "
                    "bitte sie in denselben Änderungen in ein anderes Handlungsfeld verschieben "
                    "(move_priority) oder streichen (remove_priority).",
                )
            for code in f.codes:
                if code in self.placed_by:
                    self.problem(
                        self.placed_by[code],
                        "field",
                        f"Schwerpunkt {code} bliebe ohne Handlungsfeld: Handlungsfeld {f.name} "
                        f"wird aufgehoben (changes[{f.retired_by}]).",
                    )
        kept_fields = [f for f in self.fields.values() if f.retired_by is None]
        if not kept_fields and self.fields:
            last = max(f.retired_by or 0 for f in self.fields.values())
            self.problem(last, "field", "Die Strategie behielte kein Handlungsfeld.")
        if self.principle_removed_by is not None and all(t is None for _, t in self.principles):
            self.problem(
                self.principle_removed_by, "number", "Die Strategie behielte keinen Leitsatz."
            )
        if self.problems:
            raise KreislaufError(
                "Die Änderungen passen nicht zur geltenden Strategie:", problems=self.problems
            )
        return StrategyContent(
            fields=tuple(
                FieldContent(
                    key=f.key,
                    name=f.name,
                    guiding_thoughts=tuple(t for _, t in f.thoughts if t is not None),
                    priorities=tuple((code, self.texts[code]) for code in f.codes),
                )
                for f in self.fields.values()
                if f.retired_by is None
            ),
            vision=self.vision,
            motto=self.motto,
            principles=tuple(t for _, t in self.principles if t is not None),
            key_positions=tuple(
                KeyPositionContent(k.product, k.reason, k.page) for k in self.key_positions
            ),
            key_positions_year=self.key_positions_year,
        )


def apply_change_set(
    content: StrategyContent,
    change_set: ChangeSet,
    *,
    used_codes: set[str],
    products: Collection[str],
) -> StrategyContent:
    """The content after the changes; `used_codes` are every code ever given (never reused),
    `products` the numbers of the body's products (a key position names one).

    Checked as a whole: raises KreislaufError with one problem per change (changes[i].key)
    that does not fit the content; principles and guiding thoughts are named by their number
    in the strategy in force, whatever the changes before did to them.
    """
    applying = _Applying(content, used_codes, products)
    for index, change in enumerate(change_set.changes):
        applying.apply(index, change)
    return applying.result()


def _target(change: Change) -> tuple[str, ...] | None:
    """What a change changes, to tell two sessions changing one thing differently; None for
    additions (two sessions may each add something)."""
    action = change.action
    if action in ("change_vision", "change_motto", "set_key_positions_year"):
        return (action,)
    if action in ("change_principle", "remove_principle"):
        return ("principle", str(change.number))
    if action in ("add_field", "rename_field", "retire_field"):
        return ("field", change.field or "")
    if action in ("change_guiding_thought", "remove_guiding_thought"):
        return ("guiding_thought", change.field or "", str(change.number))
    if change.priority:
        return ("priority", change.priority)
    if action in ("change_key_position", "remove_key_position", "add_key_position"):
        return ("key_position", change.product or "")
    return None


TARGET_LABELS = {
    "change_vision": "Die Vision",
    "change_motto": "Das Motto",
    "set_key_positions_year": "Das Jahr der Schlüsselpositionen",
    "principle": "Leitsatz",
    "field": "Handlungsfeld",
    "guiding_thought": "Leitgedanke",
    "priority": "Schwerpunkt",
    "key_position": "Schlüsselposition",
}


def _target_name(target: tuple[str, ...]) -> str:
    label = TARGET_LABELS[target[0]]
    if target[0] == "guiding_thought":
        return f"{label} {target[2]} im Handlungsfeld {target[1]}"
    return " ".join([label, *target[1:]])


def combine_change_sets(named: list[tuple[str, ChangeSet]]) -> ChangeSet:
    """The change sets of several sessions as one, in order, to be applied together.

    `named` pairs a session's German name with its change set. The same change agreed twice
    counts once; two sessions changing one thing (a priority, principle, field, key
    position, the vision ...) differently is refused naming both.
    """
    seen: dict[tuple[str, ...], str] = {}
    agreed: dict[Change, str] = {}  # a change and the first session that agreed it
    changes: list[Change] = []
    problems = []
    for name, change_set in named:
        for change in change_set.changes:
            if agreed.get(change, name) != name:
                continue  # agreed by an earlier session too: once
            agreed.setdefault(change, name)
            target = _target(change)
            earlier = seen.get(target) if target else None
            if earlier is not None and earlier != name:
                assert target is not None
                problems.append(
                    f"{_target_name(target)}: {earlier} und {name} vereinbaren Unterschiedliches."
                )
                continue
            if target:
                seen.setdefault(target, name)
            changes.append(change)
    if problems:
        raise KreislaufError(
            "Die vereinbarten Änderungen der Sitzungen widersprechen sich:", problems=problems
        )
    # no re-validation: together they may exceed one session's bounds, each was checked
    return ChangeSet.model_construct(summary=None, participants=[], changes=changes)


def _next_code(field_key: str, taken: set[str]) -> str:
    numbers = [
        int(code.rsplit(".", 1)[1])
        for code in taken
        if code.rsplit(".", 1)[0] == field_key and code.rsplit(".", 1)[1].isdigit()
    ]
    return f"{field_key}.{max(numbers, default=0) + 1}"


# the actions as people read them (the web form's choices, the README)
ACTION_LABELS = {
    "change_vision": "Vision ändern",
    "change_motto": "Motto ändern",
    "add_principle": "Leitsatz hinzufügen",
    "change_principle": "Leitsatz ändern",
    "remove_principle": "Leitsatz streichen",
    "add_field": "Handlungsfeld hinzufügen",
    "rename_field": "Handlungsfeld umbenennen",
    "retire_field": "Handlungsfeld aufheben",
    "add_guiding_thought": "Leitgedanke hinzufügen",
    "change_guiding_thought": "Leitgedanke ändern",
    "remove_guiding_thought": "Leitgedanke streichen",
    "add_priority": "Schwerpunkt hinzufügen",
    "change_priority": "Schwerpunkt ändern",
    "move_priority": "Schwerpunkt verschieben",
    "rank_priority": "Schwerpunkt neu einreihen",
    "remove_priority": "Schwerpunkt streichen",
    "add_key_position": "Schlüsselposition hinzufügen",
    "change_key_position": "Schlüsselposition ändern",
    "remove_key_position": "Schlüsselposition streichen",
    "set_key_positions_year": "Jahr der Schlüsselpositionen festlegen",
}
