"""The body (Körperschaft): a district or municipality; every other row belongs to one."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Body(SQLModel, table=True):
    __tablename__ = "body"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=60)
    council: str = Field(default="Kreistag", max_length=60)
    timezone: str = Field(default="Europe/Berlin", max_length=60)
    holiday_country: str = Field(default="DE", max_length=8)
    holiday_subdivision: str | None = Field(default=None, max_length=8)
    # Election rule and calendar spec as validated JSON (see models.calendar).
    elections: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    calendar: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # the reminder policy (models.reminder_policy.ReminderPolicy) as validated JSON
    reminder_policy: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    organisation_is_example: bool = Field(default=False)
    product_plan_is_example: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()}
    )
    # the columns and words of the body's budget export (models.budget_layout.BudgetLayout)
    # as validated JSON; {} is the default layout `Produkt;Konto;Jahr;Art;Betrag`
    budget_layout: dict[str, Any] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    # the thresholds of an explained budget deviation in the partial budget report
    # (models.partial_report_rules.PartialReportRules) as validated JSON; {}: the defaults
    partial_reports: dict[str, Any] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )

    # the council information system (models.oparl.OParlSettings) as validated JSON; {}: none
    oparl: dict[str, Any] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )

    def local_date(self, now: dt.datetime) -> dt.date:
        """The body's calendar day at the instant `now` (deadlines are days in its time zone)."""
        return local_day(now, self.timezone)


def local_day(now: dt.datetime, timezone: str) -> dt.date:
    """The calendar day in `timezone` at the instant `now` (a plain date, not pendulum's)."""
    local = now.astimezone(ZoneInfo(timezone))
    return dt.date(local.year, local.month, local.day)
