"""A cycle read back for people: phases, tasks, deadlines and decisions as plain rows.

Kept apart from creating and planning a cycle: the CLI and the web only read, and what they
show (names instead of ids, German lines, days overdue as of today) changes on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.body import Body
from models.calendar_rules import Delivery
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
from models.db import id_of
from models.german import german_date, plural
from models.organisation import Department, Faction
from services.budget_resolution import budget_resolution_lines, provisional_since
from services.cycles import get_cycle


@dataclass(frozen=True)
class PhaseView:
    kind: str
    title: str
    opens: dt.date
    closes: dt.date
    status_label: str
    timing: Timing
    outcome: str | None = None
    status: PhaseStatus = PhaseStatus.planned


@dataclass(frozen=True)
class TaskView:
    assignee: str
    deadline_key: str
    deadline_title: str
    phase_title: str
    due: dt.date
    status: TaskStatus
    days_overdue: int
    task_id: int = 0
    delivers: Delivery = Delivery.confirmation
    assignee_key: str = ""  # the department's or faction's key

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.task_id,
            "assignee": self.assignee,
            "assignee_key": self.assignee_key,
            "deadline": self.deadline_key,
            "title": self.deadline_title,
            "phase": self.phase_title,
            "due": self.due.isoformat(),
            "status": self.status.value,
            "status_label": self.status.label,
            "days_overdue": self.days_overdue,
            "delivers": self.delivers.value,
        }


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
    status: CycleStatus = CycleStatus.running
    provisional_budget_since: dt.date | None = None  # vorläufige Haushaltsführung

    def as_dict(self, today: dt.date) -> dict[str, object]:
        """For scripts (`status --json`): English keys, ISO dates, statuses as values."""
        return {
            "body": self.body_name,
            "year": self.year,
            "as_of": today.isoformat(),
            "election_year": self.election_year,
            "status": self.status.value,
            "phases": [
                {
                    "kind": phase.kind,
                    "title": phase.title,
                    "opens": phase.opens.isoformat(),
                    "closes": phase.closes.isoformat(),
                    "status": phase.status.value,
                    "outcome": phase.outcome,
                }
                for phase in self.phases
            ],
            "tasks": [task.as_dict() for task in self.tasks],
            "decisions": self.decisions,
            "provisional_budget_since": (
                self.provisional_budget_since.isoformat() if self.provisional_budget_since else None
            ),
        }


def cycle_view(*, session: Session, body: Body, year: int, today: dt.date) -> CycleView:
    cycle = get_cycle(session=session, body=body, year=year)
    phases = session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id).order_by(col(Phase.opens_on), col(Phase.id))
    ).all()
    phase_titles = {phase.id: phase.title for phase in phases}
    rows = session.exec(
        select(Task, Deadline, Department, Faction)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .join(Faction, col(Task.faction_id) == Faction.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
        .order_by(col(Deadline.due_on), col(Deadline.key), col(Task.assignee))
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
            task_id=id_of(task),
            delivers=Delivery(deadline.delivers),
            assignee_key=department.key if department else faction.key,
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
                status=PhaseStatus(phase.status),
            )
            for phase in phases
        ],
        tasks=tasks,
        decisions=decision_lines(session=session, cycle=cycle)
        + budget_resolution_lines(session=session, cycle=cycle, today=today),
        status=CycleStatus(cycle.status),
        provisional_budget_since=provisional_since(session=session, cycle=cycle, today=today),
    )


def decision_lines(*, session: Session, cycle: Cycle) -> list[str]:
    """The cycle's recorded decisions, one German line each: survey, forum, resolution."""
    from models.decisions import (
        Resolution,
        SessionStatus,
        SessionTrigger,
        SurveyAnswer,
    )

    lines = []
    answers = session.exec(
        select(Faction.name, SurveyAnswer.need)
        .join(Faction, col(SurveyAnswer.faction_id) == Faction.id)
        .where(SurveyAnswer.cycle_id == cycle.id)
        .order_by(Faction.name)
    ).all()
    if answers:
        wanted = [name for name, need in answers if need]
        lines.append(
            f"Befragung: {len(answers)} Antworten"
            + (f"; Bedarf: {', '.join(wanted)}" if wanted else "; kein Bedarf gemeldet")
        )
    from models.transitions.sessions import cycle_sessions, field_names, session_name

    rows = cycle_sessions(cycle, session=session)
    names = field_names(session=session, body_id=cycle.body_id) if len(rows) > 1 else {}
    for number, row in enumerate(rows, 1):
        text = f"{session_name(row, names)}: {SessionStatus(row.status).label}"
        if len(rows) > 1:  # the number `forum record --session` takes
            text = f"Sitzung {number}: {text}"
        if row.trigger:
            text += f" ({SessionTrigger(row.trigger).label}"
            text += f": {row.reason})" if row.reason else ")"
        if row.held_on:
            text += f", am {german_date(row.held_on)}"
        lines.append(text)
    resolution = session.exec(select(Resolution).where(Resolution.cycle_id == cycle.id)).first()
    if resolution is not None:
        lines.append(
            f"Beschluss {resolution.number} vom {german_date(resolution.adopted_on)}"
            + (f" (Vorlage {resolution.paper_reference})" if resolution.paper_reference else "")
            + f": {plural(len(resolution.diff), 'Änderung', 'Änderungen')}"
        )
    return lines


def deadline_views(*, session: Session, body: Body, year: int) -> list[DeadlineView]:
    """Every deadline of the cycle with the names of those responsible."""
    cycle = get_cycle(session=session, body=body, year=year)
    assignees = session.exec(
        select(Task.deadline_id, Department.name, Faction.name)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .join(Faction, col(Task.faction_id) == Faction.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
        .order_by(Task.assignee)
    ).all()
    responsible: dict[int, list[str]] = {}
    for deadline_id, department_name, faction_name in assignees:
        responsible.setdefault(deadline_id, []).append(department_name or faction_name)
    deadlines = session.exec(
        select(Deadline, Phase)
        .join(Phase, col(Deadline.phase_id) == Phase.id)
        .where(Deadline.cycle_id == cycle.id)
        .order_by(col(Deadline.due_on), col(Deadline.key))
    ).all()
    return [
        DeadlineView(
            key=deadline.key,
            title=deadline.title,
            phase_title=phase.title,
            due=deadline.due_on,
            responsible=responsible.get(id_of(deadline), []),
            responsible_spec=deadline.responsible,
        )
        for deadline, phase in deadlines
    ]
