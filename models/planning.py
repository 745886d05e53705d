"""Operational planning of the plan year (cycle year + 1): ceilings and plan attempts.

The Kämmerei's budget circular sets a ceiling (Eckwert: the net requirement, expenses −
income) per Teilhaushalt and plan year. Each Teilhaushalt delivers its plan (goals, measures,
key-figure targets, budget request) as a workbook; every valid upload is a new attempt of the
Teilhaushalt's plan in the cycle, reviewed by the controlling office. Only accepted plans are
adopted with the budget resolution (services.plan_adoption).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class BudgetCeiling(SQLModel, table=True):
    """Eckwert: the highest net requirement (Zuschussbedarf) of a Teilhaushalt in a year."""

    __tablename__ = "budget_ceiling"
    __table_args__ = (sa.UniqueConstraint("partial_budget_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    partial_budget_id: int = Field(foreign_key="partial_budget.id", index=True)
    year: int
    net: Decimal = Field(sa_type=sa.Numeric(16, 2))
    file_name: str = Field(max_length=255)
    imported_at: dt.datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class PlanStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"

    @property
    def label(self) -> str:
        return {
            "submitted": "eingereicht",
            "accepted": "angenommen",
            "returned": "zurückgegeben",
        }[self.value]


class Plan(SQLModel, table=True):
    """One submitted attempt of a Teilhaushalt's plan in a cycle (for its plan year)."""

    __tablename__ = "plan"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "partial_budget_id", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    partial_budget_id: int = Field(foreign_key="partial_budget.id", index=True)
    plan_year: int
    attempt: int
    status: PlanStatus = Field(default=PlanStatus.submitted, sa_type=sa.String(20))
    filename: str = Field(max_length=300)
    sha256: str = Field(max_length=64)
    submitted_at: dt.datetime = Field(sa_type=UTCDateTime)
    submitted_by: str = Field(max_length=200)
    reviewed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by: str | None = Field(default=None, max_length=200)
    review_comment: str | None = Field(default=None, sa_type=sa.Text)


class PlanFile(SQLModel, table=True):
    """The uploaded planning workbook of a plan attempt, as it came; a table of its own, so
    lists of plans never load the bytes."""

    __tablename__ = "plan_file"

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    content: bytes = Field(sa_type=sa.LargeBinary)


class PlanGoal(SQLModel, table=True):
    """A planned operational goal (Leistungsziel) of a product group."""

    __tablename__ = "plan_goal"
    __table_args__ = (sa.UniqueConstraint("plan_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    product_group_id: int = Field(foreign_key="product_group.id")
    position: int
    priority_code: str = Field(max_length=80)
    text: str = Field(sa_type=sa.Text)


class PlanMeasure(SQLModel, table=True):
    """A planned measure of a planned goal, with owner, period and cost."""

    __tablename__ = "plan_measure"
    __table_args__ = (sa.UniqueConstraint("plan_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    plan_goal_id: int = Field(foreign_key="plan_goal.id")
    position: int
    text: str = Field(sa_type=sa.Text)
    owner: str | None = Field(default=None, max_length=200)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    cost: Decimal | None = Field(default=None, sa_type=sa.Numeric(16, 2))
    status: str = Field(max_length=20)


class PlanTarget(SQLModel, table=True):
    """A planned target of a key figure for the plan year or a financial-plan year."""

    __tablename__ = "plan_target"
    __table_args__ = (sa.UniqueConstraint("plan_id", "key_figure_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key_figure_id: int = Field(foreign_key="key_figure.id")
    year: int
    target: float


class PlanBudget(SQLModel, table=True):
    """The budget request (Anmeldung) of a product group for one year, with its reason."""

    __tablename__ = "plan_budget"
    __table_args__ = (sa.UniqueConstraint("plan_id", "product_group_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    product_group_id: int = Field(foreign_key="product_group.id")
    year: int
    income: Decimal = Field(sa_type=sa.Numeric(16, 2))
    expenses: Decimal = Field(sa_type=sa.Numeric(16, 2))
    justification: str | None = Field(default=None, sa_type=sa.Text)
