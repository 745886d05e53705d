"""Money beside results: the budget of each product group read next to its figures and goals.

For a body and cycle year N (Berichtsjahr N-1, like the evaluation) this builds the
Produktgruppen-Steckbriefe, the per-Teilhaushalt summary, the net requirement per field of
action and priority, the blind spots and the key positions with their money. The rules
(net requirement, plan, deviation, apportionment) are `models.money`; the lights are those
of `services.evaluation`. The body's budget lines are loaded once and grouped in Python, so
the number of queries does not grow with the number of groups or lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.achievement import Rollup
from models.body import Body
from models.budget import BudgetKind, BudgetLine, BudgetSide
from models.db import id_of
from models.money import (
    APPORTIONMENT_RULE,
    LARGE_SHARE,
    NET_RULE,
    ZERO,
    Amounts,
    Deviation,
    GroupLinks,
    PlanBasis,
    apportion_groups,
    deviation,
    large_groups_without_links,
    planned,
    priorities_without_links,
    sum_sides,
    total_deviation,
)
from models.organisation import Department
from models.product_plan import PartialBudget, PartialBudgetDepartment, ProductGroup
from models.strategy import (
    FieldOfAction,
    KeyFigure,
    KeyPosition,
    Measure,
    MeasureStatus,
    OperationalGoal,
    Priority,
    Product,
)
from services.bodies import current_strategy_version
from services.evaluation import FigureStatus, figure_statuses, rollup_of
from services.report_format import PriorityNames

NO_MONEY = "keine Haushaltsdaten"


@dataclass(frozen=True)
class YearMoney:
    """Net requirement of one year: the plan (and on which kind it rests) and the result."""

    year: int
    planned: Decimal | None
    plan_basis: PlanBasis | None
    result: Decimal | None
    planned_amounts: Amounts | None = None
    result_amounts: Amounts | None = None

    @property
    def deviation(self) -> Deviation | None:
        return deviation(planned=self.planned, result=self.result)

    @property
    def has_money(self) -> bool:
        return self.planned is not None or self.result is not None


@dataclass(frozen=True)
class MeasureView:
    text: str
    status: MeasureStatus


@dataclass(frozen=True)
class GoalView:
    text: str
    priority_code: str | None
    department: str | None
    measures: list[MeasureView]


@dataclass(frozen=True)
class PriorityShare:
    """A priority a group serves, how many of its figures and goals serve it, and its part
    of the group's net requirement."""

    code: str
    text: str
    field_name: str
    count: int
    planned: Decimal | None
    result: Decimal | None


@dataclass(frozen=True)
class GroupProfile:
    """Produktgruppen-Steckbrief."""

    number: str
    name: str
    partial_budget_number: str
    partial_budget_name: str
    departments: list[str]  # names, for reading
    department_keys: list[str]  # keys, for who may see the group
    report: YearMoney  # the report year
    series: list[YearMoney]  # every year on record (Ansatz, fortgeschrieben, Ergebnis)
    financial_plan: list[tuple[int, Decimal | None]]  # Finanzplanung: (year, net requirement)
    figures: list[FigureStatus]
    goals: list[GoalView]
    priorities: list[PriorityShare]
    other_priority_codes: list[str]  # served, but not priorities of the strategy in force

    @property
    def has_money(self) -> bool:
        return bool(self.series) or bool(self.financial_plan)

    @property
    def is_empty(self) -> bool:
        """No money, no figure, no goal: the report lists it in one line."""
        return not (self.has_money or self.figures or self.goals)

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)

    @property
    def measures(self) -> dict[MeasureStatus, int]:
        counts = {status: 0 for status in MeasureStatus}
        for goal in self.goals:
            for measure in goal.measures:
                counts[measure.status] += 1
        return counts


@dataclass(frozen=True)
class PartialBudgetSummary:
    """One Teilhaushalt: its money in the report year and the achievement of its groups."""

    number: str
    name: str
    departments: list[str]
    groups: list[GroupProfile]

    @property
    def planned(self) -> Decimal | None:
        return _sum(g.report.planned for g in self.groups)

    @property
    def result(self) -> Decimal | None:
        return _sum(g.report.result for g in self.groups)

    @property
    def deviation(self) -> Deviation | None:
        """Over the groups with a plan and a result (`models.money.comparable`)."""
        return total_deviation((g.report.planned, g.report.result) for g in self.groups)

    @property
    def without_result(self) -> list[str]:
        """Groups with a plan but no Ergebnis yet: not in the deviation."""
        return _without_result(self.groups)

    @property
    def figures(self) -> list[FigureStatus]:
        return [f for g in self.groups for f in g.figures]

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)

    @property
    def goals(self) -> int:
        return sum(len(g.goals) for g in self.groups)

    @property
    def measures(self) -> dict[MeasureStatus, int]:
        counts = {status: 0 for status in MeasureStatus}
        for g in self.groups:
            for status, count in g.measures.items():
                counts[status] += count
        return counts


