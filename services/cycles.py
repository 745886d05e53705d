"""Creating a year's cycle from the body's calendar, and reading it back for people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from models import audit
from models.body import Body
from models.calendar_rules import (
    CalendarSpec,
    CyclePlan,
    ElectionRule,
    WorkingDays,
    expand_calendar,
)
from models.cycle import (
    Cycle,
    CycleStatus,
    Deadline,
    Phase,
    PhaseStatus,
    Task,
    TaskStatus,
    Timing,
    days_overdue,
    window_timing,
)
from models.errors import ConflictError, NotFoundError
from models.german import german_date
from models.organisation import Department, Faction
from services.bodies import current_strategy_version


def working_days_of(body: Body) -> WorkingDays:
    return WorkingDays(body.holiday_country, body.holiday_subdivision)


def plan_cycle(body: Body, year: int) -> CyclePlan:
    """The body's calendar expanded for `year` (raises RuleError when a rule cannot be met)."""
    spec = CalendarSpec.model_validate(body.calendar)
    election_year = ElectionRule.model_validate(body.elections).is_election_year(year)
    return expand_calendar(
        spec,
        year,
        working_days=working_days_of(body),
        election_year=election_year,
        council=body.council,
    )


def create_cycle(*, session: Session, body: Body, year: int, now: dt.datetime, actor: str) -> Cycle:
    """Expand the calendar into the cycle's phases, deadlines and tasks, once per body and year."""
    if get_cycle(session=session, body=body, year=year, required=False) is not None:
        raise ConflictError(f"Der Steuerungskreislauf {year} für {body.name} existiert bereits.")
    plan = plan_cycle(body, year)
    version = current_strategy_version(session=session, body=body)
    cycle = Cycle(
        body_id=body.id,
        year=year,
        election_year=plan.election_year,
        strategy_version_id=version.id,
        created_at=now,
    )
    session.add(cycle)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # a concurrent create won the race
        raise ConflictError(
            f"Der Steuerungskreislauf {year} für {body.name} existiert bereits."
        ) from None
    assignees = _assignees(session=session, body=body)
    counts = {"phases": 0, "deadlines": 0, "tasks": 0}
    for planned_phase in plan.phases:
        phase = Phase(
            body_id=body.id,
            cycle_id=cycle.id,
            kind=planned_phase.kind,
            title=planned_phase.title,
            opens_on=planned_phase.opens,
            closes_on=planned_phase.closes,
        )
        session.add(phase)
        session.flush()
        counts["phases"] += 1
        for planned in planned_phase.deadlines:
            deadline = Deadline(
                body_id=body.id,
                cycle_id=cycle.id,
                phase_id=phase.id,
                key=planned.key,
                title=planned.title,
                due_on=planned.due,
                responsible=planned.responsible,
            )
            session.add(deadline)
            session.flush()
            counts["deadlines"] += 1
            for assignee, department_id, faction_id in assignees[planned.responsible]:
                session.add(
                    Task(
                        body_id=body.id,
                        cycle_id=cycle.id,
                        deadline_id=deadline.id,
                        assignee=assignee,
                        department_id=department_id,
                        faction_id=faction_id,
                        updated_at=now,
                    )
                )
                counts["tasks"] += 1
    session.flush()
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="cycle.created",
        entity="cycle",
        entity_id=cycle.id,
        body_id=body.id,
        after={"year": year, "election_year": plan.election_year, **counts},
    )
    return cycle


def _assignees(
    *, session: Session, body: Body
) -> dict[str, list[tuple[str, int | None, int | None]]]:
    """Who carries out a deadline: 'departments' means every department but the controlling
    office; 'factions' every faction leader; a department key that department alone."""
    departments = session.exec(
        select(Department).where(Department.body_id == body.id).order_by(Department.name)
    ).all()
    factions = session.exec(
        select(Faction).where(Faction.body_id == body.id).order_by(Faction.name)
    ).all()
    result: dict[str, list[tuple[str, int | None, int | None]]] = {
        "departments": [
            (f"department:{d.key}", d.id, None) for d in departments if not d.is_controlling_office
        ],
        "factions": [(f"faction:{f.key}", None, f.id) for f in factions],
    }
    for department in departments:
        result[department.key] = [(f"department:{department.key}", department.id, None)]
    return result


def get_cycle(*, session: Session, body: Body, year: int, required: bool = True) -> Cycle | None:
    cycle = session.exec(select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)).first()
    if cycle is None and required:
        raise NotFoundError(
            f"Für {year} gibt es noch keinen Steuerungskreislauf: `kreislauf cycle create {year}`."
        )
    return cycle


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PhaseView:
    kind: str
    title: str
    opens: dt.date
    closes: dt.date
    status_label: str
    timing: Timing
    outcome: str | None = None


@dataclass(frozen=True)
class TaskView:
    assignee: str
    deadline_key: str
    deadline_title: str
    phase_title: str
    due: dt.date
    status: TaskStatus
    days_overdue: int


