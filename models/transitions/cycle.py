"""A cycle and its phases: start and close the cycle, open and close a phase with its tasks.

What the reconcile loop applies by date; decisions of people live in the sibling modules.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from models.calendar_rules.spec import PhaseKind
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.errors import ConflictError, NotFoundError
from models.german import german_date
from models.organisation import Faction
from models.transitions.status import Event, transition


def start_cycle(
    cycle: Cycle,
    phase: PhaseKind,
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    if transition(cycle, CycleStatus.running, session=session, now=now, actor=actor):
        return [cycle_started(today, phase, cycle.year)]
    return []


def cycle_started(today: dt.date, phase: PhaseKind, year: int) -> Event:
    """The timeline's line of a cycle that starts (here, and in services.opening in bulk)."""
    return Event(today, phase, "cycle_started", f"Steuerungskreislauf {year} läuft")


def phase_opened(
    today: dt.date, kind: PhaseKind, title: str, opens: dt.date, closes: dt.date
) -> Event:
    window = f"{german_date(opens)} bis {german_date(closes)}"
    return Event(today, kind, "phase_opened", f"{title} eröffnet ({window})")


def task_opened(today: dt.date, kind: PhaseKind, name: str, title: str, due: dt.date) -> Event:
    return Event(today, kind, "task_opened", f"{name}: {title} (fällig {german_date(due)})")


def close_cycle(
    cycle: Cycle, *, session: Session, now: dt.datetime, actor: str, today: dt.date
) -> list[Event]:
    if transition(cycle, CycleStatus.closed, session=session, now=now, actor=actor):
        return [
            Event(
                today,
                PhaseKind.budget_resolution,
                "cycle_closed",
                f"Steuerungskreislauf {cycle.year} abgeschlossen",
            )
        ]
    return []


def open_phase(
    phase: Phase, *, session: Session, now: dt.datetime, actor: str, today: dt.date
) -> list[Event]:
    """Open the phase and its planned tasks."""
    require_open_cycle(phase.cycle_id, session=session)
    if not transition(phase, PhaseStatus.open, session=session, now=now, actor=actor):
        return []
    events = [phase_opened(today, phase.kind, phase.title, phase.opens_on, phase.closes_on)]
    for task, deadline, name in _tasks_of(phase, session=session):
        if TaskStatus(task.status) == TaskStatus.planned and transition(
            task, TaskStatus.open, session=session, now=now, actor=actor
        ):
            events.append(task_opened(today, phase.kind, name, deadline.title, deadline.due_on))
    return events


def close_phase(
    phase: Phase,
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
    reason: str,
    late: tuple[str, ...] = (),
    cancel_open_tasks: bool = False,
) -> list[Event]:
    outcome = reason + (f"; versäumt: {', '.join(late)}" if late else "")
    if not transition(
        phase,
        PhaseStatus.closed,
        session=session,
        now=now,
        actor=actor,
        detail={"reason": reason, "late": list(late)},
        columns={"outcome": outcome[:300]},
    ):
        return []
    events = []
    if cancel_open_tasks:
        for task, deadline, name in _tasks_of(phase, session=session):
            if not TaskStatus(task.status).is_finished and transition(
                task,
                TaskStatus.cancelled,
                session=session,
                now=now,
                actor=actor,
                detail={"reason": reason},
            ):
                events.append(
                    Event(
                        today,
                        phase.kind,
                        "task_cancelled",
                        f"{name}: {deadline.title} entfällt ({reason})",
                    )
                )
    elif late:
        events += _miss_open_tasks(
            phase, session=session, now=now, actor=actor, today=today, why=reason
        )
    for name in late:
        events.append(Event(today, phase.kind, "task_late", f"nicht rechtzeitig erledigt: {name}"))
    events.append(Event(today, phase.kind, "phase_closed", f"{phase.title} beendet: {reason}"))
    return events


def _miss_open_tasks(
    phase: Phase, *, session: Session, now: dt.datetime, actor: str, today: dt.date, why: str
) -> list[Event]:
    """The phase is over: what was never delivered ends as missed (versäumt), with why, and
    stops being reminded and counted overdue. A delivery waiting for review stays."""
    events = []
    for task, deadline, name in _tasks_of(phase, session=session):
        if TaskStatus(task.status) in (TaskStatus.open, TaskStatus.returned) and transition(
            task, TaskStatus.missed, session=session, now=now, actor=actor, detail={"reason": why}
        ):
            events.append(
                Event(
                    today,
                    phase.kind,
                    "task_missed",
                    f"{name}: {deadline.title} versäumt ({why})",
                )
            )
    return events


def _tasks_of(phase: Phase, *, session: Session) -> list[tuple[Task, Deadline, str]]:
    from models.organisation import Department

    rows = session.exec(
        select(Task, Deadline, Department.name, Faction.name)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .join(Faction, col(Task.faction_id) == Faction.id, isouter=True)
        .where(Deadline.phase_id == phase.id)
        .order_by(col(Deadline.due_on), col(Task.assignee))
    ).all()
    return [(task, deadline, department or faction) for task, deadline, department, faction in rows]


def require_open_cycle(cycle_id: int, *, session: Session) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFoundError(f"Den Steuerungskreislauf Nr. {cycle_id} gibt es nicht.")
    if CycleStatus(cycle.status) == CycleStatus.closed:
        raise ConflictError(
            f"Der Steuerungskreislauf {cycle.year} ist abgeschlossen; "
            "er nimmt keine Änderungen mehr an."
        )
    return cycle


def get_phase(cycle: Cycle, kind: PhaseKind, *, session: Session) -> Phase | None:
    return session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id, Phase.kind == kind.value)
    ).first()


def complete_phase_tasks(
    phase: Phase, *, session: Session, now: dt.datetime, actor: str, today: dt.date, why: str
) -> list[Event]:
    """The administration's tasks of a phase are done by a recorded fact (session, resolution)."""
    events = []
    for task, deadline, name in _tasks_of(phase, session=session):
        if not TaskStatus(task.status).is_finished and transition(
            task, TaskStatus.accepted, session=session, now=now, actor=actor, detail={"by": why}
        ):
            events.append(
                Event(
                    today, phase.kind, "task_accepted", f"{name}: {deadline.title} erledigt ({why})"
                )
            )
    return events
