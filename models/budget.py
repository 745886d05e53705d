"""Money per product group: the budget lines an import fills, and the imports themselves.

A line is one amount of one year and kind (Ansatz, fortgeschriebener Ansatz, Ergebnis,
Finanzplanung) on one side (Erträge, Aufwendungen, investment payments) of a product group,
optionally of one of its products and one account of the BW Kontenrahmen. Each import run is
recorded (file, checksum, rows, who) so that a figure in a report can be traced to its file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.budget_kinds import (
    BUDGET_KIND_LABELS,
    BUDGET_SIDE_LABELS,
    BudgetKind,
    BudgetSide,
)
from models.types import UTCDateTime

__all__ = [
    "BUDGET_KIND_LABELS",
    "BUDGET_SIDE_LABELS",
    "BudgetImport",
    "BudgetKind",
    "BudgetLine",
    "BudgetSide",
]


class BudgetImport(SQLModel, table=True):
    """One import run of budget figures, for the audit."""

    __tablename__ = "budget_import"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    year: int
    kind: BudgetKind = Field(sa_type=sa.String(20))
    file_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    rows: int
    imported_at: dt.datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=120)


class BudgetLine(SQLModel, table=True):
    """One amount of a product group (or of one of its products) for a year and kind.

    `product_number` "" is an amount booked on the group itself, `account` "" one not split by
    account; both are "" rather than NULL so that the unique key holds on every database.
    """

    __tablename__ = "budget_line"
    __table_args__ = (
        sa.UniqueConstraint(
            "body_id", "year", "kind", "product_group_id", "product_number", "account", "side"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    year: int
    kind: BudgetKind = Field(sa_type=sa.String(20))
    product_group_id: int = Field(foreign_key="product_group.id", index=True)
    product_number: str = Field(default="", max_length=20)
    account: str = Field(default="", max_length=20)
    side: BudgetSide = Field(sa_type=sa.String(24))
    amount: Decimal = Field(sa_type=sa.Numeric(16, 2))
    import_id: int | None = Field(default=None, foreign_key="budget_import.id")
