"""What the controlling office sees before it accepts or returns a Teilhaushalt's plan.

The waiting plan attempt (status "submitted") read into plain data: per product group the
requested income, expenses and net requirement of the plan year beside this year's Ansatz
and last year's result (the evaluation's money, `services.money`); the Teilhaushalt's total
beside its ceiling (Eckwert); the planned goals with their measures and the key figures'
targets beside this year's target and last year's actual, with plausibility hints. Read only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from models.as_of import waited_for_review
from models.body import Body
from models.db import id_of
from models.german import german_euro
from models.organisation import Department
from models.planning import (
    BudgetCeiling,
    Plan,
    PlanBudget,
    PlanGoal,
    PlanMeasure,
    PlanStatus,
    PlanTarget,
)
from models.product_plan import PartialBudget, ProductGroup
from models.strategy import KeyFigure, KeyFigureValue, MeasureStatus
from services.cycles import get_cycle
from services.delivery_files import FileKind, has_file
from services.journal_views import person
from services.money import money_overview
from services.plan_workbook import latest_plan
from services.planning import thhs_of
from services.review_views import change_pct, plausibility_hints


@dataclass(frozen=True)
class PlanGroupMoney:
    number: str
    name: str
    income: Decimal | None  # requested for the plan year; None: no row in the plan
    expenses: Decimal | None
    justification: str | None
    current_plan: Decimal | None  # net requirement: this year's (cycle year's) Ansatz
    last_result: Decimal | None  # net requirement: last year's (report year's) result
    later: list[tuple[int, Decimal]]  # Finanzplanung: (year, net requirement) after the plan year

    @property
    def net(self) -> Decimal | None:
        if self.income is None or self.expenses is None:
            return None
        return self.expenses - self.income

    @property
    def change_pct(self) -> Decimal | None:
        """The planned net requirement against this year's Ansatz, in percent."""
        if self.net is None or self.current_plan is None or self.current_plan == 0:
            return None
        return ((self.net - self.current_plan) / abs(self.current_plan) * 100).quantize(
            Decimal("0.1")
        )


@dataclass(frozen=True)
class PlannedMeasure:
    text: str
    owner: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    cost: Decimal | None
    status: str  # German label


@dataclass(frozen=True)
class PlannedGoal:
    group: str
    number: int
    priority_code: str
    text: str
    measures: list[PlannedMeasure]


@dataclass(frozen=True)
class PlannedTarget:
    key: str
    name: str
    unit: str
    group: str
    target: float | None  # the plan year's
    later: list[tuple[int, float]]  # the financial-plan years' targets
    current_target: float | None  # this (cycle) year's target in force
    last_actual: float | None  # last (report) year's actual
    hints: list[str]


@dataclass(frozen=True)
class PlanReview:
    department_key: str
    department_name: str
    cycle_year: int
    plan_year: int
    thh_number: str
    thh_name: str
    attempt: int
    filename: str
    sha256: str
    submitted_at: dt.datetime
    submitted_by: str  # as people read it (a user's display name)
    plan_id: int
    file_stored: bool  # the workbook as it came (none for attempts before migration 0016)
    ceiling: Decimal | None
    groups: list[PlanGroupMoney]
    goals: list[PlannedGoal]
    targets: list[PlannedTarget]

    @property
    def total_net(self) -> Decimal | None:
        nets = [g.net for g in self.groups if g.net is not None]
        return sum(nets, Decimal(0)) if nets else None

    @property
    def over_ceiling(self) -> Decimal | None:
        """How far the requested net requirement exceeds the ceiling (None: it does not)."""
        if self.ceiling is None or self.total_net is None or self.total_net <= self.ceiling:
            return None
        return self.total_net - self.ceiling

    @property
    def hints(self) -> list[str]:
        """German hints on the whole plan for the reviewer."""
        found = []
        if self.over_ceiling is not None:
            found.append(
                f"Der Zuschussbedarf {self.plan_year} ({german_euro(self.total_net)}) liegt "
                f"um {german_euro(self.over_ceiling)} über dem Eckwert "
                f"({german_euro(self.ceiling)}); die Begründung steht beim Haushalt."
            )
        if self.ceiling is None:
            found.append(f"Für {self.plan_year} ist noch kein Eckwert eingelesen.")
        planned = {g.group for g in self.goals}
        bare = [g.number for g in self.groups if g.number not in planned]
        if bare:
            found.append(f"Ohne Leistungsziel: Produktgruppe {', '.join(bare)}.")
        missing = [t.name for t in self.targets if t.target is None]
        if missing:
            found.append(f"Ohne Soll-Wert {self.plan_year}: {', '.join(missing)}.")
        return found

    @property
    def target_hint_count(self) -> int:
        return sum(1 for t in self.targets if t.hints)