@dataclass(frozen=True)
class DeadlineView:
    key: str
    title: str
    phase_title: str
    due: dt.date
    responsible: list[str]
    responsible_spec: str


@dataclass(frozen=True)
class CycleView:
    body_name: str
    year: int
    election_year: bool
    status_label: str
    phases: list[PhaseView]
    tasks: list[TaskView]
    decisions: list[str]


def cycle_view(*, session: Session, body: Body, year: int, today: dt.date) -> CycleView:
    cycle = get_cycle(session=session, body=body, year=year)
    assert cycle is not None
    phases = session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id).order_by(Phase.opens_on, Phase.id)
    ).all()
    phase_titles = {phase.id: phase.title for phase in phases}
    rows = session.exec(
        select(Task, Deadline, Department, Faction)
        .join(Deadline, Task.deadline_id == Deadline.id)
        .join(Department, Task.department_id == Department.id, isouter=True)
        .join(Faction, Task.faction_id == Faction.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
        .order_by(Deadline.due_on, Deadline.key, Task.assignee)
    ).all()
    tasks = [
        TaskView(
            assignee=department.name if department else faction.name,
            deadline_key=deadline.key,
            deadline_title=deadline.title,
            phase_title=phase_titles[deadline.phase_id],
            due=deadline.due_on,
            status=TaskStatus(task.status),
            days_overdue=days_overdue(TaskStatus(task.status), deadline.due_on, today),
        )
        for task, deadline, department, faction in rows
    ]
    return CycleView(
        body_name=body.name,
        year=year,
        election_year=cycle.election_year,
        status_label=CycleStatus(cycle.status).label,
        phases=[
            PhaseView(
                kind=str(phase.kind),
                title=phase.title,
                opens=phase.opens_on,
                closes=phase.closes_on,
                status_label=PhaseStatus(phase.status).label,
                timing=window_timing(phase.opens_on, phase.closes_on, today),
                outcome=phase.outcome,
            )
            for phase in phases
        ],
        tasks=tasks,
        decisions=decision_lines(session=session, cycle=cycle),
    )


def decision_lines(*, session: Session, cycle: Cycle) -> list[str]:
    """The cycle's recorded decisions, one German line each: survey, forum, resolution."""
    from models.decisions import (
        Resolution,
        SessionKind,
        SessionStatus,
        SessionTrigger,
        StrategySession,
        SurveyAnswer,
    )

    lines = []
    answers = session.exec(
        select(Faction.name, SurveyAnswer.need)
        .join(Faction, SurveyAnswer.faction_id == Faction.id)
        .where(SurveyAnswer.cycle_id == cycle.id)
        .order_by(Faction.name)
    ).all()
    if answers:
        wanted = [name for name, need in answers if need]
        lines.append(
            f"Befragung: {len(answers)} Antworten"
            + (f"; Bedarf: {', '.join(wanted)}" if wanted else "; kein Bedarf gemeldet")
        )
    row = session.exec(select(StrategySession).where(StrategySession.cycle_id == cycle.id)).first()
    if row is not None:
        text = f"{SessionKind(row.kind).label}: {SessionStatus(row.status).label}"
        if row.trigger:
            text += f" ({SessionTrigger(row.trigger).label}"
            text += f": {row.reason})" if row.reason else ")"
        if row.held_on:
            text += f", am {german_date(row.held_on)}"
        lines.append(text)
    resolution = session.exec(select(Resolution).where(Resolution.cycle_id == cycle.id)).first()
    if resolution is not None:
        lines.append(
            f"Beschluss {resolution.number} vom {german_date(resolution.adopted_on)}: "
            f"{len(resolution.diff)} Änderungen"
        )
    return lines


def deadline_views(*, session: Session, body: Body, year: int) -> list[DeadlineView]:
    """Every deadline of the cycle with the names of those responsible."""
    cycle = get_cycle(session=session, body=body, year=year)
    assert cycle is not None
    assignees = session.exec(
        select(Task.deadline_id, Department.name, Faction.name)
        .join(Department, Task.department_id == Department.id, isouter=True)
        .join(Faction, Task.faction_id == Faction.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
        .order_by(Task.assignee)
    ).all()
    responsible: dict[int, list[str]] = {}
    for deadline_id, department_name, faction_name in assignees:
        responsible.setdefault(deadline_id, []).append(department_name or faction_name)
    deadlines = session.exec(
        select(Deadline, Phase)
        .join(Phase, Deadline.phase_id == Phase.id)
        .where(Deadline.cycle_id == cycle.id)
        .order_by(Deadline.due_on, Deadline.key)
    ).all()
    return [
        DeadlineView(
            key=deadline.key,
            title=deadline.title,
            phase_title=phase.title,
            due=deadline.due_on,
            responsible=responsible.get(deadline.id, []),
            responsible_spec=deadline.responsible,
        )
        for deadline, phase in deadlines
    ]
