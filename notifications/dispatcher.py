"""The dispatcher: send what the outbox holds, record the outcome, retry with backoff.

A worker claims a batch of due rows by setting a lease (`claimed_until`) in one UPDATE (on
PostgreSQL with `FOR UPDATE SKIP LOCKED`), so two dispatchers never send the same row. Each
row is then rendered if it is a digest, delivered channel by channel (a retry skips the
channels that have it), and its outcome written: sent; or the error and the next attempt
after the policy's backoff; or, after the last attempt, failed, and the controlling office
is told. A crash between sending and recording can only repeat a send after the lease ends.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from models.body import Body
from models.calendar_rules import WEEKDAY_NAMES_DE
from models.cycle import Cycle, Deadline, Phase, Task
from models.db import session_scope
from models.organisation import Contact, ContactRole, Department, Faction
from models.reminder_policy import ReminderPolicy, kind_label
from notifications.channels import Channels, DeliveryError, Outgoing
from notifications.ics import CalendarEntry, deadlines_to_ics
from notifications.outbox import Message, OutboxMessage, OutboxStatus, enqueue
from notifications.reminders import Reminder
from notifications.render import render

LEASE = dt.timedelta(minutes=10)


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def claim(engine: sa.Engine, now: dt.datetime, limit: int) -> list[int]:
    """Lease up to `limit` due rows to this worker; returns their ids."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    due = (
        sa.select(table.c.id)
        .where(
            table.c.status == OutboxStatus.pending.value,
            sa.or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
            sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
        )
        .order_by(table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        sa.update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(claimed_until=now + LEASE)
        .returning(table.c.id)
    )
    with engine.begin() as connection:
        return sorted(connection.execute(statement).scalars().all())


def dispatch(
    *,
    engine: sa.Engine,
    channels: Channels,
    now: dt.datetime,
    base_url: str | None = None,
    batch: int = 200,
    workers: int = 8,
) -> DispatchReport:
    """Send every due message, `workers` at a time (sending waits on the network, and apprise
    opens a connection per message); returns what happened."""
    report = DispatchReport()
    lock = threading.Lock()

    def send(message_id: int) -> None:
        _send_one(engine, channels, message_id, now, base_url, report, lock)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch") as pool:
        while ids := claim(engine, now, batch):
            list(pool.map(send, ids))
    return report


def _send_one(
    engine: sa.Engine,
    channels: Channels,
    message_id: int,
    now: dt.datetime,
    base_url: str | None,
    report: DispatchReport,
    lock: threading.Lock,
) -> None:
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.status != OutboxStatus.pending:
            return
        attachments: tuple[tuple[str, bytes, str], ...] = ()
        if row.kind == "digest":
            attachments = _prepare_digest(session, row, base_url, now)
        outgoing = Outgoing(
            subject=row.subject,
            text=row.text,
            html=row.html,
            address=row.address or None,
            tags=tuple(row.tags),
            attachments=attachments,
        )
        lease = row.claimed_until
    try:
        delivered = channels.deliver(outgoing, skip=frozenset(row.delivered_to))
        error = None
    except DeliveryError as failure:
        delivered, error = failure.delivered, str(failure)
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.claimed_until != lease:  # our lease ended: leave it to the other
            return
        row.delivered_to = [*row.delivered_to, *delivered]
        row.claimed_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = OutboxStatus.sent, now, None
            with lock:
                report.sent += 1
            return
        row.attempts += 1
        row.last_error = error[:2000]
        policy = _policy(session, row.body_id)
        if row.attempts >= policy.max_attempts:
            row.status = OutboxStatus.failed
            with lock:
                report.failed += 1
                report.errors.append(f"{row.subject}: {error}")
            if row.kind != "delivery_failed":
                _tell_the_controlling_office(session, row, now)
        else:
            row.next_attempt_at = now + policy.retry_delay(row.attempts)
            with lock:
                report.retrying += 1


def _policy(session: Session, body_id: int) -> ReminderPolicy:
    body = session.get(Body, body_id)
    return ReminderPolicy.model_validate(body.reminder_policy if body else {})


def _tell_the_controlling_office(session: Session, row: OutboxMessage, now: dt.datetime) -> None:
    office = session.exec(
        select(Contact, Body.slug)
        .join(Department, Contact.department_id == Department.id)
        .join(Body, Body.id == Department.body_id)
        .where(Department.body_id == row.body_id, Department.is_controlling_office.is_(True))
        .order_by(Contact.role != ContactRole.controlling.value, Contact.id)  # type: ignore[arg-type]
    ).first()
    if office is None:
        return
    contact, slug = office
    rendered = render(
        "delivery_failed",
        {
            "subject": row.subject,
            "address": row.address,
            "attempts": row.attempts,
            "error": row.last_error,
        },
    )
    enqueue(
        [
            Message(
                key=f"delivery_failed:{row.id}",
                kind="delivery_failed",
                recipient=f"contact:{contact.id}",
                address=contact.email,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                tags=(f"body:{slug}", f"role:{slug}/controlling-office"),
            )
        ],
        session=session,
        body_id=row.body_id,
        now=now,
    )


