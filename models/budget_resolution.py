"""The council's budget resolution (Haushaltsbeschluss) and its amendments.

The resolution is a recorded decision, not a date: only with it are the accepted plans of the
plan year adopted (targets and budgets per product group), and the next evaluation measures
against them. Until it is recorded after the year's last council session, the body is in
provisional budget management (vorläufige Haushaltsführung, § 83 GemO BW). One per cycle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class BudgetResolution(SQLModel, table=True):
    """Haushaltsbeschluss of a cycle for its plan year (the cycle's year + 1)."""

    __tablename__ = "budget_resolution"
    __table_args__ = (sa.UniqueConstraint("cycle_id"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    plan_year: int
    number: str = Field(max_length=50)
    adopted_on: dt.date
    recorded_at: dt.datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class BudgetAmendment(SQLModel, table=True):
    """The council's change to one product group's requested budget for the plan year:
    amounts added to (or, negative, taken from) the accepted plan's income and expenses."""

    __tablename__ = "budget_amendment"
    __table_args__ = (sa.UniqueConstraint("resolution_id", "product_group_id"),)

    id: int | None = Field(default=None, primary_key=True)
    resolution_id: int = Field(foreign_key="budget_resolution.id", index=True)
    product_group_id: int = Field(foreign_key="product_group.id")
    income_change: Decimal = Field(default=Decimal(0), sa_type=sa.Numeric(16, 2))
    expenses_change: Decimal = Field(default=Decimal(0), sa_type=sa.Numeric(16, 2))
    note: str = Field(max_length=2000)
