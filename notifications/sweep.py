"""The daily reminder sweep: decide in SQL which reminders go out today, and enqueue them.

Set-based, so it scales to a data centre: per group of bodies that share a holiday calendar,
time zone and policy, the policy gives today's trigger dates (models.reminder_policy); one
INSERT ... SELECT writes the reminders whose due dates are among them (the unique key
(task, kind) drops what was decided before), and one INSERT ... SELECT writes one digest
message per recipient into the outbox. Nothing loops over deadlines in Python; the messages
are rendered when they are sent. Both statements run in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from models.body import Body
from models.calendar_rules import WorkingDays
from models.cycle import Deadline, Task, TaskStatus
from models.organisation import Absence, Contact, ContactRole, Department, Faction
from models.reminder_policy import ReminderPolicy, trigger_dates
from notifications.outbox import OutboxMessage, OutboxStatus
from notifications.reminders import Reminder

OPEN = (TaskStatus.open.value, TaskStatus.returned.value)


@dataclass(frozen=True)
class SweepReport:
    reminders: int
    messages: int
    sweep: str


def body_groups(
    session: Session, body_ids: list[int] | None = None
) -> dict[tuple[str, str | None, str, str], list[int]]:
    """Bodies that share holidays, time zone and policy are swept by the same statements."""
    query = sa.select(
        Body.id, Body.holiday_country, Body.holiday_subdivision, Body.timezone, Body.reminder_policy
    )
    if body_ids is not None:
        query = query.where(Body.id.in_(body_ids))  # type: ignore[union-attr]
    groups: dict[tuple[str, str | None, str, str], list[int]] = defaultdict(list)
    for body_id, country, subdivision, timezone, policy in session.execute(query):
        normal = ReminderPolicy.model_validate(policy or {}).model_dump_json()
        groups[(country, subdivision, timezone, normal)].append(body_id)
    return groups


def _responsible(department_id: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """The department's contact for its tasks: its controlling contact, else its head."""

    def first(role: ContactRole) -> sa.ScalarSelect[int]:
        return (
            sa.select(Contact.id)
            .where(Contact.department_id == department_id, Contact.role == role.value)
            .order_by(Contact.id)
            .limit(1)
            .scalar_subquery()
        )

    return sa.func.coalesce(first(ContactRole.controlling), first(ContactRole.head))


def _head(department_id: sa.ColumnElement[int]) -> sa.ScalarSelect[int]:
    return (
        sa.select(Contact.id)
        .where(Contact.department_id == department_id, Contact.role == ContactRole.head.value)
        .order_by(Contact.id)
        .limit(1)
        .scalar_subquery()
    )


def due_selection(
    body_ids: list[int],
    dates: dict[str, list[dt.date]],
    today: dt.date,
    message_suffix: str,
    cycle_id: int | None = None,
) -> sa.Select:  # type: ignore[type-arg]
    """Reminders due for these bodies, not sent before: one row per (task, kind), with the
    recipient after deputies stand in for absent contacts."""
    # a small inline table (kind, due_on); UNION ALL because SQLite has no VALUES aliases
    triggers = sa.union_all(
        *[
            sa.select(
                sa.literal(kind, sa.String).label("kind"), sa.literal(day, sa.Date).label("due_on")
            )
            for kind, days in dates.items()
            for day in days
        ]
    ).subquery("triggers")
    office = (
        sa.select(Department.id)
        .where(Department.body_id == Task.body_id, Department.is_controlling_office.is_(True))
        .limit(1)
        .scalar_subquery()
    )
    kind = triggers.c.kind
    target = sa.case(
        (kind == "escalation:head", _head(Task.department_id)),
        (kind == "escalation:controlling", _responsible(office)),
        (Task.department_id.is_not(None), _responsible(Task.department_id)),
        else_=sa.null(),
    )
    targets = (
        sa.select(
            Task.id.label("task_id"),
            Task.body_id.label("body_id"),
            kind.label("kind"),
            target.label("contact_id"),
            sa.case(
                (Task.department_id.is_(None) & kind.in_(_faction_kinds(dates)), Task.faction_id),
                else_=sa.null(),
            ).label("faction_id"),
        )
        .join(Deadline, Deadline.id == Task.deadline_id)
        .join(triggers, triggers.c.due_on == Deadline.due_on)
        .where(Task.body_id.in_(body_ids), Task.status.in_(OPEN))  # type: ignore[attr-defined]
        .where(Task.cycle_id == cycle_id if cycle_id is not None else sa.true())
        .subquery("targets")
    )
    named = sa.orm.aliased(Contact, name="named")
    stand_in = sa.orm.aliased(Contact, name="stand_in")
    absent = sa.exists().where(
        Absence.contact_id == named.id, Absence.starts_on <= today, Absence.ends_on >= today
    )
    substituted = absent & named.deputy_id.is_not(None)
    recipient_id = sa.case((substituted, named.deputy_id), else_=named.id)
    recipient = sa.case(
        (
            targets.c.faction_id.is_not(None),
            sa.literal("faction:") + sa.cast(targets.c.faction_id, sa.String),
        ),
        else_=sa.literal("contact:") + sa.cast(recipient_id, sa.String),
    )
    already = sa.exists().where(
        Reminder.task_id == targets.c.task_id, Reminder.kind == targets.c.kind
    )
    return (
        sa.select(
            targets.c.body_id,
            targets.c.task_id,
            targets.c.kind,
            sa.literal(today, sa.Date).label("sent_on"),
            recipient.label("recipient"),
            sa.func.coalesce(Faction.email, stand_in.email).label("address"),
            sa.case((substituted, named.name), else_=sa.null()).label("covering_for"),
            (sa.literal("digest:") + recipient + sa.literal(message_suffix)).label("message_key"),
        )
        .select_from(targets)
        .outerjoin(named, named.id == targets.c.contact_id)
        .outerjoin(stand_in, stand_in.id == recipient_id)
        .outerjoin(Faction, Faction.id == targets.c.faction_id)
        .where(sa.or_(targets.c.faction_id.is_not(None), stand_in.id.is_not(None)), ~already)
    )


