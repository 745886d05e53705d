"""The reminder table: the outbox of the daily sweep, one row per task and kind, written once.

The unique key (task, kind) is what makes reminders "never twice": a second sweep, a catch-up
after a missed day, or two sweeps at once insert nothing for a reminder that exists. The
sweep writes these rows and nothing else; the dispatcher groups a recipient's rows that are
in no message yet into one digest (`message_id`) and sends it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Reminder(SQLModel, table=True):
    __tablename__ = "reminder"
    # lean on purpose: the sweep inserts up to 100,000 of these at once; only the unique key
    # and the dispatcher's lookup by message are indexed
    __table_args__ = (sa.UniqueConstraint("task_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int  # no foreign key: rows come from a join with task (never deleted)
    kind: str = Field(max_length=40)  # advance:10, due, overdue:2, escalation:head, ...
    sent_on: dt.date  # the sweep's day
    recipient: str = Field(max_length=40)  # contact:<id> or faction:<id>
    covering_id: int | None = None  # the absent contact whom the recipient stands in for
    message_id: int | None = Field(default=None, index=True)  # the digest; None: not yet
