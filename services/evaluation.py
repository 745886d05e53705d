"""The spring evaluation of one body and cycle year, read into plain views.

Cycle year N evaluates budget year N-1 (Berichtsjahr): the actuals of N-1 against its
targets, with the trend over the earlier years' actuals. Lights, roll-ups and trends follow
`models.achievement`; the open and late tasks are those of cycle N at `now`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from models.achievement import (
    Light,
    Rollup,
    Trend,
    degree_of_achievement,
    roll_up,
    traffic_light,
    trend,
)
from models.body import Body
from models.cycle import Cycle, Deadline, Task, TaskStatus, days_overdue
from models.db import id_of
from models.organisation import Department
from models.strategy import (
    Direction,
    FieldOfAction,
    KeyFigure,
    KeyFigureValue,
    KeyPosition,
    Measure,
    MeasureStatus,
    OperationalGoal,
    Priority,
    Product,
)
from models.submissions import Submission, SubmissionStatus
from services.bodies import current_strategy_version

TREND_YEARS = 5  # the report year and up to four before it


@dataclass(frozen=True)
class FigureStatus:
    key: str
    name: str
    unit: str
    direction: Direction
    product: str  # product number, else the product group
    department: str | None
    priority_code: str | None
    tolerance_pct: float
    target: float | None
    actual: float | None
    light: Light
    degree_pct: Decimal | None
    trend: Trend
    series: list[
        tuple[int, float | None]
    ]  # (year, actual), oldest first, ending with the report year
    comment: str | None = None


@dataclass(frozen=True)
class PriorityStatus:
    code: str
    text: str
    figures: list[FigureStatus]

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)


@dataclass(frozen=True)
class FieldStatus:
    key: str
    name: str
    priorities: list[PriorityStatus]

    @property
    def figures(self) -> list[FigureStatus]:
        return [f for priority in self.priorities for f in priority.figures]

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)


@dataclass(frozen=True)
class KeyPositionStatus:
    product: str
    name: str
    reason: str
    page: int | None
    department: str | None
    figures: list[FigureStatus]

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)


@dataclass(frozen=True)
class OpenTask:
    assignee: str
    deadline_title: str
    due: dt.date
    status: TaskStatus
    days_overdue: int


@dataclass(frozen=True)
class DepartmentReport:
    """Teilhaushaltsbericht in brief: lights of its figures, measures, its delivery."""

    key: str
    name: str
    figures: list[FigureStatus]
    goals: int
    measures: dict[MeasureStatus, int]
    submission: str | None  # e.g. "angenommen (2. Meldung)"; None: nothing delivered
    open_tasks: list[OpenTask] = field(default_factory=list)

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)


@dataclass(frozen=True)
class Evaluation:
    body_name: str
    council: str
    cycle_year: int
    report_year: int
    as_of: dt.date
    strategy_label: str
    key_positions: list[KeyPositionStatus]
    fields: list[FieldStatus]
    other_figures: list[FigureStatus]  # figures whose priority is not in the strategy in force
    departments: list[DepartmentReport]
    open_tasks: list[OpenTask]
    has_cycle: bool
    # the budget year from which the key positions of the version in force apply
    key_positions_year: int | None = None

    @property
    def figures(self) -> list[FigureStatus]:
        return [f for fld in self.fields for f in fld.figures] + self.other_figures

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)


def rollup_of(figures: Iterable[FigureStatus]) -> Rollup:
    return roll_up(f.light for f in figures)


def evaluate(*, session: Session, body: Body, year: int, now: dt.datetime) -> Evaluation:
    """The evaluation of cycle `year` (reporting budget year `year - 1`) at the instant `now`."""
    report_year = year - 1
    version = current_strategy_version(session=session, body=body)
    departments = {
        d.id: d
        for d in session.exec(
            select(Department).where(Department.body_id == body.id).order_by(Department.name)
        ).all()
    }
    figures = figure_statuses(session=session, body=body, year=report_year, departments=departments)
    fields, other = _fields(session=session, version_id=version.id, figures=figures)
    cycle = session.exec(select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)).first()
    today = body.local_date(now)
    tasks = open_tasks(session=session, cycle=cycle, today=today) if cycle else []
    return Evaluation(
        body_name=body.name,
        council=body.council,
        cycle_year=year,
        report_year=report_year,
        as_of=today,
        strategy_label=f"{version.label} (Version {version.number}, {version.resolution})",
        key_positions=_key_positions(session=session, version_id=version.id, figures=figures),
        key_positions_year=version.key_positions_year,
        fields=fields,
        other_figures=other,
        departments=_departments(
            session=session,
            body=body,
            report_year=report_year,
            cycle=cycle,
            departments=departments,
            figures=figures,
            tasks=tasks,
        ),
        open_tasks=tasks,
        has_cycle=cycle is not None,
    )


def figure_statuses(
    *, session: Session, body: Body, year: int, departments: dict[int | None, Department]
) -> list[tuple[KeyFigure, FigureStatus]]:
    """Every key figure of the body with its light for budget year `year`, in file order
    (a retired figure only where it has an actual of that year)."""
    rows = session.exec(
        select(KeyFigure)
        .where(KeyFigure.body_id == body.id)
        .order_by(col(KeyFigure.position), col(KeyFigure.key))
    ).all()
    values: dict[int, dict[int, KeyFigureValue]] = {}
    for value in session.exec(
        select(KeyFigureValue).where(
            KeyFigureValue.body_id == body.id,
            KeyFigureValue.year <= year,
            KeyFigureValue.year > year - TREND_YEARS,
        )
    ).all():
        values.setdefault(value.key_figure_id, {})[value.year] = value
    result = []
    for figure in rows:
        by_year = values.get(id_of(figure), {})
        if not figure.active and (year not in by_year or by_year[year].actual is None):
            continue  # left figures.toml and has nothing to show for this year
        department = departments.get(figure.department_id)
        result.append((figure, _status(figure, by_year, year, department)))
    return result


def _status(
    figure: KeyFigure,
    by_year: dict[int, KeyFigureValue],
    year: int,
    department: Department | None,
) -> FigureStatus:
    current = by_year.get(year)
    previous = by_year.get(year - 1)
    target = current.target if current else None
    actual = current.actual if current else None
    direction = Direction(figure.direction)
    first = min(by_year, default=year)
    return FigureStatus(
        key=figure.key,
        name=figure.name,
        unit=figure.unit,
        direction=direction,
        product=figure.product_number or figure.product_group,
        department=department.name if department else None,
        priority_code=figure.priority_code,
        tolerance_pct=figure.tolerance_pct,
        target=target,
        actual=actual,
        light=traffic_light(
            target=target, actual=actual, direction=direction, tolerance_pct=figure.tolerance_pct
        ),
        degree_pct=degree_of_achievement(target=target, actual=actual, direction=direction),
        trend=trend(
            current=actual,
            previous=previous.actual if previous else None,
            direction=direction,
        ),
        series=[(y, by_year[y].actual if y in by_year else None) for y in range(first, year + 1)],
        comment=current.comment if current else None,
    )


def _fields(
    *, session: Session, version_id: int | None, figures: list[tuple[KeyFigure, FigureStatus]]
) -> tuple[list[FieldStatus], list[FigureStatus]]:
    rows = session.exec(
        select(FieldOfAction, Priority)
        .join(Priority, col(Priority.field_id) == FieldOfAction.id)
        .where(FieldOfAction.version_id == version_id)
        .order_by(col(FieldOfAction.position), col(Priority.position))
    ).all()
    by_code: dict[str, list[FigureStatus]] = {}
    for figure, status in figures:
        by_code.setdefault(figure.priority_code or "", []).append(status)
    fields: dict[int, FieldStatus] = {}
    for field_row, priority in rows:
        target = fields.setdefault(
            id_of(field_row),
            FieldStatus(field_row.key, field_row.name, []),
        )
        target.priorities.append(
            PriorityStatus(priority.code, priority.text, by_code.pop(priority.code, []))
        )
    other = [status for statuses in by_code.values() for status in statuses]
    return list(fields.values()), other


def _key_positions(
    *, session: Session, version_id: int | None, figures: list[tuple[KeyFigure, FigureStatus]]
) -> list[KeyPositionStatus]:
    rows = session.exec(
        select(KeyPosition, Product, Department)
        .join(Product, col(KeyPosition.product_id) == Product.id)
        .join(Department, col(Product.department_id) == Department.id, isouter=True)
        .where(KeyPosition.version_id == version_id)
        .order_by(col(KeyPosition.position))
    ).all()
    return [
        KeyPositionStatus(
            product=product.number,
            name=product.name,
            reason=key_position.reason,
            page=key_position.page,
            department=department.name if department else None,
            figures=[s for f, s in figures if f.product_number == product.number],
        )
        for key_position, product, department in rows
    ]


def open_tasks(*, session: Session, cycle: Cycle, today: dt.date) -> list[OpenTask]:
    """Tasks still to be done by the department or faction: open or returned, any
    unfinished task whose due date has passed, and those missed when their phase ended; the
    most overdue first, then the missed."""
    rows = session.exec(
        select(Task, Deadline, Department.name)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
        .order_by(col(Deadline.due_on), col(Task.assignee))
    ).all()
    result = []
    for task, deadline, department_name in rows:
        status = TaskStatus(task.status)
        overdue = days_overdue(status, deadline.due_on, today)
        if status in (TaskStatus.open, TaskStatus.returned, TaskStatus.missed) or overdue:
            result.append(
                OpenTask(
                    assignee=department_name or task.assignee.split(":", 1)[-1],
                    deadline_title=deadline.title,
                    due=deadline.due_on,
                    status=status,
                    days_overdue=overdue,
                )
            )
    return sorted(result, key=lambda t: (-t.days_overdue, t.due, t.assignee))


def _departments(
    *,
    session: Session,
    body: Body,
    report_year: int,
    cycle: Cycle | None,
    departments: dict[int | None, Department],
    figures: list[tuple[KeyFigure, FigureStatus]],
    tasks: list[OpenTask],
) -> list[DepartmentReport]:
    goals = session.exec(
        select(OperationalGoal).where(
            OperationalGoal.body_id == body.id, OperationalGoal.year == report_year
        )
    ).all()
    measures = session.exec(
        select(Measure.status, OperationalGoal.department_id)
        .join(OperationalGoal, col(Measure.operational_goal_id) == OperationalGoal.id)
        .where(OperationalGoal.body_id == body.id, OperationalGoal.year == report_year)
    ).all()
    deliveries = _submissions(session=session, cycle=cycle)
    result = []
    for department in departments.values():
        if department.is_controlling_office:
            continue
        counts = {status: 0 for status in MeasureStatus}
        for status, department_id in measures:
            if department_id == department.id:
                counts[MeasureStatus(status)] += 1
        result.append(
            DepartmentReport(
                key=department.key,
                name=department.name,
                figures=[s for f, s in figures if f.department_id == department.id],
                goals=sum(1 for goal in goals if goal.department_id == department.id),
                measures=counts,
                submission=deliveries.get(id_of(department)),
                open_tasks=[t for t in tasks if t.assignee == department.name],
            )
        )
    return result


def _submissions(*, session: Session, cycle: Cycle | None) -> dict[int, str]:
    """Each department's latest submission of the cycle, as German text."""
    if cycle is None:
        return {}
    latest: dict[int, Submission] = {}
    for row in session.exec(
        select(Submission).where(Submission.cycle_id == cycle.id).order_by(col(Submission.attempt))
    ).all():
        latest[row.department_id] = row
    return {
        department_id: f"{SubmissionStatus(row.status).label} ({row.attempt}. Meldung)"
        for department_id, row in latest.items()
    }
