"""What a department's partial budget report covers (the `Draft`) and the task it fulfils.

The draft is read from the evaluation's own views (`services.money`: the groups of the
department's Teilhaushalte with plan, result, figures and lights, goals and measures), so the
report speaks of the same numbers as the committee's evaluation report.
"""

from __future__ import annotations

from sqlmodel import Session, select

from models.body import Body
from models.calendar_rules import Delivery
from models.cycle import Deadline, Task, TaskStatus
from models.errors import ConflictError, KreislaufError, NotFoundError
from models.organisation import Department
from models.partial_report_rules import (
    Draft,
    DraftFigure,
    DraftGoal,
    DraftGroup,
    PartialReportRules,
    needs_explanation,
)
from services.cycles import get_cycle
from services.money import MoneyOverview, money_overview, profiles_of_department


def rules_of(body: Body) -> PartialReportRules:
    return PartialReportRules.of(body.partial_reports)


def build_draft(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    overview: MoneyOverview | None = None,
) -> Draft:
    """The groups of the department's Teilhaushalte in the report year `year - 1`;
    `overview`: the cycle's money overview where the caller has it already."""
    rules = rules_of(body)
    if overview is None:
        overview = money_overview(session=session, body=body, year=year)
    groups = [
        DraftGroup(
            number=p.number,
            name=p.name,
            partial_budget=f"{p.partial_budget_number} {p.partial_budget_name}",
            planned=p.report.planned,
            result=p.report.result,
            deviation=p.report.deviation,
            deviation_needs_explanation=needs_explanation(p.report.deviation, rules),
            figures=[
                DraftFigure(f.key, f.name, f.unit, f.target, f.actual, f.light) for f in p.figures
            ],
            goals=[
                DraftGoal(g.text, [(m.text, m.status.label) for m in g.measures]) for g in p.goals
            ],
        )
        for p in profiles_of_department(overview, department.key)
    ]
    return Draft(body.slug, body.name, year, department.key, department.name, rules, groups)


def partial_report_task(*, session: Session, body: Body, year: int, department: Department) -> Task:
    """The department's task whose deadline the partial budget report fulfils."""
    cycle = get_cycle(session=session, body=body, year=year)
    found = session.exec(
        select(Task, Deadline)
        .join(Deadline, Deadline.id == Task.deadline_id)  # type: ignore[arg-type]
        .where(
            Deadline.cycle_id == cycle.id,
            Deadline.delivers == Delivery.partial_budget_report,
            Task.department_id == department.id,
        )
    ).first()
    if found is None:
        raise NotFoundError(
            f"{department.name} hat im Steuerungskreislauf {year} keine Aufgabe "
            '„Teilhaushaltsbericht“ (Frist mit delivers = "partial_budget_report").'
        )
    return found[0]


def require_submittable(task: Task, department: Department, year: int) -> None:
    status = TaskStatus(task.status)
    what = f"Der Teilhaushaltsbericht {year} von {department.name}"
    if status == TaskStatus.planned:
        raise ConflictError(f"{what} ist noch nicht fällig: die Phase ist noch nicht eröffnet.")
    if status == TaskStatus.submitted:
        raise ConflictError(f"{what} ist bereits eingereicht und wartet auf Prüfung.")
    if status == TaskStatus.accepted:
        raise ConflictError(f"{what} ist bereits angenommen; er kann nicht mehr geändert werden.")
    if status == TaskStatus.cancelled:
        raise ConflictError(f"{what} entfällt (Aufgabe abgesagt).")


def write_draft(*, session: Session, body: Body, year: int, department: Department) -> bytes:
    """The report workbook to fill in; only for a department with such a task."""
    from models.partial_report_workbook import write_xlsx

    try:
        partial_report_task(session=session, body=body, year=year, department=department)
    except NotFoundError as error:
        raise KreislaufError(f"Keine Vorlage: {error.message}") from None
    return write_xlsx(build_draft(session=session, body=body, year=year, department=department))
