"""Adoption of the accepted plans with the budget resolution (Haushaltsbeschluss).

`adopt_plans` writes each Teilhaushalt's accepted plan of the cycle as the adopted plan:
the key figures' targets (`key_figure_value.target`) for the plan year and the financial-plan
years, the plan year's operational goals and measures, and the plan year's Ansatz per product
group, with the resolution's amendments (BudgetAmendment) applied.

Budget lines: one line per product group and side (Erträge, Aufwendungen) of kind `ansatz`
for the plan year, on the group itself (`product_number` "") and not split by account
(`account` ""), without an import (`import_id` NULL). Adoption replaces the plan year's Ansatz
lines of each planned group; a later import of the finance system's Ansatz replaces the whole
slice as any import does. Goals get the keys `plan-<year>-<group>-<n>`, their measures
`plan-<year>-<group>-<n>-<m>` (upserted by key). Idempotent: a second run writes the same rows.
Owner, period and cost of a measure stay in the plan (`plan_measure`): the Measure table has no
columns for them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.budget import BudgetKind, BudgetLine, BudgetSide
from models.budget_resolution import BudgetAmendment, BudgetResolution
from models.calendar_rules import PhaseKind
from models.cycle import Cycle
from models.db import id_of, table_of
from models.planning import Plan, PlanBudget, PlanGoal, PlanMeasure, PlanStatus, PlanTarget
from models.product_plan import ProductGroup
from models.strategy import KeyFigureValue, Measure, MeasureStatus, OperationalGoal
from models.transitions import Event


def accepted_plans(*, session: Session, cycle: Cycle) -> list[Plan]:
    """The accepted attempt of each Teilhaushalt of the cycle (at most one is accepted)."""
    return list(
        session.exec(
            select(Plan)
            .where(Plan.cycle_id == cycle.id, Plan.status == PlanStatus.accepted.value)
            .order_by(col(Plan.partial_budget_id))
        ).all()
    )


def adopt_plans(
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    resolution: BudgetResolution,
    now: dt.datetime,
    actor: str,
) -> list[Event]:
    plans = accepted_plans(session=session, cycle=cycle)
    amendments = {
        a.product_group_id: a
        for a in session.exec(
            select(BudgetAmendment).where(BudgetAmendment.resolution_id == resolution.id)
        ).all()
    }
    groups = {
        g.id: g
        for g in session.exec(select(ProductGroup).where(ProductGroup.body_id == body.id)).all()
    }
    applied: set[int] = set()
    for plan in plans:
        _targets(session=session, body=body, plan=plan)
        _goals(session=session, body=body, plan=plan, groups=groups)
        applied |= _budget(session=session, body=body, plan=plan, amendments=amendments)
    # an amendment of a group without an accepted plan has no request to change: named here
    left_out = sorted(groups[g].number for g in amendments if g not in applied and g in groups)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="plan.adopted",
        entity="budget_resolution",
        entity_id=resolution.id,
        body_id=body.id,
        after={
            "plans": [p.id for p in plans],
            "plan_year": cycle.year + 1,
            "amendments_without_plan": left_out,
        },
    )
    session.flush()
    today = body.local_date(now)
    return [
        Event(
            today,
            PhaseKind.budget_resolution,
            "plans_adopted",
            f"{len(plans)} Planungen für {cycle.year + 1} mit dem Haushaltsbeschluss "
            f"{resolution.number} übernommen",
        )
    ]


def _targets(*, session: Session, body: Body, plan: Plan) -> None:
    for target in session.exec(select(PlanTarget).where(PlanTarget.plan_id == plan.id)).all():
        value = session.exec(
            select(KeyFigureValue).where(
                KeyFigureValue.key_figure_id == target.key_figure_id,
                KeyFigureValue.year == target.year,
            )
        ).first()
        if value is None:
            value = KeyFigureValue(
                body_id=id_of(body), key_figure_id=target.key_figure_id, year=target.year
            )
            session.add(value)
        value.target = target.target


def _goals(
    *, session: Session, body: Body, plan: Plan, groups: dict[int | None, ProductGroup]
) -> None:
    """Upserted by key, so that a second run (or a later submission naming a measure) finds
    the same rows; goals and measures an earlier run wrote and the plan no longer has go."""
    prefix = f"plan-{plan.plan_year}-"
    planned = session.exec(
        select(PlanGoal).where(PlanGoal.plan_id == plan.id).order_by(col(PlanGoal.position))
    ).all()
    mine = [g.number for g in groups.values() if g.partial_budget_id == plan.partial_budget_id]
    existing = {
        goal.key: goal
        for goal in session.exec(
            select(OperationalGoal).where(
                OperationalGoal.body_id == body.id,
                col(OperationalGoal.key).startswith(prefix),
                col(OperationalGoal.product_group).in_(mine),
            )
        ).all()
    }
    kept: set[str] = set()
    for goal in planned:
        number = groups[goal.product_group_id].number
        key = f"{prefix}{number}-{goal.position}"
        kept.add(key)
        row = existing.get(key)
        if row is None:
            row = OperationalGoal(
                body_id=id_of(body), key=key, year=plan.plan_year, product_group=number, text=""
            )
            session.add(row)
        row.product_group, row.priority_code, row.text = number, goal.priority_code, goal.text
        session.flush()
        _measures(session=session, body=body, goal=goal, row=row)
    gone = [id_of(row) for key, row in existing.items() if key not in kept]
    if gone:
        session.execute(
            sa.delete(table_of(Measure)).where(col(Measure.operational_goal_id).in_(gone))
        )
        session.execute(
            sa.delete(table_of(OperationalGoal)).where(col(OperationalGoal.id).in_(gone))
        )


def _measures(*, session: Session, body: Body, goal: PlanGoal, row: OperationalGoal) -> None:
    existing = {
        m.key: m
        for m in session.exec(select(Measure).where(Measure.operational_goal_id == row.id)).all()
    }
    planned = session.exec(
        select(PlanMeasure)
        .where(PlanMeasure.plan_goal_id == goal.id)
        .order_by(col(PlanMeasure.position))
    ).all()
    kept: set[str | None] = set()
    for index, measure in enumerate(planned, start=1):
        key = f"{row.key}-{index}"
        kept.add(key)
        found = existing.get(key)
        if found is None:
            found = Measure(body_id=id_of(body), operational_goal_id=id_of(row), key=key, text="")
            session.add(found)
        found.text, found.status = measure.text, MeasureStatus(measure.status)
    for old_key, old in existing.items():
        if old_key not in kept:
            session.delete(old)


def _budget(
    *, session: Session, body: Body, plan: Plan, amendments: dict[int, BudgetAmendment]
) -> set[int]:
    """The plan year's Ansatz lines of the plan's groups (with the council's amendments) and
    the financial-plan years' Plan lines (Finanzplanung); the groups it wrote for the plan
    year."""
    rows = session.exec(
        select(PlanBudget)
        .where(PlanBudget.plan_id == plan.id)
        .order_by(col(PlanBudget.year), col(PlanBudget.product_group_id))
    ).all()
    table = table_of(BudgetLine)
    for row in rows:
        kind = BudgetKind.ansatz if row.year == plan.plan_year else BudgetKind.plan
        change = amendments.get(row.product_group_id) if kind == BudgetKind.ansatz else None
        income = row.income + (change.income_change if change else Decimal(0))
        expenses = row.expenses + (change.expenses_change if change else Decimal(0))
        session.execute(
            sa.delete(table).where(
                table.c.body_id == body.id,
                table.c.year == row.year,
                table.c.kind == kind.value,
                table.c.product_group_id == row.product_group_id,
            )
        )
        for side, amount in ((BudgetSide.income, income), (BudgetSide.expenses, expenses)):
            session.add(
                BudgetLine(
                    body_id=id_of(body),
                    year=row.year,
                    kind=kind,
                    product_group_id=row.product_group_id,
                    side=side,
                    amount=amount,
                )
            )
        session.flush()
    rows = [row for row in rows if row.year == plan.plan_year]
    return {row.product_group_id for row in rows}