# --------------------------------------------------------------------------- digests


def _prepare_digest(
    session: Session, row: OutboxMessage, base_url: str | None, now: dt.datetime
) -> tuple[tuple[str, bytes, str], ...]:
    """Render a digest from its reminders (first time only) and build its .ics attachment."""
    items = session.exec(
        select(Reminder, Task, Deadline, Phase.title, Cycle.year, Department, Faction, Body)
        .join(Task, Reminder.task_id == Task.id)
        .join(Deadline, Task.deadline_id == Deadline.id)
        .join(Phase, Deadline.phase_id == Phase.id)
        .join(Cycle, Phase.cycle_id == Cycle.id)
        .join(Body, Body.id == Reminder.body_id)
        .join(Department, Task.department_id == Department.id, isouter=True)
        .join(Faction, Task.faction_id == Faction.id, isouter=True)
        .where(Reminder.message_key == row.key)
        .order_by(Deadline.due_on, Deadline.key, Reminder.kind)
    ).all()
    if not items:
        return ()
    body = items[0][7]
    if not row.text:
        _render_digest(session, row, items, base_url)
    entries = {
        (year, deadline.key): CalendarEntry(
            deadline.key,
            deadline.title,
            deadline.due_on,
            phase_title,
            [_assignee(department, faction)],
        )
        for _, _, deadline, phase_title, year, department, faction, _ in items
    }
    year = items[0][4]
    data = deadlines_to_ics(
        entries.values(), body_slug=body.slug, body_name=body.name, year=year, now=now
    )
    return (("fristen.ics", data, "text/calendar"),)


def _render_digest(session: Session, row: OutboxMessage, items, base_url: str | None) -> None:  # type: ignore[no-untyped-def]
    body: Body = items[0][7]
    recipient_kind, _, recipient_id = row.recipient.partition(":")
    if recipient_kind == "faction":
        faction = session.get(Faction, int(recipient_id))
        name, role = (faction.leader if faction else ""), "faction"
        recipient_tag = f"faction:{body.slug}/{faction.key if faction else recipient_id}"
    else:
        contact = session.get(Contact, int(recipient_id))
        name, role = (contact.name if contact else ""), (contact.role if contact else "")
        recipient_tag = f"contact:{body.slug}/{contact.key if contact else recipient_id}"
    offsets = _policy(session, body.id).kinds()
    context_items = []
    departments = set()
    for reminder, task, deadline, _, _, department, faction, _ in items:
        departments |= {department.key} if department else set()
        offset = reminder.kind.partition(":")[2]
        context_items.append(
            {
                "title": deadline.title,
                "kind": reminder.kind,
                "kind_label": kind_label(reminder.kind),
                "due": deadline.due_on.strftime("%d.%m.%Y"),
                "weekday": WEEKDAY_NAMES_DE[deadline.due_on.weekday()],
                "assignee": _assignee(department, faction),
                "url": f"{base_url.rstrip('/')}/tasks/{task.id}" if base_url else None,
                "days": offset if reminder.kind.startswith("advance:") else None,
                "overdue_days": offsets.get(reminder.kind),
            }
        )
    kind = _template_for([item["kind"] for item in context_items])
    rendered = render(
        kind,
        {
            "recipient_name": name,
            "covering_for": items[0][0].covering_for,
            "items": context_items,
            "any_assignee": True,
            "year": items[0][4],
            "today": items[0][0].sent_on.strftime("%d.%m.%Y"),
        },
    )
    row.subject, row.text, row.html = rendered.subject[:300], rendered.text, rendered.html
    tags = {f"body:{body.slug}", recipient_tag}
    if len(departments) == 1:  # a department's channel gets only messages about it alone
        tags.add(f"department:{body.slug}/{departments.pop()}")
    if role:
        tags.add(f"role:{body.slug}/{role}")
    row.tags = sorted(tags)


def _template_for(kinds: list[str]) -> str:
    if len(kinds) > 1:
        return "digest"
    kind = kinds[0]
    return kind.split(":")[0] if ":" in kind else kind


def _assignee(department: Department | None, faction: Faction | None) -> str:
    return department.name if department else (faction.name if faction else "")
