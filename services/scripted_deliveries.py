"""What a scripted person of the simulation hands in for a task: the delivery its deadline
asks for (`Deadline.delivers`), built as the CLI or the web would build it.

The figures workbook is filled in (actuals near the target), the partial budget report gets a
text in every field it requires, each Teilhaushalt's planning workbook is taken as prefilled
and completed (targets and requests carried on), a document is a small PDF, a confirmation a
note. The same every run: nothing here is random.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session

from models.body import Body
from models.calendar_rules import Delivery
from models.commands import (
    Command,
    ConfirmTask,
    DeliverDocument,
    SubmitFigures,
    SubmitPartialReport,
    SubmitPlan,
)
from models.cycle import Deadline, Task, TaskStatus
from models.errors import KreislaufError
from models.organisation import Department

if TYPE_CHECKING:
    from models.planning_workbook import PlanTemplate
    from models.workbook_layout import FigureRow

# the task states in which a person delivers (a missed task still takes a late delivery)
DELIVERABLE = (TaskStatus.open, TaskStatus.returned, TaskStatus.missed)


def deliveries(
    task: Task, *, session: Session, body: Body, year: int, today: dt.date
) -> list[Command] | None:
    """The commands that deliver `task`; None when it takes no delivery now (not open, or
    fulfilled by a decision of its own: an answer, a session, a resolution)."""
    if TaskStatus(task.status) not in DELIVERABLE or task.department_id is None:
        return None
    deadline = session.get_one(Deadline, task.deadline_id)
    department = session.get_one(Department, task.department_id)
    delivers = Delivery(deadline.delivers)
    if delivers == Delivery.key_figures:
        return _figures(session=session, body=body, year=year, department=department)
    if delivers == Delivery.partial_budget_report:
        return [_partial_report(session=session, body=body, year=year, department=department)]
    if delivers == Delivery.planning:
        return _plans(session=session, body=body, year=year, department=department)
    if delivers == Delivery.document:
        name = f"{deadline.key}-{department.key}-{year}.pdf"
        note = f"{deadline.title} ({department.name})"
        return [DeliverDocument(task.id or 0, name, small_pdf(note), note)]
    if delivers == Delivery.confirmation:
        note = f"Erledigt: {deadline.title}"
        return [ConfirmTask(task.id or 0, today, note)]
    return None


def _figures(*, session: Session, body: Body, year: int, department: Department) -> list[Command]:
    """The department's figures workbook, filled in, as CSV (an empty one when it reports
    nothing: the template is what fulfils the task)."""
    from models.workbook import write_csv
    from services.submissions import build_template

    template = build_template(session=session, body=body, year=year, department=department)
    figures = [replace(row, actual=scripted_actual(row, year)) for row in template.figures]
    content = write_csv(replace(template, figures=figures))
    return [SubmitFigures(year, None, f"{department.key}.csv", content)]


def scripted_actual(row: FigureRow, year: int) -> float:
    """Between 92 % and 104 % of the target (or of last year's actual), within the plausible
    range; derived from the figure's key and the year so that a simulation is repeatable."""
    base = row.target if row.target is not None else row.last_actual
    if base is None:
        base = row.plausible_min if row.plausible_min is not None else 0.0
    spread = int(hashlib.sha256(f"{row.key}:{year}".encode()).hexdigest(), 16) % 13
    value = round(base * (0.92 + spread / 100), 1)
    if row.plausible_min is not None:
        value = max(value, row.plausible_min)
    if row.plausible_max is not None:
        value = min(value, row.plausible_max)
    return value


def _partial_report(
    *, session: Session, body: Body, year: int, department: Department
) -> SubmitPartialReport:
    """The report on the web form: an assessment per product group and an explanation for
    every red figure and every deviation above the body's threshold."""
    from services.partial_report_draft import build_draft

    draft = build_draft(session=session, body=body, year=year, department=department)
    texts = tuple(
        (field.name, _text(field.kind.value, field.group, field.subject))
        for field in draft.fields()
        if field.required
    )
    return SubmitPartialReport(year, department.key, texts=texts)


def _text(kind: str, group: str, subject: str) -> str:
    if kind == "assessment":
        return f"Die Produktgruppe {group} hat ihre Ziele im Berichtsjahr im Wesentlichen erreicht."
    if kind == "deviation":
        return f"Die Abweichung in der Produktgruppe {group} geht auf Preissteigerungen zurück."
    return f"Die Kennzahl {subject} verfehlt ihr Ziel wegen Personalengpässen; Abhilfe ist geplant."


def _plans(*, session: Session, body: Body, year: int, department: Department) -> list[Command]:
    """One planning workbook per Teilhaushalt the department answers for and that still
    needs one (a shared Teilhaushalt's plan may have come from the other department)."""
    from models.planning import PlanStatus
    from services.cycles import get_cycle
    from services.plan_workbook import build_plan_template, latest_plan, write_plan_xlsx
    from services.planning import thhs_of

    cycle = get_cycle(session=session, body=body, year=year)
    commands: list[Command] = []
    for thh in thhs_of(session=session, department=department):
        previous = latest_plan(session=session, cycle_id=cycle.id or 0, thh_id=thh.id or 0)
        if previous is not None and PlanStatus(previous.status) != PlanStatus.returned:
            continue
        template = build_plan_template(
            session=session, body=body, cycle_id=cycle.id or 0, year=year, thh=thh
        )
        content = write_plan_xlsx(completed(template, _ambition(session=session, body=body)))
        commands.append(SubmitPlan(year, department.key, f"planung-thh-{thh.number}.xlsx", content))
    return commands


def _ambition(*, session: Session, body: Body) -> dict[str, float]:
    """Per key figure the factor a scripted planner applies to the plan year's target: 2 %
    better than carried on (more where higher is better, less where lower is)."""
    from sqlmodel import select

    from models.strategy import Direction, KeyFigure

    rows = session.exec(
        select(KeyFigure.key, KeyFigure.direction).where(KeyFigure.body_id == body.id)
    ).all()
    return {
        key: 1.02 if Direction(direction) == Direction.higher_is_better else 0.98
        for key, direction in rows
    }


def completed(template: PlanTemplate, ambition: dict[str, float] | None = None) -> PlanTemplate:
    """The prefilled plan with every gap filled as a planner carries the figures on: a
    missing target is the last one (or the last actual), a missing request the Ansatz (or
    the result), a measure without owner or dates runs the plan year under the department's
    head; the plan year's target is raised by `ambition` (per figure key), within the
    figure's plausible range."""
    from models.planning_workbook import plan_years

    years = plan_years(template.cycle_year)
    targets = []
    for row in template.targets:
        known = [v for v in row.targets.values() if v is not None]
        carried = known[-1] if known else row.last_actual
        if carried is None:
            carried = row.plausible_min if row.plausible_min is not None else 0.0
        planned = {
            year: row.targets.get(year) if row.targets.get(year) is not None else carried
            for year in years
        }
        factor = (ambition or {}).get(row.key, 1.0)
        first = planned[years[0]]
        if first is not None:
            first = round(first * factor, 1)
            if row.plausible_min is not None:
                first = max(first, row.plausible_min)
            if row.plausible_max is not None:
                first = min(first, row.plausible_max)
            planned[years[0]] = first
        targets.append(replace(row, targets=planned))
    budget = []
    for line in template.budget:
        known_money = [v for v in line.request.values() if v is not None]
        base = known_money[-1] if known_money else (line.ansatz or line.result or Decimal(0))
        budget.append(
            replace(
                line,
                request={
                    year: value if value is not None else base
                    for year, value in line.request.items()
                },
                justification=line.justification
                or ("Fortschreibung des Ansatzes" if not line.income else None),
            )
        )
    plan_year = template.plan_year
    measures = [
        replace(
            measure,
            owner=measure.owner or "Fachbereichsleitung",
            starts_on=measure.starts_on or dt.date(plan_year, 1, 1),
            ends_on=measure.ends_on or dt.date(plan_year, 12, 31),
        )
        for measure in template.measures
    ]
    return replace(template, targets=targets, budget=budget, measures=measures)


def small_pdf(title: str) -> bytes:
    """A one-page PDF naming `title`: what a person would upload (built by WeasyPrint, as
    the reports are, so it is a real, valid file)."""
    from html import escape

    from services.reports import html_to_pdf

    html = (
        f'<html lang="de"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1></body></html>"
    )
    data = html_to_pdf(html)
    if not data:
        raise KreislaufError("Das Dokument konnte nicht erzeugt werden.")
    return bytes(data)
