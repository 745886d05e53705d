"""The step every aggregate takes: a status change checked against `ALLOWED`, written with a
conditional UPDATE and an audit event.

The aggregates' modules build on it; none of them writes a status field another way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from models import audit
from models.calendar_rules.spec import PhaseKind
from models.cycle import Cycle, Phase, Task
from models.db import table_of
from models.errors import ConflictError
from models.partial_report import PartialReport
from models.planning import Plan
from models.submissions import Submission


@dataclass(frozen=True)
class Event:
    """One line of the cycle's timeline: `event` is an English key, `detail` German."""

    date: dt.date
    phase: PhaseKind
    event: str
    detail: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "phase", PhaseKind(self.phase))  # rows give plain strings

    def as_dict(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "phase": self.phase.value,
            "event": self.event,
            "detail": self.detail,
        }


ALLOWED: dict[str, set[tuple[str, str]]] = {
    "cycle": {("planned", "running"), ("running", "closed")},
    "phase": {("planned", "open"), ("open", "closed")},
    "task": {
        ("planned", "open"),
        ("open", "submitted"),
        ("returned", "submitted"),
        ("submitted", "accepted"),
        ("submitted", "returned"),
        # a fact recorded by the administration completes the task (answer, session, resolution)
        ("planned", "accepted"),
        ("open", "accepted"),
        ("returned", "accepted"),
        ("planned", "cancelled"),
        ("open", "cancelled"),
        ("returned", "cancelled"),
        # the phase ended without it; a late delivery or a recorded fact still completes it
        ("open", "missed"),
        ("returned", "missed"),
        ("missed", "submitted"),
        ("missed", "accepted"),
    },
    # a department's figures submission: the controlling office accepts or returns it
    "submission": {("submitted", "accepted"), ("submitted", "returned")},
    # a department's partial budget report: the controlling office accepts or returns it
    "partial_report": {("submitted", "accepted"), ("submitted", "returned")},
    # a Teilhaushalt's plan attempt (models.planning): reviewed like a submission
    "plan": {("submitted", "accepted"), ("submitted", "returned")},
}


ENTITY_LABELS = {
    "cycle": "Der Steuerungskreislauf",
    "phase": "Die Phase",
    "task": "Die Aufgabe",
    "submission": "Die Kennzahlenmeldung",
    "partial_report": "Der Teilhaushaltsbericht",
    "plan": "Die Planung",
}


def check_transition(entity: str, old: StrEnum, new: StrEnum) -> None:
    """Raise ConflictError with a German message when the cycle forbids `old -> new`."""
    if (old.value, new.value) in ALLOWED[entity]:
        return
    if entity == "cycle" and old.value == "closed":
        raise ConflictError(
            "Ein abgeschlossener Steuerungskreislauf kann nicht wieder geöffnet werden."
        )
    raise ConflictError(
        f"{ENTITY_LABELS[entity]} kann nicht von „{_label(old)}“ zu „{_label(new)}“ wechseln."
    )


def _label(status: StrEnum) -> str:
    return getattr(status, "label", status.value)


def transition(
    row: Cycle | Phase | Task | Submission | PartialReport | Plan,
    new: StrEnum,
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
    detail: dict[str, Any] | None = None,
    columns: dict[str, Any] | None = None,
) -> bool:
    """Move `row` to `new` if allowed; False when it is there already (done by someone else)."""
    entity = row.__tablename__
    old = type(new)(row.status)
    if old == new:
        return False
    check_transition(entity, old, new)
    table = table_of(type(row))
    values = {"status": new.value, **(columns or {})}
    if entity == "task":
        values["updated_at"] = now
    # a Core UPDATE gives a CursorResult; Session.execute is typed for every statement
    result = cast(
        "sa.CursorResult[Any]",
        session.execute(
            sa.update(table).where(table.c.id == row.id, table.c.status == old.value).values(values)
        ),
    )
    if result.rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action=f"{entity}.{new.value}",
        entity=entity,
        entity_id=row.id,
        body_id=row.body_id,
        before={"status": old.value},
        after={"status": new.value, **(detail or {})},
    )
    return True
