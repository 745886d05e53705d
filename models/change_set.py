"""Change sets: what a forum or retreat agreed to change in the strategic priorities.

A change set is recorded with the session and takes effect only through a council
resolution, which applies it to the strategy in force and makes a new version. Applying and
diffing are pure functions over a snapshot of the strategy's content.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.errors import KreislaufError

# the bounds of a change set, whatever entered it (TOML file, web form, simulation)
MAX_TEXT = 2_000  # characters of a priority's text or a session's summary
MAX_PARTICIPANTS = 100
MAX_PARTICIPANT = 200  # characters of one participant


class Change(BaseModel):
    """One agreed change: add a priority to a field, change or remove a priority by its code."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    action: Literal["add_priority", "change_priority", "remove_priority"]
    field: str | None = Field(default=None, max_length=64)
    priority: str | None = Field(default=None, max_length=80)
    text: str | None = Field(default=None, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _complete(self) -> Change:
        needs = {
            "add_priority": ("field", "text"),
            "change_priority": ("priority", "text"),
            "remove_priority": ("priority",),
        }[self.action]
        missing = [name for name in needs if not getattr(self, name)]
        if missing:
            raise ValueError(f"{self.action} braucht {', '.join(missing)}")
        return self


class ChangeSet(BaseModel):
    """The agreed changes of one session (a file `changes.toml` for `forum record`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    summary: str | None = Field(default=None, max_length=MAX_TEXT)
    participants: list[Annotated[str, Field(max_length=MAX_PARTICIPANT)]] = Field(
        default_factory=list, max_length=MAX_PARTICIPANTS
    )
    changes: list[Change] = Field(min_length=1, max_length=200)


@dataclass(frozen=True)
class FieldContent:
    key: str
    name: str
    guiding_thoughts: tuple[str, ...]
    priorities: tuple[tuple[str, str], ...]  # (code, text), in order


@dataclass(frozen=True)
class StrategyContent:
    """What a strategy version says; codes of priorities stay stable across versions."""

    fields: tuple[FieldContent, ...] = field(default=())

    def priority_codes(self) -> set[str]:
        return {code for f in self.fields for code, _ in f.priorities}


def apply_change_set(
    content: StrategyContent, change_set: ChangeSet, *, used_codes: set[str]
) -> StrategyContent:
    """The content after the changes; `used_codes` are every code ever given (never reused).

    Raises KreislaufError naming the change (changes[i]) that does not fit the content.
    """
    fields = {f.key: f for f in content.fields}
    taken = set(used_codes) | content.priority_codes()
    problems = []
    for index, change in enumerate(change_set.changes):
        where = f"changes[{index}]"
        if change.action == "add_priority":
            target = fields.get(change.field or "")
            if target is None:
                problems.append(
                    f"{where}.field: Handlungsfeld {change.field!r} gibt es nicht "
                    f"(vorhanden: {', '.join(fields)})."
                )
                continue
            code = _next_code(target.key, taken)
            taken.add(code)
            fields[target.key] = replace(
                target, priorities=target.priorities + ((code, change.text or ""),)
            )
            continue
        owner = next(
            (
                f
                for f in fields.values()
                if any(code == change.priority for code, _ in f.priorities)
            ),
            None,
        )
        if owner is None:
            problems.append(
                f"{where}.priority: Schwerpunkt {change.priority!r} gibt es in der "
                "geltenden Strategie nicht."
            )
            continue
        if change.action == "remove_priority":
            kept = tuple(p for p in owner.priorities if p[0] != change.priority)
        else:
            kept = tuple(
                (code, (change.text or "") if code == change.priority else text)
                for code, text in owner.priorities
            )
        fields[owner.key] = replace(owner, priorities=kept)
    if problems:
        raise KreislaufError(
            "Die Änderungen passen nicht zur geltenden Strategie:", problems=problems
        )
    return StrategyContent(tuple(fields[f.key] for f in content.fields))


def combine_change_sets(named: list[tuple[str, ChangeSet]]) -> ChangeSet:
    """The change sets of several sessions as one, in order, to be applied together.

    `named` pairs a session's German name with its change set. The same change agreed twice
    counts once; two sessions changing one priority differently is refused naming both.
    """
    seen: dict[str, tuple[str, Change]] = {}
    changes: list[Change] = []
    problems = []
    for name, change_set in named:
        for change in change_set.changes:
            if change in changes:
                continue
            earlier = seen.get(change.priority or "")
            if earlier is not None and earlier[0] != name:
                problems.append(
                    f"Schwerpunkt {change.priority}: {earlier[0]} und {name} vereinbaren "
                    "Unterschiedliches."
                )
                continue
            if change.priority:
                seen.setdefault(change.priority, (name, change))
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


def diff_strategies(old: StrategyContent, new: StrategyContent) -> list[dict[str, str | None]]:
    """Priority by priority: added, changed, removed, with field, code, before and after."""
    before = {code: (f.name, text) for f in old.fields for code, text in f.priorities}
    after = {code: (f.name, text) for f in new.fields for code, text in f.priorities}
    result: list[dict[str, str | None]] = []
    for code in [*before, *[c for c in after if c not in before]]:
        old_entry, new_entry = before.get(code), after.get(code)
        shown = new_entry or old_entry
        if shown is None or old_entry == new_entry:
            continue
        kind = "added" if old_entry is None else "removed" if new_entry is None else "changed"
        result.append(
            {
                "change": kind,
                "field": shown[0],
                "priority": code,
                "before": old_entry[1] if old_entry else None,
                "after": new_entry[1] if new_entry else None,
            }
        )
    return result


DIFF_LABELS = {"added": "neu", "changed": "geändert", "removed": "entfällt"}
