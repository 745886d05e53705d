"""Plan against result per product group of one budget year (`kreislauf budget show`).

The compared figure is the net requirement (Zuschussbedarf: expenses minus income of the
Ergebnishaushalt). The plan is the updated plan (fortgeschriebener Ansatz) where the year has
one for the group, else the adopted Ansatz: the result is measured against the plan in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from models.body import Body
from models.budget import BudgetKind, BudgetLine, BudgetSide
from models.db import id_of
from models.product_plan import PartialBudget, ProductGroup
from services.budget_import import cents_sum


@dataclass(frozen=True)
class GroupBudget:
    number: str
    name: str
    partial_budget: str  # "3 Gebäudemanagement"
    plan_kind: BudgetKind | None  # ansatz or fortgeschrieben; None: no plan for the year
    plan: Decimal | None  # net requirement planned
    result: Decimal | None  # net requirement of the year-end result

    @property
    def deviation(self) -> Decimal | None:
        """Result minus plan: positive means more money needed than planned."""
        if self.plan is None or self.result is None:
            return None
        return self.result - self.plan

    @property
    def deviation_percent(self) -> Decimal | None:
        """The deviation in % of the plan's magnitude; None where the plan is zero."""
        deviation = self.deviation
        if deviation is None or self.plan is None or not self.plan:
            return None
        return (deviation * 100 / abs(self.plan)).quantize(Decimal("0.1"))


def budget_overview(*, session: Session, body: Body, year: int) -> list[GroupBudget]:
    """The product groups with money in `year`, by number: plan, result, deviation."""
    body_id = id_of(body)
    kinds = (BudgetKind.ansatz, BudgetKind.fortgeschrieben, BudgetKind.ergebnis)
    net: dict[tuple[int, str], Decimal] = {}
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
        amount = Decimal(int(cents)).scaleb(-2)
        sign = 1 if side == BudgetSide.expenses.value else -1
        key = (group_id, kind)
        net[key] = net.get(key, Decimal("0.00")) + sign * amount
    ids = {group_id for group_id, _ in net}
    result = []
    for group, budget in session.execute(
        sa.select(ProductGroup, PartialBudget)
        .join(PartialBudget, col(ProductGroup.partial_budget_id) == col(PartialBudget.id))
        .where(col(ProductGroup.id).in_(ids))
        .order_by(col(ProductGroup.number))
    ):
        plan_kind = next(
            (kind for kind in kinds[1::-1] if (group.id, kind.value) in net), None
        )  # fortgeschrieben before ansatz
        result.append(
            GroupBudget(
                number=group.number,
                name=group.name,
                partial_budget=f"{budget.number} {budget.name}",
                plan_kind=plan_kind,
                plan=net[(group.id, plan_kind.value)] if plan_kind else None,
                result=net.get((group.id, BudgetKind.ergebnis.value)),
            )
        )
    return result
