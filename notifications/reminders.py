"""Reminder records: which reminder of which task went into which message, once.

The unique key (task, kind) is what makes reminders "never twice": a second sweep, a catch-up
after a missed day, or two sweeps at once insert nothing for a reminder that exists.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Reminder(SQLModel, table=True):
    __tablename__ = "reminder"
    __table_args__ = (sa.UniqueConstraint("task_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    task_id: int = Field(foreign_key="task.id")
    kind: str = Field(max_length=40)  # advance:10, due, overdue:2, escalation:head, ...
    sent_on: dt.date  # the sweep's day
    recipient: str = Field(max_length=120)  # contact:<id> or faction:<id>
    address: str = Field(max_length=254)
    covering_for: str | None = Field(default=None, max_length=200)  # the absent person
    message_key: str = Field(max_length=300, index=True)
    sweep: str = Field(max_length=32, index=True)  # the sweep run that decided it
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
