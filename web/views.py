"""What the pages and the API show, read from the services in one session.

No rules here: task states and days overdue come from services.cycle_views (models.cycle);
this module only selects, filters, sorts and places things on the year's timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.body import Body
from models.cycle import Cycle, TaskStatus
from models.german import MONTH_ABBREVIATIONS
from models.organisation import Department, Faction
from models.outbox import OutboxMessage
from services.cycle_views import CycleView, PhaseView, TaskView, cycle_view

SORT_KEYS = {
    "assignee": lambda t: (t.assignee.casefold(), t.due),
    "task": lambda t: (t.deadline_title.casefold(), t.assignee.casefold()),
    "due": lambda t: (t.due, t.assignee.casefold()),
    "status": lambda t: (t.status.label, t.due),
    "overdue": lambda t: (t.days_overdue, t.due),
}
STATE_FILTERS = {
    "": "alle",
    "overdue": "überfällig",
    **{status.value: status.label for status in TaskStatus},
}


@dataclass(frozen=True)
class TaskRow(TaskView):
    """A task as services.cycle_views shows it, with its department's key for links and filters."""

    department_key: str | None = None

    @classmethod
    def of(cls, task: TaskView, department_key: str | None) -> TaskRow:
        return cls(**asdict(task), department_key=department_key)


@dataclass(frozen=True)
class TimelinePhase:
    phase: PhaseView
    left: float  # percent of the year
    width: float


@dataclass(frozen=True)
class Timeline:
    phases: list[TimelinePhase]
    today: dt.date
    today_left: float | None  # None when today is outside the cycle's year
    months: list[tuple[str, float]]


@dataclass(frozen=True)
class TaskFilter:
    assignee: str = ""
    state: str = ""
    sort: str = "due"
    descending: bool = False

    @classmethod
    def parse(cls, assignee: str, state: str, sort: str, direction: str) -> TaskFilter:
        return cls(
            assignee=assignee,
            state=state if state in STATE_FILTERS else "",
            sort=sort if sort in SORT_KEYS else "due",
            descending=direction == "desc",
        )

    def apply(self, rows: list[TaskRow]) -> list[TaskRow]:
        if self.assignee:
            rows = [r for r in rows if r.assignee == self.assignee]
        if self.state == "overdue":
            rows = [r for r in rows if r.days_overdue > 0]
        elif self.state:
            rows = [r for r in rows if r.status.value == self.state]
        key = SORT_KEYS[self.sort]
        return sorted(rows, key=key, reverse=self.descending)


@dataclass(frozen=True)
class Overdue:
    assignee: str
    department_key: str | None
    tasks: int
    most_days: int


@dataclass
class CyclePage:
    year: int
    today: dt.date
    view: CycleView
    rows: list[TaskRow]
    timeline: Timeline
    overdue: list[Overdue] = field(default_factory=list)


def _percent(day: dt.date, year: int) -> float:
    start = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - start).days
    return round(100 * min(max((day - start).days, 0), length) / length, 2)


def timeline(view: CycleView, today: dt.date) -> Timeline:
    year = view.year
    phases = [
        TimelinePhase(
            phase=phase,
            left=_percent(phase.opens, year),
            width=max(
                _percent(phase.closes + dt.timedelta(days=1), year) - _percent(phase.opens, year),
                1.0,
            ),
        )
        for phase in view.phases
    ]
    months = [
        (name, _percent(dt.date(year, number, 1), year))
        for number, name in enumerate(MONTH_ABBREVIATIONS, start=1)
    ]
    today_left = _percent(today, year) if today.year == year else None
    return Timeline(phases=phases, today=today, today_left=today_left, months=months)


def department_keys(*, session: Session, body: Body) -> dict[str, str]:
    """Department name -> key (names are unique per body)."""
    rows = session.exec(
        select(Department.name, Department.key).where(Department.body_id == body.id)
    ).all()
    return dict(rows)


def cycle_page(*, session: Session, body: Body, year: int, today: dt.date) -> CyclePage:
    view = cycle_view(session=session, body=body, year=year, today=today)
    keys = department_keys(session=session, body=body)
    rows = [TaskRow.of(task, keys.get(task.assignee)) for task in view.tasks]
    overdue: dict[str, list[TaskRow]] = {}
    for row in rows:
        if row.days_overdue > 0:
            overdue.setdefault(row.assignee, []).append(row)
    return CyclePage(
        year=year,
        today=today,
        view=view,
        rows=rows,
        timeline=timeline(view, today),
        overdue=[
            Overdue(name, keys.get(name), len(late), max(r.days_overdue for r in late))
            for name, late in sorted(overdue.items(), key=lambda item: -len(item[1]))
        ],
    )


def cycle_years(*, session: Session, body: Body) -> list[int]:
    return list(
        session.exec(select(Cycle.year).where(Cycle.body_id == body.id).order_by(col(Cycle.year)))
    )


def default_year(years: list[int], today: dt.date) -> int | None:
    """This year's cycle, else the latest one before today, else the first."""
    if not years:
        return None
    if today.year in years:
        return today.year
    earlier = [year for year in years if year < today.year]
    return earlier[-1] if earlier else years[0]


def messages(*, session: Session, body: Body, limit: int = 50) -> list[OutboxMessage]:
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.body_id == body.id)
            .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
            .limit(limit)
        )
    )


def audit_trail(*, session: Session, body: Body, limit: int = 50) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.body_id == body.id)
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .limit(limit)
        )
    )


def departments(*, session: Session, body: Body) -> list[Department]:
    return list(
        session.exec(
            select(Department).where(Department.body_id == body.id).order_by(Department.name)
        )
    )


def factions(*, session: Session, body: Body) -> list[Faction]:
    return list(
        session.exec(select(Faction).where(Faction.body_id == body.id).order_by(Faction.name))
    )