@dataclass(frozen=True)
class PriorityMoney:
    code: str
    text: str
    planned: Decimal | None
    result: Decimal | None
    groups: list[str]  # numbers of the groups contributing
    figures: int
    goals: int
    # result - plan over the groups with both (their apportioned shares); None: none has both
    deviation: Decimal | None = None


@dataclass(frozen=True)
class FieldMoney:
    key: str
    name: str
    priorities: list[PriorityMoney]

    @property
    def planned(self) -> Decimal | None:
        return _sum(p.planned for p in self.priorities)

    @property
    def result(self) -> Decimal | None:
        return _sum(p.result for p in self.priorities)

    @property
    def deviation(self) -> Decimal | None:
        return _sum(p.deviation for p in self.priorities)


@dataclass(frozen=True)
class KeyPositionMoney:
    """A key position with the money of its product, or of its group where the budget is
    not kept per product (`level` says which)."""

    product: str
    name: str
    group_number: str | None
    group_name: str | None
    level: str  # "Produkt" | "Produktgruppe" | "" (no money)
    report: YearMoney | None
    figures: list[FigureStatus]

    @property
    def rollup(self) -> Rollup:
        return rollup_of(self.figures)


@dataclass(frozen=True)
class UnlinkedPriority:
    code: str
    text: str
    field_name: str


@dataclass(frozen=True)
class UnlinkedGroup:
    number: str
    name: str
    amount: Decimal  # the report year's result, else its plan


@dataclass(frozen=True)
class BlindSpots:
    priorities: list[UnlinkedPriority]
    large_groups: list[UnlinkedGroup]
    large_share: Decimal = LARGE_SHARE


@dataclass(frozen=True)
class MoneyOverview:
    cycle_year: int
    report_year: int
    has_plan: bool  # the body has a product plan
    has_money: bool  # ... and budget lines
    groups: list[GroupProfile]
    partial_budgets: list[PartialBudgetSummary]
    fields: list[FieldMoney]
    unattributed_planned: Decimal | None
    unattributed_result: Decimal | None
    unattributed_deviation: Decimal | None
    unattributed_groups: list[str]
    blind_spots: BlindSpots
    key_positions: list[KeyPositionMoney]
    years: list[int]  # the years on record (Ansatz, fortgeschrieben, Ergebnis)
    plan_years: list[int]  # the Finanzplanung years after them
    apportionment_rule: str = APPORTIONMENT_RULE
    net_rule: str = NET_RULE
    no_money: str = NO_MONEY

    @property
    def priority_names(self) -> PriorityNames:
        """How people read the priorities listed here (never their internal keys)."""
        return PriorityNames((f.name, [p.code for p in f.priorities]) for f in self.fields)

    @property
    def has_year_money(self) -> bool:
        """Budget lines for the report year itself (not only for other years)."""
        return any(g.report.has_money for g in self.groups)

    @property
    def total_planned(self) -> Decimal | None:
        return _sum(g.report.planned for g in self.groups)

    @property
    def total_result(self) -> Decimal | None:
        return _sum(g.report.result for g in self.groups)

    @property
    def total_deviation(self) -> Deviation | None:
        """Over the groups with a plan and a result (`models.money.comparable`)."""
        return total_deviation((g.report.planned, g.report.result) for g in self.groups)

    @property
    def without_result(self) -> list[str]:
        """Groups with a plan but no Ergebnis yet: not in the deviations."""
        return _without_result(self.groups)

    def group(self, number: str) -> GroupProfile | None:
        return next((g for g in self.groups if g.number == number), None)


