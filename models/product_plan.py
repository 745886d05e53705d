"""The product plan of a body: product areas, partial budgets and product groups.

Numbered as in the Baden-Württemberg product plan (area `11` > group `11.20` > product
`11.20.04`; products live in `models.strategy.Product`). Each product group belongs to one
Teilhaushalt (partial budget, § 4 GemHVO BW), for which one or more departments answer: the
link between the money (budget lines per group) and the results (figures per group).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ProductArea(SQLModel, table=True):
    """Produktbereich, e.g. 11 Innere Verwaltung."""

    __tablename__ = "product_area"
    __table_args__ = (sa.UniqueConstraint("body_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    number: str = Field(max_length=20)
    name: str = Field(max_length=200)


class PartialBudget(SQLModel, table=True):
    """Teilhaushalt: the unit of budget responsibility, e.g. "THH 3"."""

    __tablename__ = "partial_budget"
    __table_args__ = (sa.UniqueConstraint("body_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    number: str = Field(max_length=10)
    name: str = Field(max_length=200)


class PartialBudgetDepartment(SQLModel, table=True):
    """A department responsible for a partial budget (a partial budget may have several)."""

    __tablename__ = "partial_budget_department"
    __table_args__ = (sa.UniqueConstraint("partial_budget_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    partial_budget_id: int = Field(foreign_key="partial_budget.id", index=True)
    department_id: int = Field(foreign_key="department.id")


class ProductGroup(SQLModel, table=True):
    """Produktgruppe, e.g. 11.20 Digitalisierung und IT, in exactly one partial budget."""

    __tablename__ = "product_group"
    __table_args__ = (sa.UniqueConstraint("body_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    number: str = Field(max_length=20)
    name: str = Field(max_length=200)
    area_id: int = Field(foreign_key="product_area.id")
    partial_budget_id: int = Field(foreign_key="partial_budget.id", index=True)
