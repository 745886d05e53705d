"""Plan against result per product group of one budget year (`kreislauf budget show`).

The rules are those of the report's group profiles (`models.money`): the net requirement
(Zuschussbedarf: expenses minus income of the Ergebnishaushalt), planned as the fortgeschriebener
Ansatz where the group has one for the year, else the Ansatz, and the deviation result minus
plan. Here only the sums per group, kind and side are read (one aggregate query), not the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from models.body import Body
from models.budget import BudgetKind, BudgetLine, BudgetSide
from models.db import id_of
from models.money import Amounts, deviation, planned
from models.product_plan import PartialBudget, ProductGroup
from services.budget_import import cents_sum


@dataclass(frozen=True)
class GroupBudget:
    number: str
    name: str
    partial_budget_number: str  # Teilhaushalt "3"
    partial_budget_name: str  # "Gebäudemanagement"
    plan_kind: BudgetKind | None  # ansatz or fortgeschrieben; None: no plan for the year
    plan: Decimal | None  # net requirement planned
    result: Decimal | None  # net requirement of the year-end result

    @property
    def deviation(self) -> Decimal | None:
        """Result minus plan: positive means more money needed than planned."""
        found = deviation(planned=self.plan, result=self.result)
        return found.amount if found else None

    @property
    def deviation_percent(self) -> Decimal | None:
        """The deviation in % of the plan's magnitude; None where the plan is zero."""
        found = deviation(planned=self.plan, result=self.result)
        return found.pct if found else None


def budget_overview(*, session: Session, body: Body, year: int) -> list[GroupBudget]:
    """The product groups with money in `year`, by number: plan, result, deviation."""
    body_id = id_of(body)
    kinds = (BudgetKind.ansatz, BudgetKind.fortgeschrieben, BudgetKind.ergebnis)
    sums: dict[int, dict[BudgetKind, dict[BudgetSide, Decimal]]] = {}
    for group_id, kind, side, cents in session.execute(
        sa.select(
            col(BudgetLine.product_group_id),
            col(BudgetLine.kind),
            col(BudgetLine.side),
            cents_sum(),
        )
        .where(
            col(BudgetLine.body_id) == body_id,
            col(BudgetLine.year) == year,
            col(BudgetLine.kind).in_([kind.value for kind in kinds]),
            col(BudgetLine.side).in_([BudgetSide.income.value, BudgetSide.expenses.value]),
        )
        .group_by(col(BudgetLine.product_group_id), col(BudgetLine.kind), col(BudgetLine.side))
    ):
        by_side = sums.setdefault(group_id, {}).setdefault(BudgetKind(kind), {})
        by_side[BudgetSide(side)] = Decimal(int(cents)).scaleb(-2)
    result = []
    for group, budget in session.execute(
        sa.select(ProductGroup, PartialBudget)
        .join(PartialBudget, col(ProductGroup.partial_budget_id) == col(PartialBudget.id))
        .where(col(ProductGroup.id).in_(sums))
        .order_by(col(ProductGroup.number))
    ):
        amounts = {
            kind: Amounts(
                income=by_side.get(BudgetSide.income, Decimal("0.00")),
                expenses=by_side.get(BudgetSide.expenses, Decimal("0.00")),
            )
            for kind, by_side in sums[id_of(group)].items()
        }
        plan = planned(amounts)
        outcome = amounts.get(BudgetKind.ergebnis)
        result.append(
            GroupBudget(
                number=group.number,
                name=group.name,
                partial_budget_number=budget.number,
                partial_budget_name=budget.name,
                plan_kind=BudgetKind(plan[1].value) if plan else None,
                plan=plan[0].net if plan else None,
                result=outcome.net if outcome else None,
            )
        )
    return result
