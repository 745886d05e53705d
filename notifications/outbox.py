"""The outbox: every message is a row before it is sent, with a key that makes it unique.

Flows and sweeps only enqueue; a dispatcher sends. Enqueueing the same key twice (a re-run,
a second worker) adds nothing: the unique key decides, not a check before the insert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from models.db import table_of, upsert_insert
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
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    # channels that have it already: a retry goes only to the others
    delivered_to: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


@dataclass(frozen=True)
class Message:
    """A message to be sent: what, to whom (recipient key and address), why (kind)."""

    key: str
    kind: str
    recipient: str
    address: str
    subject: str
    text: str
    html: str | None = None
    tags: tuple[str, ...] = ()


def enqueue(messages: list[Message], *, session: Session, body_id: int, now: dt.datetime) -> int:
    """Insert the messages whose key is new; returns how many were new. Safe to repeat."""
    if not messages:
        return 0
    rows = [
        {
            "body_id": body_id,
            "key": m.key,
            "kind": m.kind,
            "recipient": m.recipient,
            "address": m.address,
            "subject": m.subject,
            "text": m.text,
            "html": m.html,
            "tags": list(m.tags),
            "delivered_to": [],
            "created_at": now,
            "status": OutboxStatus.pending.value,
            "attempts": 0,
        }
        for m in messages
    ]
    table = table_of(OutboxMessage)
    statement = upsert_insert(session, table).on_conflict_do_nothing(index_elements=["key"])
    result = session.execute(statement.returning(table.c.id), rows)
    return len(result.all())