def plan_waiting(
    *,
    session: Session,
    body: Body,
    year: int,
    thh: PartialBudget,
    cutoff: dt.datetime | None = None,
) -> Plan | None:
    """The Teilhaushalt's plan of cycle `year` that waits for review (with `cutoff`, a past
    view: the attempt that waited at that instant)."""
    cycle = get_cycle(session=session, body=body, year=year)
    if cutoff is None:
        latest = latest_plan(session=session, cycle_id=id_of(cycle), thh_id=id_of(thh))
        if latest is None or PlanStatus(latest.status) != PlanStatus.submitted:
            return None
        return latest
    found = session.exec(
        select(Plan)
        .where(
            Plan.cycle_id == cycle.id,
            Plan.partial_budget_id == thh.id,
            col(Plan.submitted_at) <= cutoff,
        )
        .order_by(col(Plan.attempt).desc())
    ).first()
    if found is None:
        return None
    still = PlanStatus(found.status) == PlanStatus.submitted
    if not waited_for_review(still_waiting=still, reviewed_at=found.reviewed_at, cutoff=cutoff):
        return None
    return found


def waiting_thh(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    cutoff: dt.datetime | None = None,
) -> str | None:
    """The number of the department's first Teilhaushalt whose plan waits for review."""
    for thh in thhs_of(session=session, department=department):
        if plan_waiting(session=session, body=body, year=year, thh=thh, cutoff=cutoff):
            return thh.number
    return None


def plan_review(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    thh: PartialBudget,
    cutoff: dt.datetime | None = None,
) -> PlanReview | None:
    """The waiting plan as the review screen shows it; None when nothing waits."""
    plan = plan_waiting(session=session, body=body, year=year, thh=thh, cutoff=cutoff)
    if plan is None:
        return None
    groups = list(
        session.exec(
            select(ProductGroup)
            .where(ProductGroup.partial_budget_id == thh.id)
            .order_by(col(ProductGroup.number))
        ).all()
    )
    ceiling = session.exec(
        select(col(BudgetCeiling.net)).where(
            BudgetCeiling.partial_budget_id == thh.id, BudgetCeiling.year == plan.plan_year
        )
    ).first()
    return PlanReview(
        department_key=department.key,
        department_name=department.name,
        cycle_year=year,
        plan_year=plan.plan_year,
        thh_number=thh.number,
        thh_name=thh.name,
        attempt=plan.attempt,
        filename=plan.filename,
        sha256=plan.sha256,
        submitted_at=plan.submitted_at,
        submitted_by=person(session, body, plan.submitted_by),
        plan_id=id_of(plan),
        file_stored=has_file(session, FileKind.plan, plan.id),
        ceiling=ceiling,
        groups=_money(session, body, year, plan, groups),
        goals=_goals(session, plan, groups),
        targets=_targets(session, body, year, plan, groups),
    )


