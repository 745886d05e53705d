"""Opening phases for many bodies at once: the morning a phase opens everywhere.

Per body, opening a phase is a conditional UPDATE and an audit event per task, each a round
trip of its own (about 4 ms a task on PostgreSQL). Here the cycles whose every due step is a
start or an opening are done together: one conditional UPDATE ... RETURNING per table for all
of them, and the audit events in one bulk INSERT. Idempotent as the per-body path: only rows
still in the status the step starts from change, and only those get an event and an audit
entry, so a second run (or a daily running beside) finds nothing. The texts come from
models.transitions.cycle, so the timeline reads the same. The survey opens per body (each
faction leader's invitation is written with it), as does every cycle that has any other step
due that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.audit import AuditEvent
from models.calendar_rules import PhaseKind
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.db import table_of
from models.organisation import Department, Faction
from models.reconcile import Step, StepKind
from models.transitions.cycle import cycle_started, phase_opened, task_opened
from models.transitions.status import Event

BULK_STEPS = (StepKind.start_cycle, StepKind.open_phase)
CHUNK = 1000  # cycles per round of statements: IN lists well below every driver's limit


@dataclass(frozen=True)
class Opening:
    """A cycle and the steps the rules ask of it today (services.daily.decide)."""

    body_id: int
    today: dt.date
    cycle_id: int
    year: int
    steps: Sequence[Step]


def in_bulk(steps: Sequence[Step]) -> bool:
    """Only starts and openings, and no survey: what `open_in_bulk` does exactly as the
    per-body steps would."""
    return bool(steps) and all(
        step.kind in BULK_STEPS and step.phase != PhaseKind.survey for step in steps
    )


def open_in_bulk(
    session: Session, openings: Sequence[Opening], *, now: dt.datetime, actor: str
) -> list[Event]:
    """Start the cycles and open the phases (with their planned tasks) of every opening whose
    steps are all `in_bulk`, in the caller's transaction; the timeline's events, cycle by
    cycle in the given order, each as the per-body steps give them."""
    chosen = [opening for opening in openings if in_bulk(opening.steps)]
    events: list[Event] = []
    for start in range(0, len(chosen), CHUNK):
        events += _open(session, chosen[start : start + CHUNK], now=now, actor=actor)
    return events


def _open(
    session: Session, openings: list[Opening], *, now: dt.datetime, actor: str
) -> list[Event]:
    cycles, phases, tasks = table_of(Cycle), table_of(Phase), table_of(Task)
    starting = [o.cycle_id for o in openings if o.steps[0].kind == StepKind.start_cycle]
    started = set(
        session.execute(
            sa.update(cycles)
            .where(cycles.c.id.in_(starting), cycles.c.status == CycleStatus.planned.value)
            .values(status=CycleStatus.running.value)
            .returning(cycles.c.id)
        ).scalars()
        if starting
        else ()
    )
    wanted = {
        (o.cycle_id, step.phase)
        for o in openings
        for step in o.steps
        if step.kind == StepKind.open_phase
    }
    rows = {
        (row.cycle_id, PhaseKind(row.kind)): row
        for row in session.execute(
            sa.select(
                col(Phase.id),
                col(Phase.cycle_id),
                col(Phase.kind),
                col(Phase.title),
                col(Phase.opens_on),
                col(Phase.closes_on),
            ).where(col(Phase.cycle_id).in_([o.cycle_id for o in openings]))
        )
        if (row.cycle_id, PhaseKind(row.kind)) in wanted
    }
    not_closed = sa.select(cycles.c.id).where(cycles.c.status != CycleStatus.closed.value)
    opened = set(
        session.execute(
            sa.update(phases)
            .where(
                phases.c.id.in_([row.id for row in rows.values()]),
                phases.c.status == PhaseStatus.planned.value,
                phases.c.cycle_id.in_(not_closed),
            )
            .values(status=PhaseStatus.open.value)
            .returning(phases.c.id)
        ).scalars()
        if rows
        else ()
    )
    of_opened = sa.select(col(Deadline.id)).where(col(Deadline.phase_id).in_(sorted(opened)))
    moved = set(
        session.execute(
            sa.update(tasks)
            .where(tasks.c.deadline_id.in_(of_opened), tasks.c.status == TaskStatus.planned.value)
            .values(status=TaskStatus.open.value, updated_at=now)
            .returning(tasks.c.id)
        ).scalars()
        if opened
        else ()
    )
    by_phase: dict[int, list[Any]] = {}
    if moved:
        for row in session.execute(
            sa.select(
                col(Task.id),
                col(Task.body_id),
                col(Deadline.phase_id),
                col(Deadline.title),
                col(Deadline.due_on),
                col(Department.name).label("department"),
                col(Faction.name).label("faction"),
            )
            .join(Deadline, col(Task.deadline_id) == col(Deadline.id))
            .join(Department, col(Task.department_id) == col(Department.id), isouter=True)
            .join(Faction, col(Task.faction_id) == col(Faction.id), isouter=True)
            .where(col(Deadline.phase_id).in_(sorted(opened)))
            .order_by(col(Deadline.due_on), col(Task.assignee))  # as the per-body opening
        ):
            if row.id in moved:
                by_phase.setdefault(row.phase_id, []).append(row)
    events: list[Event] = []
    audit: list[dict[str, Any]] = []

    def audited(body_id: int, entity: str, entity_id: int, old: str, new: str) -> None:
        audit.append(
            {
                "body_id": body_id,
                "at": now,
                "actor": actor,
                "action": f"{entity}.{new}",
                "entity": entity,
                "entity_id": entity_id,
                "before": {"status": old},
                "after": {"status": new},
            }
        )

    for o in openings:
        for step in o.steps:
            if step.kind == StepKind.start_cycle:
                if o.cycle_id in started:
                    audited(o.body_id, "cycle", o.cycle_id, "planned", "running")
                    events.append(cycle_started(o.today, step.phase, o.year))
                continue
            phase = rows.get((o.cycle_id, step.phase))
            if phase is None or phase.id not in opened:
                continue
            audited(o.body_id, "phase", phase.id, "planned", "open")
            events.append(
                phase_opened(o.today, step.phase, phase.title, phase.opens_on, phase.closes_on)
            )
            for task in by_phase.get(phase.id, []):
                audited(task.body_id, "task", task.id, "planned", "open")
                name = task.department or task.faction
                events.append(task_opened(o.today, step.phase, name, task.title, task.due_on))
    if audit:
        session.execute(sa.insert(table_of(AuditEvent)), audit)
    return events
