"""The draft budget's performance part (Ziele und Kennzahlen of the Haushaltsplan).

Per Teilhaushalt: the planned goals with their priority and measures, the key figures with
their targets for the plan year and the financial-plan years, and the requested budget per
product group beside the previous plan (Ansatz of the cycle year) and the last result. Taken
from each Teilhaushalt's accepted plan, else its latest submitted one (marked as not yet
accepted); Teilhaushalte without a plan are listed as such. Written as HTML, PDF or .xlsx.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from models.body import Body
from models.budget import BudgetKind
from models.planning import Plan, PlanBudget, PlanGoal, PlanMeasure, PlanStatus, PlanTarget
from models.product_plan import PartialBudget, ProductGroup
from models.strategy import KeyFigure, MeasureStatus
from models.strategy_versions import current_version, load_content
from services.cycles import get_cycle
from services.plan_workbook import line_sums, thh_groups
from services.report_format import PriorityNames

FORMATS = ("html", "pdf", "xlsx")


@dataclass(frozen=True)
class DraftGoal:
    group: str
    priority: str
    text: str
    measures: list[str]


@dataclass(frozen=True)
class DraftFigure:
    key: str
    name: str
    unit: str
    targets: list[float | None]


@dataclass(frozen=True)
class DraftMoney:
    group: str
    name: str
    previous_plan: Decimal | None
    result: Decimal | None
    request: Decimal | None
    justification: str | None


@dataclass
class DraftThh:
    number: str
    name: str
    status: PlanStatus | None
    attempt: int | None
    goals: list[DraftGoal] = field(default_factory=list)
    figures: list[DraftFigure] = field(default_factory=list)
    money: list[DraftMoney] = field(default_factory=list)


@dataclass(frozen=True)
class Draft:
    body_name: str
    plan_year: int
    as_of: dt.date
    thhs: list[DraftThh]

    @property
    def years(self) -> list[int]:
        return [self.plan_year + offset for offset in range(4)]


def _net(sums: dict[tuple[int, int, str], Decimal], group_id: int, year: int) -> Decimal | None:
    income = sums.get((group_id, year, "income"))
    expenses = sums.get((group_id, year, "expenses"))
    if income is None and expenses is None:
        return None
    return (expenses or Decimal(0)) - (income or Decimal(0))


def _chosen(session: Session, cycle_id: int, thh_id: int) -> Plan | None:
    plans = session.exec(
        select(Plan)
        .where(Plan.cycle_id == cycle_id, Plan.partial_budget_id == thh_id)
        .order_by(col(Plan.attempt).desc())
    ).all()
    accepted = [p for p in plans if PlanStatus(p.status) == PlanStatus.accepted]
    submitted = [p for p in plans if PlanStatus(p.status) == PlanStatus.submitted]
    chosen = accepted or submitted
    return chosen[0] if chosen else None


def build_draft(*, session: Session, body: Body, plan_year: int, today: dt.date) -> Draft:
    """The draft of `plan_year` from the plans of cycle `plan_year - 1`."""
    cycle = get_cycle(session=session, body=body, year=plan_year - 1)
    year = cycle.year
    money = _Money(
        line_sums(session=session, body=body, years=[year], kind=BudgetKind.ansatz),
        line_sums(session=session, body=body, years=[year - 1], kind=BudgetKind.ergebnis),
        year,
    )
    figures = {f.id: f for f in session.exec(select(KeyFigure).where(KeyFigure.body_id == body.id))}
    strategy = load_content(
        session=session, version=current_version(session=session, body_id=body.id or 0)
    )
    names = PriorityNames.of_content(strategy)
    thhs = []
    for thh in session.exec(
        select(PartialBudget)
        .where(PartialBudget.body_id == body.id)
        .order_by(col(PartialBudget.id))
    ).all():
        plan = _chosen(session, cycle.id or 0, thh.id or 0)
        entry = DraftThh(
            thh.number,
            thh.name,
            PlanStatus(plan.status) if plan else None,
            plan.attempt if plan else None,
        )
        thhs.append(entry)
        if plan is not None:
            groups = {g.id or 0: g for g in thh_groups(session=session, thh=thh)}
            entry.goals = _goals(session, plan, groups, names)
            entry.figures = _figures(session, plan, figures)
            entry.money = _money(session, plan, groups, money)
    return Draft(body.name, plan_year, today, thhs)


@dataclass(frozen=True)
class _Money:
    ansatz: dict[tuple[int, int, str], Decimal]
    result: dict[tuple[int, int, str], Decimal]
    year: int  # the cycle year: its Ansatz, the year before's result


def _goals(
    session: Session, plan: Plan, groups: dict[int, ProductGroup], names: PriorityNames
) -> list[DraftGoal]:
    """The plan's goals; each names its priority by field and number, as people read it."""
    goals = []
    for goal in session.exec(
        select(PlanGoal).where(PlanGoal.plan_id == plan.id).order_by(col(PlanGoal.position))
    ).all():
        measures = [
            f"{m.text} ({MeasureStatus(m.status).label})"
            for m in session.exec(
                select(PlanMeasure)
                .where(PlanMeasure.plan_goal_id == goal.id)
                .order_by(col(PlanMeasure.position))
            ).all()
        ]
        group = groups[goal.product_group_id].number
        goals.append(DraftGoal(group, names.full(goal.priority_code), goal.text, measures))
    return goals


