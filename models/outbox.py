"""The outbox table: a message is a row before it is sent, unique by its key.

It lives with the other tables so that `models` needs nothing from `notifications`; what is
enqueued and how it is sent stay in `notifications.outbox` and `notifications.dispatcher`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.UniqueConstraint("key"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),  # the dispatcher
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    # e.g. "survey_invitation:faction:cdu:2027" (kind, recipient, subject)
    key: str = Field(max_length=300)
    kind: str = Field(max_length=40)
    recipient: str = Field(max_length=120)
    address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    text: str = Field(sa_type=sa.Text)  # digests are rendered when they are sent
    html: str | None = Field(default=None, sa_type=sa.Text)
    # routing tags for apprise: body, department, role, contact
    tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    status: OutboxStatus = Field(default=OutboxStatus.pending, sa_type=sa.String(20))
    attempts: int = Field(default=0)
    next_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the fencing token of the claim that holds (or last held) the row: a dispatcher sends and
    # records an outcome only while the row carries its own token
    claim_token: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    # channels that have it already: a retry goes only to the others
    delivered_to: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