def _without_result(groups: Iterable[GroupProfile]) -> list[str]:
    return [g.number for g in groups if g.report.planned is not None and g.report.result is None]


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the known values; None when none is known (no money is not 0 €)."""
    known = [value for value in values if value is not None]
    return sum(known, ZERO) if known else None


# --------------------------------------------------------------------------- reading

# (product_group_id, product_number, year, kind) -> [(side, amount)]
_Lines = dict[tuple[int, str, int, BudgetKind], list[tuple[BudgetSide, Decimal]]]


def money_overview(*, session: Session, body: Body, year: int) -> MoneyOverview:
    """Everything the budget side of the evaluation of cycle `year` (Berichtsjahr
    `year - 1`) shows; works, and says so, without product plan or budget lines."""
    report_year = year - 1
    body_id = id_of(body)
    departments = {
        d.id: d for d in session.exec(select(Department).where(Department.body_id == body_id))
    }
    figures = figure_statuses(session=session, body=body, year=report_year, departments=departments)
    version = current_strategy_version(session=session, body=body)
    strategy = session.exec(
        select(FieldOfAction, Priority)
        .join(Priority, col(Priority.field_id) == FieldOfAction.id)
        .where(FieldOfAction.version_id == version.id)
        .order_by(col(FieldOfAction.position), col(Priority.position))
    ).all()
    priorities = {p.code: (p, f) for f, p in strategy}

    groups = session.exec(
        select(ProductGroup)
        .where(ProductGroup.body_id == body_id)
        .order_by(col(ProductGroup.number))
    ).all()
    budgets = {
        b.id: b for b in session.exec(select(PartialBudget).where(PartialBudget.body_id == body_id))
    }
    responsible: dict[int, list[str]] = {}
    responsible_keys: dict[int, list[str]] = {}
    for link in session.exec(
        select(PartialBudgetDepartment)
        .where(col(PartialBudgetDepartment.partial_budget_id).in_(list(budgets)))
        .order_by(col(PartialBudgetDepartment.id))
    ):
        responsible.setdefault(link.partial_budget_id, []).append(
            departments[link.department_id].name
        )
        responsible_keys.setdefault(link.partial_budget_id, []).append(
            departments[link.department_id].key
        )
    lines = _load_lines(session, body_id)

    goals = session.exec(
        select(OperationalGoal)
        .where(OperationalGoal.body_id == body_id, OperationalGoal.year == report_year)
        .order_by(col(OperationalGoal.id))
    ).all()
    measures: dict[int, list[MeasureView]] = {}
    for measure in session.exec(
        select(Measure)
        .join(OperationalGoal, col(Measure.operational_goal_id) == OperationalGoal.id)
        .where(
            OperationalGoal.body_id == body_id,
            OperationalGoal.year == report_year,
            col(Measure.active),
        )
        .order_by(col(Measure.id))
    ):
        measures.setdefault(measure.operational_goal_id, []).append(
            MeasureView(measure.text, MeasureStatus(measure.status))
        )

    # per group: money by year and kind (all products summed)
    by_group: dict[int, dict[int, dict[BudgetKind, list[tuple[BudgetSide, Decimal]]]]] = {}
    for (group_id, _product, line_year, kind), pairs in lines.items():
        by_group.setdefault(group_id, {}).setdefault(line_year, {}).setdefault(kind, []).extend(
            pairs
        )
    links = []
    drafts = []
    for group in groups:
        group_figures = [(f, s) for f, s in figures if f.product_group == group.number]
        group_goals = [g for g in goals if g.product_group == group.number]
        codes: list[str | None] = [f.priority_code for f, _ in group_figures if f.active]
        codes += [g.priority_code for g in group_goals]
        years = by_group.get(id_of(group), {})
        series, financial_plan = _series(years)
        report = next((y for y in series if y.year == report_year), None) or YearMoney(
            report_year, None, None, None
        )
        links.append((group, codes, report))
        drafts.append((group, group_figures, group_goals, series, financial_plan, report))

    planned_split = apportion_groups(
        (GroupLinks(g.number, r.planned, c) for g, c, r in links), priorities
    )
    result_split = apportion_groups(
        (GroupLinks(g.number, r.result, c) for g, c, r in links), priorities
    )
    # the deviations: the shares of the groups with a plan and a result only
    both = [(g, c, r) for g, c, r in links if r.planned is not None and r.result is not None]
    planned_both = apportion_groups(
        (GroupLinks(g.number, r.planned, c) for g, c, r in both), priorities
    )
    result_both = apportion_groups(
        (GroupLinks(g.number, r.result, c) for g, c, r in both), priorities
    )

    def deviation_of(code: str | None) -> Decimal | None:
        if not both:
            return None
        if code is None:
            return result_both.unattributed - planned_both.unattributed
        if code not in planned_both.by_priority:
            return None
        return result_both.by_priority[code] - planned_both.by_priority[code]

    has_money = bool(lines) and bool(groups)

    profiles = []
    for group, group_figures, group_goals, series, financial_plan, report in drafts:
        codes = [f.priority_code for f, _ in group_figures if f.active] + [
            g.priority_code for g in group_goals
        ]
        counts: dict[str, int] = {}
        for code in codes:
            if code is not None:
                counts[code] = counts.get(code, 0) + 1
        budget = budgets[group.partial_budget_id]
        profiles.append(
            GroupProfile(
                number=group.number,
                name=group.name,
                partial_budget_number=budget.number,
                partial_budget_name=budget.name,
                departments=responsible.get(id_of(budget), []),
                department_keys=responsible_keys.get(id_of(budget), []),
                report=report,
                series=series,
                financial_plan=financial_plan,
                figures=[s for _, s in group_figures],
                goals=[
                    GoalView(
                        g.text,
                        g.priority_code,
                        departments[g.department_id].name if g.department_id else None,
                        measures.get(id_of(g), []),
                    )
                    for g in group_goals
                ],
                priorities=[
                    PriorityShare(
                        code=code,
                        text=priorities[code][0].text,
                        field_name=priorities[code][1].name,
                        count=count,
                        planned=planned_split.parts.get((group.number, code)),
                        result=result_split.parts.get((group.number, code)),
                    )
                    for code, count in counts.items()
                    if code in priorities
                ],
                other_priority_codes=[code for code in counts if code not in priorities],
            )
        )

    fields: dict[int, FieldMoney] = {}
    for field_row, priority in strategy:
        contributing = [
            p.number for p in profiles if any(s.code == priority.code for s in p.priorities)
        ]
        fields.setdefault(
            id_of(field_row), FieldMoney(field_row.key, field_row.name, [])
        ).priorities.append(
            PriorityMoney(
                code=priority.code,
                text=priority.text,
                planned=planned_split.by_priority.get(priority.code) if has_money else None,
                result=result_split.by_priority.get(priority.code) if has_money else None,
                groups=contributing,
                figures=sum(1 for f, _ in figures if f.active and f.priority_code == priority.code),
                goals=sum(1 for g in goals if g.priority_code == priority.code),
                deviation=deviation_of(priority.code) if has_money else None,
            )
        )

    linked_codes = [f.priority_code for f, _ in figures if f.active] + [
        g.priority_code for g in goals
    ]
    unlinked_codes = priorities_without_links(list(priorities), linked_codes)
    amounts = {g.number: (r.result if r.result is not None else r.planned) for g, _c, r in links}
    large = large_groups_without_links(
        GroupLinks(g.number, amounts[g.number], c) for g, c, _r in links
    )
    names = {g.number: g.name for g in groups}
    blind_spots = BlindSpots(
        priorities=[
            UnlinkedPriority(code, priorities[code][0].text, priorities[code][1].name)
            for code in unlinked_codes
        ],
        large_groups=[
            UnlinkedGroup(number, names[number], amounts[number] or ZERO) for number in large
        ],
    )

    budget_summaries = []
    for budget in sorted(budgets.values(), key=lambda b: _number_key(b.number)):
        budget_summaries.append(
            PartialBudgetSummary(
                number=budget.number,
                name=budget.name,
                departments=responsible.get(id_of(budget), []),
                groups=[p for p in profiles if p.partial_budget_number == budget.number],
            )
        )

    return MoneyOverview(
        cycle_year=year,
        report_year=report_year,
        has_plan=bool(groups),
        has_money=has_money,
        groups=profiles,
        partial_budgets=budget_summaries,
        fields=list(fields.values()),
        unattributed_planned=planned_split.unattributed if has_money else None,
        unattributed_result=result_split.unattributed if has_money else None,
        unattributed_deviation=deviation_of(None) if has_money else None,
        unattributed_groups=[number for (number, code) in planned_split.parts if code is None],
        blind_spots=blind_spots,
        key_positions=_key_positions(
            session=session,
            version_id=id_of(version),
            lines=lines,
            groups={id_of(g): g for g in groups},
            figures=figures,
            report_year=report_year,
        ),
        years=sorted({y.year for p in profiles for y in p.series}),
        plan_years=sorted({year for p in profiles for year, _ in p.financial_plan}),
    )


def group_profile(*, session: Session, body: Body, year: int, number: str) -> GroupProfile | None:
    """The profile of one product group (number "54.20") for cycle `year`; None if unknown."""
    return money_overview(session=session, body=body, year=year).group(number)


def profiles_of_department(overview: MoneyOverview, department_key: str) -> list[GroupProfile]:
    """The groups of the Teilhaushalte a department (by key, e.g. "umwelt") answers for:
    what a department may see of the money."""
    return [p for p in overview.groups if department_key in p.department_keys]


def _load_lines(session: Session, body_id: int) -> _Lines:
    """The body's budget lines, summed per group, product, year and kind (one query)."""
    result: _Lines = {}
    table = BudgetLine.__table__.c  # type: ignore[attr-defined]  # six columns: core select
    for group_id, product, line_year, kind, side, amount in session.connection().execute(
        sa.select(
            table.product_group_id,
            table.product_number,
            table.year,
            table.kind,
            table.side,
            table.amount,
        ).where(table.body_id == body_id)
    ):
        result.setdefault((group_id, product, line_year, BudgetKind(kind)), []).append(
            (BudgetSide(side), Decimal(amount))
        )
    return result


