"""The goal system (durchgängiges Zielsystem): strategy versions and what they contain.

A strategy version is immutable once adopted: a later council resolution creates a new
version (with `previous_id`), it never overwrites one. Products belong to the budget's
structure and outlive versions; key positions are chosen per version.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.german import german_date
from models.types import UTCDateTime


class StrategyVersion(SQLModel, table=True):
    __tablename__ = "strategy_version"
    __table_args__ = (sa.UniqueConstraint("body_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    number: int
    label: str = Field(max_length=200)
    motto: str | None = Field(default=None, max_length=200)
    vision: str = Field(sa_type=sa.Text)
    guiding_thoughts_intro: str | None = Field(default=None, max_length=100)
    adopted_on: dt.date
    resolution: str = Field(max_length=200)
    horizon_year: int | None = None
    key_positions_year: int | None = None
    previous_id: int | None = Field(default=None, foreign_key="strategy_version.id")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    # An earlier version known only from the record (strategy.toml, [[history]]): its number,
    # date, resolution and summary, but no content (no principles, fields, priorities).
    history_only: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Only the year of adoption is known; `adopted_on` is then 1 January of that year.
    adopted_year_only: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    summary: str | None = Field(default=None, max_length=1000)


def adopted_text(version: StrategyVersion) -> str:
    """When the version was adopted, as exactly as it is known: '21.07.2021' or '2009'."""
    if version.adopted_year_only:
        return str(version.adopted_on.year)
    return german_date(version.adopted_on)


class Principle(SQLModel, table=True):
    """Übergreifender Leitsatz."""

    __tablename__ = "principle"
    __table_args__ = (sa.UniqueConstraint("version_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    version_id: int = Field(foreign_key="strategy_version.id")
    position: int
    text: str = Field(sa_type=sa.Text)


class FieldOfAction(SQLModel, table=True):
    """Strategisches Handlungsfeld."""

    __tablename__ = "field_of_action"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    version_id: int = Field(foreign_key="strategy_version.id")
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    position: int


class GuidingThought(SQLModel, table=True):
    """Leitgedanke of a field of action."""

    __tablename__ = "guiding_thought"
    __table_args__ = (sa.UniqueConstraint("field_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    field_id: int = Field(foreign_key="field_of_action.id")
    position: int
    text: str = Field(sa_type=sa.Text)


class Priority(SQLModel, table=True):
    """Strategischer Schwerpunkt; `code` is stable across versions, e.g. 'mobilitaet.2'."""

    __tablename__ = "priority"
    __table_args__ = (sa.UniqueConstraint("field_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    field_id: int = Field(foreign_key="field_of_action.id")
    position: int
    code: str = Field(max_length=80)
    text: str = Field(sa_type=sa.Text)


class Product(SQLModel, table=True):
    """Produkt of the budget, numbered as in the BW product plan (11.20.04)."""

    __tablename__ = "product"
    __table_args__ = (sa.UniqueConstraint("body_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    number: str = Field(max_length=20)
    name: str = Field(max_length=300)
    product_group: str = Field(max_length=20)
    # the group of the product plan (products.toml); None while the body has no plan
    product_group_id: int | None = Field(default=None, foreign_key="product_group.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")


class KeyPosition(SQLModel, table=True):
    """Schlüsselposition: a product of special weight, with the reason and budget-plan page."""

    __tablename__ = "key_position"
    __table_args__ = (sa.UniqueConstraint("version_id", "product_id"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    version_id: int = Field(foreign_key="strategy_version.id")
    product_id: int = Field(foreign_key="product.id")
    position: int
    reason: str = Field(sa_type=sa.Text)
    page: int | None = None


class Direction(StrEnum):
    higher_is_better = "higher_is_better"
    lower_is_better = "lower_is_better"


class KeyFigure(SQLModel, table=True):
    """Kennzahl of a product group, serving a priority.

    `tolerance_pct` is the band (in percent of the target) in which a missed target is
    yellow rather than red; `plausible_min/max` bound what a department may report.
    """

    __tablename__ = "key_figure"
    __table_args__ = (sa.UniqueConstraint("body_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    key: str = Field(max_length=80)
    name: str = Field(max_length=300)
    unit: str = Field(max_length=40)
    direction: Direction = Field(sa_type=sa.String(20))
    product_group: str = Field(max_length=20)
    product_number: str | None = Field(default=None, max_length=20)
    priority_code: str | None = Field(default=None, max_length=80)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    tolerance_pct: float = Field(default=5.0, sa_column_kwargs={"server_default": "5"})
    plausible_min: float | None = None
    plausible_max: float | None = None
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # False once the figure left figures.toml: no longer asked for, its history is kept.
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class KeyFigureValue(SQLModel, table=True):
    """Target (Soll) and actual (Ist) of a key figure for one budget year.

    Targets and earlier actuals come from the body's configuration; an accepted submission
    sets the actual and is named in `submission_id` (the configuration never overwrites it).
    """

    __tablename__ = "key_figure_value"
    __table_args__ = (sa.UniqueConstraint("key_figure_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    key_figure_id: int = Field(foreign_key="key_figure.id", index=True)
    year: int
    target: float | None = None
    actual: float | None = None
    comment: str | None = Field(default=None, sa_type=sa.Text)
    submission_id: int | None = Field(default=None, foreign_key="submission.id")


class OperationalGoal(SQLModel, table=True):
    """Leistungsziel (operatives Teilziel) of a product group for one cycle year."""

    __tablename__ = "operational_goal"
    __table_args__ = (sa.UniqueConstraint("body_id", "key", name="uq_operational_goal_key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    key: str | None = Field(default=None, max_length=80)
    year: int
    product_group: str = Field(max_length=20)
    priority_code: str | None = Field(default=None, max_length=80)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    text: str = Field(sa_type=sa.Text)


class MeasureStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    postponed = "postponed"
    dropped = "dropped"

    @property
    def label(self) -> str:
        return MEASURE_STATUS_LABELS[self]

    @classmethod
    def from_label(cls, text: str) -> MeasureStatus | None:
        """The status a person wrote (German label or English value), or None."""
        wanted = text.strip().casefold()
        for status in cls:
            if wanted in (status.value, status.label.casefold()):
                return status
        return None


MEASURE_STATUS_LABELS = {
    MeasureStatus.planned: "geplant",
    MeasureStatus.in_progress: "in Umsetzung",
    MeasureStatus.done: "umgesetzt",
    MeasureStatus.postponed: "verschoben",
    MeasureStatus.dropped: "entfallen",
}


class Measure(SQLModel, table=True):
    """Maßnahme serving an operational goal."""

    __tablename__ = "measure"
    __table_args__ = (sa.UniqueConstraint("body_id", "key", name="uq_measure_key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    operational_goal_id: int = Field(foreign_key="operational_goal.id", index=True)
    key: str | None = Field(default=None, max_length=80)
    text: str = Field(sa_type=sa.Text)
    status: MeasureStatus = Field(default=MeasureStatus.planned, sa_type=sa.String(20))
    # False once the measure left figures.toml: no longer asked for, its history is kept.
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