def _money(
    session: Session, body: Body, year: int, plan: Plan, groups: list[ProductGroup]
) -> list[PlanGroupMoney]:
    rows = session.exec(select(PlanBudget).where(PlanBudget.plan_id == plan.id)).all()
    by_group: dict[int, dict[int, PlanBudget]] = {}
    for row in rows:
        by_group.setdefault(row.product_group_id, {})[row.year] = row
    profiles = {p.number: p for p in money_overview(session=session, body=body, year=year).groups}
    result = []
    for group in groups:
        years = by_group.get(id_of(group), {})
        mine = years.get(plan.plan_year)
        series = (
            {m.year: m for m in profiles[group.number].series} if group.number in profiles else {}
        )
        current, last = series.get(year), series.get(year - 1)
        result.append(
            PlanGroupMoney(
                number=group.number,
                name=group.name,
                income=mine.income if mine else None,
                expenses=mine.expenses if mine else None,
                justification=mine.justification if mine else None,
                current_plan=current.planned if current else None,
                last_result=last.result if last else None,
                later=[
                    (y, r.expenses - r.income)
                    for y, r in sorted(years.items())
                    if y > plan.plan_year
                ],
            )
        )
    return result


def _goals(session: Session, plan: Plan, groups: list[ProductGroup]) -> list[PlannedGoal]:
    numbers = {id_of(g): g.number for g in groups}
    goals = session.exec(
        select(PlanGoal).where(PlanGoal.plan_id == plan.id).order_by(col(PlanGoal.position))
    ).all()
    measures: dict[int, list[PlannedMeasure]] = {}
    for m in session.exec(
        select(PlanMeasure)
        .where(PlanMeasure.plan_id == plan.id)
        .order_by(col(PlanMeasure.position))
    ):
        status = MeasureStatus.from_label(m.status)
        measures.setdefault(m.plan_goal_id, []).append(
            PlannedMeasure(
                m.text,
                m.owner,
                m.starts_on,
                m.ends_on,
                m.cost,
                status.label if status else m.status,
            )
        )
    return [
        PlannedGoal(
            numbers.get(g.product_group_id, ""),
            g.position,
            g.priority_code,
            g.text,
            measures.get(id_of(g), []),
        )
        for g in goals
    ]


def _targets(
    session: Session, body: Body, year: int, plan: Plan, groups: list[ProductGroup]
) -> list[PlannedTarget]:
    from services.plan_workbook import thh_figures

    figures = thh_figures(session=session, body=body, groups=groups)
    planned: dict[int, dict[int, float]] = {}
    for row in session.exec(select(PlanTarget).where(PlanTarget.plan_id == plan.id)):
        planned.setdefault(row.key_figure_id, {})[row.year] = row.target
    values = {
        (v.key_figure_id, v.year): v
        for v in session.exec(
            select(KeyFigureValue).where(
                KeyFigureValue.body_id == body.id,
                col(KeyFigureValue.key_figure_id).in_([id_of(f) for f in figures]),
                col(KeyFigureValue.year).in_([year, year - 1]),
            )
        ).all()
    }
    result = []
    for figure in figures:
        mine = planned.get(id_of(figure), {})
        target = mine.get(plan.plan_year)
        current = values.get((id_of(figure), year))
        last = values.get((id_of(figure), year - 1))
        current_target = current.target if current else None
        result.append(
            PlannedTarget(
                key=figure.key,
                name=figure.name,
                unit=figure.unit,
                group=figure.product_group,
                target=target,
                later=[(y, t) for y, t in sorted(mine.items()) if y > plan.plan_year],
                current_target=current_target,
                last_actual=last.actual if last else None,
                hints=_target_hints(figure, target, current_target),
            )
        )
    return result


def _target_hints(figure: KeyFigure, target: float | None, current: float | None) -> list[str]:
    if target is None:
        return ["kein Soll-Wert geplant"]
    hints = plausibility_hints(
        actual=target,
        change=change_pct(target, current),
        low=figure.plausible_min,
        high=figure.plausible_max,
        unit=figure.unit,
    )
    # plausibility_hints compares with "last year": here that is this year's target
    return [h.replace("als im Vorjahr", "als das Soll dieses Jahres") for h in hints]
