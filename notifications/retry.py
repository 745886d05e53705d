"""Failed messages sent again: `kreislauf reminders retry`.

A message that failed after the policy's last attempt stays `failed` until someone requeues
it: back to pending, its attempts counted from zero, due at once. The error it failed with
is kept in the audit trail (who requeued it, when, and what it was before). A message that
is not failed is left as it is and reported. The dispatcher sends a requeued message like
any other; it keeps its key and so its Message-ID.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pendulum
from sqlmodel import Session, col, select

from models.audit import record
from models.body import Body
from models.errors import KreislaufError, NotFoundError
from models.outbox import OutboxMessage, OutboxStatus


@dataclass
class RetryReport:
    requeued: list[int] = field(default_factory=list)
    # messages asked for by id that are not failed: (id, their status), left untouched
    untouched: list[tuple[int, str]] = field(default_factory=list)


def retry_failed(
    *,
    session: Session,
    body: Body,
    now: dt.datetime,
    actor: str,
    ids: list[int] | None = None,
    failed_since: dt.date | None = None,
) -> RetryReport:
    """Requeue the body's failed messages chosen by `ids` or by `failed_since` (failed on
    that day, in the body's time zone, or later); exactly one of the two. An unknown id
    changes nothing (NotFoundError). Written in the session's transaction."""
    if bool(ids) == (failed_since is not None):
        raise KreislaufError(
            "Bitte genau eine Auswahl angeben: --id (eine oder mehrere Nachrichten) "
            "oder --failed-since (fehlgeschlagen seit einem Tag)."
        )
    report = RetryReport()
    query = select(OutboxMessage).where(OutboxMessage.body_id == body.id)
    if ids:
        wanted = sorted(set(ids))
        rows = list(
            session.exec(
                query.where(col(OutboxMessage.id).in_(wanted)).order_by(col(OutboxMessage.id))
            ).all()
        )
        missing = sorted(set(wanted) - {row.id for row in rows})
        if missing:
            raise NotFoundError(
                "Keine Nachricht mit der Nummer "
                + ", ".join(str(number) for number in missing)
                + " (siehe kreislauf reminders log)."
            )
    else:
        assert failed_since is not None
        since = pendulum.datetime(
            failed_since.year, failed_since.month, failed_since.day, tz=body.timezone
        )
        # a failed message's next_attempt_at is the time of its last attempt (dispatcher)
        rows = list(
            session.exec(
                query.where(
                    OutboxMessage.status == OutboxStatus.failed,
                    col(OutboxMessage.next_attempt_at) >= since,
                ).order_by(col(OutboxMessage.id))
            ).all()
        )
    for row in rows:
        if row.status != OutboxStatus.failed:
            report.untouched.append((int(row.id or 0), str(row.status)))
            continue
        before = {
            "status": str(row.status),
            "attempts": row.attempts,
            "last_error": row.last_error,
            "last_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        }
        row.status = OutboxStatus.pending
        row.attempts = 0
        row.next_attempt_at = now
        row.claimed_until = None
        row.last_error = None
        session.add(row)
        record(
            session=session,
            now=now,
            actor=actor,
            action="outbox.retry",
            entity="outbox_message",
            entity_id=row.id,
            body_id=body.id,
            before=before,
            after={"status": OutboxStatus.pending.value, "attempts": 0},
        )
        report.requeued.append(int(row.id or 0))
    return report
