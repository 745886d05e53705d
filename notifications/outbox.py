"""The outbox: every message is a row before it is sent, with a key that makes it unique.

Flows and sweeps only enqueue; a dispatcher sends. Enqueueing the same key twice (a re-run,
a second worker) adds nothing: the unique key decides, not a check before the insert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from models.db import upsert_insert
from models.outbox import OutboxMessage, OutboxStatus


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
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    statement = upsert_insert(session, table).on_conflict_do_nothing(index_elements=["key"])
    result = session.execute(statement.returning(table.c.id), rows)
    return len(result.all())
