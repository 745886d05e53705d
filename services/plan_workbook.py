"""The planning workbook of a Teilhaushalt, filled from the current state and written as .xlsx.

Prefilled so that a department edits rather than types: from the Teilhaushalt's latest plan
attempt of the cycle (a returned plan is corrected, not redone), else from the operational
goals and measures of the latest year up to the plan year, the stored targets and the
Finanzplanung lines. Layout and checks: `models.planning_workbook`.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from models.body import Body
from models.budget import BudgetKind, BudgetLine, BudgetSide
from models.planning import Plan, PlanBudget, PlanGoal, PlanMeasure, PlanTarget
from models.planning_workbook import (
    BUDGET,
    EXPENSES,
    GOAL_HEADERS,
    GOALS,
    INCOME,
    INFO,
    INFO_BODY,
    INFO_CYCLE,
    INFO_HEADERS,
    INFO_PLAN_YEAR,
    INFO_THH,
    MEASURE_HEADERS,
    MEASURES,
    TARGETS,
    BudgetRow,
    GoalRow,
    MeasureRow,
    PlanTemplate,
    TargetRow,
    budget_headers,
    plan_years,
    target_headers,
)
from models.product_plan import PartialBudget, ProductGroup
from models.strategy import KeyFigure, KeyFigureValue, Measure, MeasureStatus, OperationalGoal


def thh_groups(*, session: Session, thh: PartialBudget) -> list[ProductGroup]:
    return list(
        session.exec(
            select(ProductGroup)
            .where(ProductGroup.partial_budget_id == thh.id)
            .order_by(ProductGroup.number)
        ).all()
    )


def thh_figures(*, session: Session, body: Body, groups: list[ProductGroup]) -> list[KeyFigure]:
    numbers = [group.number for group in groups]
    return list(
        session.exec(
            select(KeyFigure)
            .where(
                KeyFigure.body_id == body.id,
                col(KeyFigure.product_group).in_(numbers),
                col(KeyFigure.active),
            )
            .order_by(KeyFigure.product_group, col(KeyFigure.position), KeyFigure.key)
        ).all()
    )


def latest_plan(*, session: Session, cycle_id: int, thh_id: int) -> Plan | None:
    return session.exec(
        select(Plan)
        .where(Plan.cycle_id == cycle_id, Plan.partial_budget_id == thh_id)
        .order_by(col(Plan.attempt).desc())
    ).first()


def build_plan_template(
    *, session: Session, body: Body, cycle_id: int, year: int, thh: PartialBudget
) -> PlanTemplate:
    groups = thh_groups(session=session, thh=thh)
    previous = latest_plan(session=session, cycle_id=cycle_id, thh_id=thh.id or 0)
    if previous is not None:
        goals, measures = _plan_goals(session=session, plan=previous)
    else:
        goals, measures = _current_goals(session=session, body=body, year=year + 1, groups=groups)
    return PlanTemplate(
        body_slug=body.slug,
        body_name=body.name,
        cycle_year=year,
        thh_number=thh.number,
        thh_name=thh.name,
        goals=goals,
        measures=measures,
        targets=_targets(session=session, body=body, year=year, groups=groups, plan=previous),
        budget=_budget(session=session, body=body, year=year, groups=groups, plan=previous),
    )


def _plan_goals(*, session: Session, plan: Plan) -> tuple[list[GoalRow], list[MeasureRow]]:
    numbers = {
        g.id: g.number
        for g in session.exec(select(ProductGroup).where(ProductGroup.body_id == plan.body_id))
    }
    goals = session.exec(
        select(PlanGoal).where(PlanGoal.plan_id == plan.id).order_by(col(PlanGoal.position))
    ).all()
    rows = [
        GoalRow(g.position, numbers[g.product_group_id], g.priority_code, g.text) for g in goals
    ]
    position = {g.id: g.position for g in goals}
    measures = session.exec(
        select(PlanMeasure)
        .where(PlanMeasure.plan_id == plan.id)
        .order_by(col(PlanMeasure.position))
    ).all()
    return rows, [
        MeasureRow(
            position[m.plan_goal_id],
            m.text,
            m.owner,
            m.starts_on,
            m.ends_on,
            m.cost,
            MeasureStatus(m.status),
        )
        for m in measures
    ]


def _current_goals(
    *, session: Session, body: Body, year: int, groups: list[ProductGroup]
) -> tuple[list[GoalRow], list[MeasureRow]]:
    """The goals of the latest year up to the plan year (last year's, to be carried on)."""
    numbers = [group.number for group in groups]
    found = session.exec(
        select(OperationalGoal)
        .where(
            OperationalGoal.body_id == body.id,
            col(OperationalGoal.product_group).in_(numbers),
            OperationalGoal.year <= year,
        )
        .order_by(col(OperationalGoal.year).desc(), col(OperationalGoal.id))
    ).all()
    latest = [goal for goal in found if goal.year == found[0].year] if found else []
    goals, measures = [], []
    for number, goal in enumerate(latest, start=1):
        goals.append(GoalRow(number, goal.product_group, goal.priority_code or "", goal.text))
        for measure in session.exec(
            select(Measure)
            .where(Measure.operational_goal_id == goal.id, col(Measure.active))
            .order_by(col(Measure.id))
        ).all():
            if MeasureStatus(measure.status) not in (MeasureStatus.done, MeasureStatus.dropped):
                measures.append(
                    MeasureRow(number, measure.text, status=MeasureStatus(measure.status))
                )
    return goals, measures


def _targets(
    *, session: Session, body: Body, year: int, groups: list[ProductGroup], plan: Plan | None
) -> list[TargetRow]:
    figures = thh_figures(session=session, body=body, groups=groups)
    values = {
        (v.key_figure_id, v.year): v
        for v in session.exec(
            select(KeyFigureValue).where(
                col(KeyFigureValue.key_figure_id).in_([f.id for f in figures])
            )
        ).all()
    }
    planned: dict[tuple[int, int], float] = {}
    if plan is not None:
        planned = {
            (t.key_figure_id, t.year): t.target
            for t in session.exec(select(PlanTarget).where(PlanTarget.plan_id == plan.id)).all()
        }
    rows = []
    for figure in figures:
        figure_id = figure.id or 0
        last = values.get((figure_id, year - 1))
        targets: dict[int, float | None] = {}
        for plan_year in plan_years(year):
            stored = values.get((figure_id, plan_year))
            mine = planned.get((figure_id, plan_year))
            targets[plan_year] = mine if mine is not None else (stored.target if stored else None)
        rows.append(
            TargetRow(
                figure.key,
                figure.name,
                figure.unit,
                figure.product_group,
                last.actual if last else None,
                targets,
                figure.plausible_min,
                figure.plausible_max,
            )
        )
    return rows


def line_sums(
    *, session: Session, body: Body, years: list[int], kind: BudgetKind
) -> dict[tuple[int, int, str], Decimal]:
    sums: dict[tuple[int, int, str], Decimal] = {}
    for line in session.exec(
        select(BudgetLine).where(
            BudgetLine.body_id == body.id,
            col(BudgetLine.year).in_(years),
            BudgetLine.kind == kind.value,
            col(BudgetLine.side).in_([BudgetSide.income.value, BudgetSide.expenses.value]),
        )
    ).all():
        key = (line.product_group_id, line.year, line.side)
        sums[key] = sums.get(key, Decimal(0)) + line.amount
    return sums


def _budget(
    *, session: Session, body: Body, year: int, groups: list[ProductGroup], plan: Plan | None
) -> list[BudgetRow]:
    years = plan_years(year)
    ansatz = line_sums(session=session, body=body, years=[year], kind=BudgetKind.ansatz)
    result = line_sums(session=session, body=body, years=[year - 1], kind=BudgetKind.ergebnis)
    forecast = line_sums(session=session, body=body, years=years, kind=BudgetKind.plan)
    requested: dict[tuple[int, int], PlanBudget] = {}
    if plan is not None:
        requested = {
            (b.product_group_id, b.year): b
            for b in session.exec(select(PlanBudget).where(PlanBudget.plan_id == plan.id)).all()
        }
    rows = []
    for group in groups:
        for side in (BudgetSide.income, BudgetSide.expenses):
            request: dict[int, Decimal | None] = {}
            reason = None
            for plan_year in years:
                asked = requested.get((group.id or 0, plan_year))
                if asked is not None:
                    request[plan_year] = (
                        asked.income if side == BudgetSide.income else asked.expenses
                    )
                    reason = reason or asked.justification
                else:
                    request[plan_year] = forecast.get((group.id or 0, plan_year, side.value))
            rows.append(
                BudgetRow(
                    group.number,
                    group.name,
                    side == BudgetSide.income,
                    ansatz.get((group.id or 0, year, side.value)),
                    result.get((group.id or 0, year - 1, side.value)),
                    request,
                    reason if side == BudgetSide.expenses else None,
                )
            )
    return rows


INPUT_FILL, READ_FILL, HEADER_FILL = "FFF2CC", "EDEDED", "D9E1F2"
EURO = '#,##0.00 "€"'


def write_plan_xlsx(template: PlanTemplate) -> bytes:
    """The workbook: yellow cells are for input; goal and measure rows may be added."""
    from openpyxl import Workbook

    from models.cell_text import as_text

    book = Workbook()
    note = (
        f"Planjahr {template.plan_year}, Finanzplanung bis {template.plan_year + 3}; "
        f"Teilhaushalt {template.thh_number} {template.thh_name}. Gelbe Zellen ausfüllen."
    )
    goals = book.worksheets[0]
    goals.title = GOALS
    _sheet(goals, f"Leistungsziele {template.plan_year}", note, GOAL_HEADERS)
    for goal in template.goals:
        goals.append([goal.number, goal.group, goal.priority, goal.text])
    _inputs(goals, len(GOAL_HEADERS), 1, extra=20)
    measures = book.create_sheet(MEASURES)
    _sheet(measures, f"Maßnahmen {template.plan_year}", note, MEASURE_HEADERS)
    for m in template.measures:
        measures.append(
            [m.goal_number, m.text, m.owner, m.starts_on, m.ends_on, m.cost, m.status.label]
        )
    _inputs(measures, len(MEASURE_HEADERS), 1, extra=40)
    for row in measures.iter_rows(min_row=4, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = "DD.MM.YYYY"
    _status_list(measures)
    _write_targets(book.create_sheet(TARGETS), template, note)
    _write_budget(book.create_sheet(BUDGET), template, note)
    info = book.create_sheet(INFO)
    _sheet(info, "Angaben zur Vorlage (bitte nicht ändern)", note, INFO_HEADERS)
    for key, value in (
        (INFO_BODY, template.body_slug),
        (INFO_CYCLE, str(template.cycle_year)),
        (INFO_PLAN_YEAR, str(template.plan_year)),
        (INFO_THH, template.thh_number),
    ):
        info.append([key, value])
    info.protection.sheet = True
    as_text(book.worksheets)
    from models.workbook_style import print_setup  # openpyxl only when writing

    print_setup(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(sheet: Any, title: str, note: str, headers: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    sheet.append([title])
    sheet.append([note])
    sheet.append(headers)
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    sheet.freeze_panes = "A4"
    for index, _ in enumerate(headers, start=1):
        letter = sheet.cell(row=3, column=index).column_letter
        sheet.column_dimensions[letter].width = 14 if len(headers[index - 1]) < 14 else 22
    if headers in (GOAL_HEADERS, MEASURE_HEADERS):
        sheet.column_dimensions["D" if headers == GOAL_HEADERS else "B"].width = 60


def _inputs(sheet: Any, columns: int, first: int, extra: int = 0, last: int | None = None) -> None:
    from openpyxl.styles import PatternFill, Protection

    end = (last or sheet.max_row) + extra
    for row in sheet.iter_rows(min_row=4, max_row=end, min_col=first, max_col=columns):
        for cell in row:
            cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
            cell.protection = Protection(locked=False)


def _status_list(sheet: Any) -> None:
    """The statuses as a drop-down list in the status column (German labels)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    labels = ",".join(status.label for status in MeasureStatus)
    check = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
    check.error = "Bitte einen Status aus der Liste wählen."
    check.errorTitle = "Status"
    sheet.add_data_validation(check)
    check.add(f"G4:G{sheet.max_row}")


def _write_targets(sheet: Any, template: PlanTemplate, note: str) -> None:
    headers = target_headers(template.cycle_year)
    _sheet(
        sheet, f"Kennzahlen: Soll {template.plan_year} bis {template.plan_year + 3}", note, headers
    )
    for row in template.targets:
        sheet.append(
            [row.key, row.name, row.unit, row.group, row.last_actual, *row.targets.values()]
        )
    _inputs(sheet, len(headers), 6)
    sheet.column_dimensions["B"].width = 50
    sheet.protection.sheet = True


def _write_budget(sheet: Any, template: PlanTemplate, note: str) -> None:
    headers = budget_headers(template.cycle_year)
    _sheet(sheet, f"Haushalt: Anmeldung {template.plan_year}", note, headers)
    for row in template.budget:
        sheet.append(
            [
                row.group,
                row.name,
                INCOME if row.income else EXPENSES,
                row.ansatz,
                row.result,
                *row.request.values(),
                row.justification,
            ]
        )
    _inputs(sheet, len(headers), 6)
    for cells in sheet.iter_rows(min_row=4, min_col=4, max_col=len(headers) - 1):
        for cell in cells:
            cell.number_format = EURO
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions[sheet.cell(row=3, column=len(headers)).column_letter].width = 50
    sheet.protection.sheet = True