def _figures(
    session: Session, plan: Plan, figures: dict[int | None, KeyFigure]
) -> list[DraftFigure]:
    targets: dict[int, dict[int, float]] = {}
    for target in session.exec(select(PlanTarget).where(PlanTarget.plan_id == plan.id)).all():
        targets.setdefault(target.key_figure_id, {})[target.year] = target.target
    rows = []
    for figure_id, by_year in sorted(targets.items(), key=lambda item: figures[item[0]].key):
        figure = figures[figure_id]
        years = [plan.plan_year + offset for offset in range(4)]
        rows.append(
            DraftFigure(figure.key, figure.name, figure.unit, [by_year.get(y) for y in years])
        )
    return rows


def _money(
    session: Session, plan: Plan, groups: dict[int, ProductGroup], money: _Money
) -> list[DraftMoney]:
    requests = {
        b.product_group_id: b
        for b in session.exec(
            select(PlanBudget).where(
                PlanBudget.plan_id == plan.id, PlanBudget.year == plan.plan_year
            )
        ).all()
    }
    rows = []
    for group_id, group in groups.items():
        asked = requests.get(group_id)
        rows.append(
            DraftMoney(
                group.number,
                group.name,
                _net(money.ansatz, group_id, money.year),
                _net(money.result, group_id, money.year - 1),
                asked.expenses - asked.income if asked else None,
                asked.justification if asked else None,
            )
        )
    return rows


def draft_html(draft: Draft) -> str:
    from services.reports import environment

    return environment().get_template("plan_draft.html").render(d=draft)


def draft_bytes(draft: Draft, fmt: str) -> bytes:
    if fmt == "xlsx":
        return _xlsx(draft)
    html = draft_html(draft)
    if fmt == "pdf":
        from services.reports import html_to_pdf

        return html_to_pdf(html)
    return html.encode("utf-8")


def _xlsx(draft: Draft) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from models.cell_text import as_text

    book = Workbook()
    goals = book.worksheets[0]
    goals.title = "Ziele"
    goals.append(["Teilhaushalt", "Produktgruppe", "Schwerpunkt", "Leistungsziel", "Maßnahmen"])
    figures = book.create_sheet("Kennzahlen")
    figures.append(
        ["Teilhaushalt", "Schlüssel", "Kennzahl", "Einheit", *[f"Soll {y}" for y in draft.years]]
    )
    money = book.create_sheet("Haushalt")
    money.append(
        [
            "Teilhaushalt",
            "Produktgruppe",
            "Bezeichnung",
            f"Ansatz {draft.plan_year - 1}",
            f"Ergebnis {draft.plan_year - 2}",
            f"Entwurf {draft.plan_year}",
            "Begründung",
        ]
    )
    for thh in draft.thhs:
        for goal in thh.goals:
            goals.append(
                [thh.number, goal.group, goal.priority, goal.text, "\n".join(goal.measures)]
            )
        for figure in thh.figures:
            figures.append([thh.number, figure.key, figure.name, figure.unit, *figure.targets])
        for row in thh.money:
            money.append(
                [
                    thh.number,
                    row.group,
                    row.name,
                    row.previous_plan,
                    row.result,
                    row.request,
                    row.justification,
                ]
            )
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for cells in money.iter_rows(min_row=2, min_col=4, max_col=6):
        for cell in cells:
            cell.number_format = '#,##0.00 "€"'
    as_text(book.worksheets)
    from models.workbook_style import print_setup  # openpyxl only when writing

    print_setup(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