def _series(
    years: dict[int, dict[BudgetKind, list[tuple[BudgetSide, Decimal]]]],
) -> tuple[list[YearMoney], list[tuple[int, Decimal | None]]]:
    """The years with Ansatz, fortgeschriebener Ansatz or Ergebnis (oldest first), and the
    Finanzplanung years that have neither."""
    series = []
    financial_plan: list[tuple[int, Decimal | None]] = []
    for line_year in sorted(years):
        kinds = {kind: sum_sides(pairs) for kind, pairs in years[line_year].items()}
        plan = planned(kinds)
        result = kinds.get(BudgetKind.ergebnis)
        if plan is None and result is None:
            if BudgetKind.plan in kinds:
                financial_plan.append((line_year, kinds[BudgetKind.plan].net))
            continue
        series.append(
            YearMoney(
                year=line_year,
                planned=plan[0].net if plan else None,
                plan_basis=plan[1] if plan else None,
                result=result.net if result else None,
                planned_amounts=plan[0] if plan else None,
                result_amounts=result,
            )
        )
    return series, financial_plan


def _key_positions(
    *,
    session: Session,
    version_id: int,
    lines: _Lines,
    groups: dict[int, ProductGroup],
    figures: list[tuple[KeyFigure, FigureStatus]],
    report_year: int,
) -> list[KeyPositionMoney]:
    rows = session.exec(
        select(KeyPosition, Product)
        .join(Product, col(KeyPosition.product_id) == Product.id)
        .where(KeyPosition.version_id == version_id)
        .order_by(col(KeyPosition.position))
    ).all()
    result = []
    for _key_position, product in rows:
        group = groups.get(product.product_group_id) if product.product_group_id else None
        own = {
            (line_year, kind): pairs
            for (group_id, number, line_year, kind), pairs in lines.items()
            if number == product.number
        }
        level = "Produkt"
        if not own and group is not None:
            own = {}
            for (group_id, _number, line_year, kind), pairs in lines.items():
                if group_id == group.id:
                    own.setdefault((line_year, kind), []).extend(pairs)
            level = "Produktgruppe" if own else ""
        kinds = {
            kind: sum_sides(pairs)
            for (line_year, kind), pairs in own.items()
            if line_year == report_year
        }
        plan = planned(kinds)
        ergebnis = kinds.get(BudgetKind.ergebnis)
        report = (
            YearMoney(
                report_year,
                plan[0].net if plan else None,
                plan[1] if plan else None,
                ergebnis.net if ergebnis else None,
            )
            if own
            else None
        )
        result.append(
            KeyPositionMoney(
                product=product.number,
                name=product.name,
                group_number=group.number if group else None,
                group_name=group.name if group else None,
                level=level if own else "",
                report=report,
                figures=[s for f, s in figures if f.product_number == product.number],
            )
        )
    return result


def _number_key(number: str) -> tuple[int, str]:
    """Teilhaushalt "10" after "9"."""
    return (int(number), number) if number.isdigit() else (10**9, number)