def _faction_kinds(dates: dict[str, list[dt.date]]) -> list[str]:
    """Faction leaders are reminded of their own tasks; escalations go to the office."""
    return [kind for kind in dates if not kind.startswith("escalation:")]


def sweep(*, session: Session, now: dt.datetime, body_ids: list[int] | None = None) -> SweepReport:
    """Decide and enqueue today's reminders for every body (or `body_ids`), in the caller's
    transaction. Safe to repeat and to run twice at once."""
    run = uuid.uuid4().hex[:12]
    reminders = messages = 0
    for (country, subdivision, timezone, policy_json), ids in body_groups(
        session, body_ids
    ).items():
        policy = ReminderPolicy.model_validate_json(policy_json)
        today = _local_date(now, timezone)
        dates = trigger_dates(policy, WorkingDays(country, subdivision), today)
        if not dates:
            continue
        suffix = f":{today.isoformat()}:{run}"
        reminders += _insert_reminders(session, due_selection(ids, dates, today, suffix), now, run)
        messages += _insert_digests(session, run, now)
    return SweepReport(reminders, messages, run)


def _insert_reminders(
    session: Session,
    selection: sa.Select,
    now: dt.datetime,  # type: ignore[type-arg]
    run: str,
) -> int:
    columns = [
        "body_id",
        "task_id",
        "kind",
        "sent_on",
        "recipient",
        "address",
        "covering_for",
        "message_key",
        "created_at",
        "sweep",
    ]
    table = Reminder.__table__  # type: ignore[attr-defined]
    decided = selection.subquery("decided")
    source = sa.select(
        *decided.c,
        sa.literal(now, table.c.created_at.type).label("created_at"),
        sa.literal(run).label("sweep"),
    )
    statement = _insert(session, Reminder).from_select(columns, source.where(sa.true()))
    statement = statement.on_conflict_do_nothing(index_elements=["task_id", "kind"])
    return len(session.execute(statement.returning(table.c.id)).all())


def _insert_digests(session: Session, run: str, now: dt.datetime) -> int:
    """One outbox message per recipient of this sweep; rendered when it is sent."""
    table = Reminder.__table__  # type: ignore[attr-defined]
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    created = sa.literal(now, outbox.c.created_at.type)
    source = (
        sa.select(
            sa.func.min(table.c.body_id),
            table.c.message_key,
            sa.literal("digest"),
            sa.func.min(table.c.recipient),
            sa.func.min(table.c.address),
            sa.literal(""),
            sa.literal(""),
            sa.literal([], outbox.c.tags.type),
            created,
            sa.literal(OutboxStatus.pending.value),
            sa.literal(0),
        )
        .where(table.c.sweep == run)
        .group_by(table.c.message_key)
    )
    statement = _insert(session, OutboxMessage).from_select(
        [
            "body_id",
            "key",
            "kind",
            "recipient",
            "address",
            "subject",
            "text",
            "tags",
            "created_at",
            "status",
            "attempts",
        ],
        source,
    )
    statement = statement.on_conflict_do_nothing(index_elements=["key"])
    return len(session.execute(statement.returning(outbox.c.id)).all())


def _insert(session: Session, model):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model.__table__)


def _local_date(now: dt.datetime, timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(timezone))
    return dt.date(local.year, local.month, local.day)  # a plain date, not pendulum's
