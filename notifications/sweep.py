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
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from models.body import Body
from models.calendar_rules import WorkingDays
from models.cycle import Deadline, Task, TaskStatus
from models.db import upsert_insert
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


@dataclass(frozen=True)
class SweepPlan:
    """Bodies whose reminders go out on the same trigger dates today; None: every body."""

    today: dt.date
    dates: dict[str, list[dt.date]]
    body_ids: list[int] | None


def plan_sweep(
    session: Session, now: dt.datetime, body_ids: list[int] | None = None
) -> list[SweepPlan]:
    """Trigger dates per distinct (holidays, time zone, policy), computed once each; bodies
    that end up with the same dates are swept by the same statements (usually all of them)."""
    query = sa.select(
        Body.id, Body.holiday_country, Body.holiday_subdivision, Body.timezone, Body.reminder_policy
    )
    if body_ids is not None:
        query = query.where(Body.id.in_(body_ids))  # type: ignore[union-attr]
    settings: dict[tuple[str, str | None, str, str], list[int]] = defaultdict(list)
    for body_id, country, subdivision, timezone, policy in session.execute(query):
        settings[(country, subdivision, timezone, json.dumps(policy or {}, sort_keys=True))].append(
            body_id
        )
    by_dates: dict[tuple[dt.date, tuple], tuple[dict[str, list[dt.date]], list[int]]] = {}
    for (country, subdivision, timezone, policy_json), ids in settings.items():
        today = _local_date(now, timezone)
        policy = ReminderPolicy.model_validate_json(policy_json)
        dates = trigger_dates(policy, WorkingDays(country, subdivision), today)
        if not dates:
            continue
        key = (today, tuple(sorted((kind, tuple(days)) for kind, days in dates.items())))
        by_dates.setdefault(key, (dates, []))[1].extend(ids)
    everyone = (
        body_ids is None
        and len(by_dates) == 1
        and sum(len(ids) for ids in settings.values()) == len(next(iter(by_dates.values()))[1])
    )
    return [
        SweepPlan(today, dates, None if everyone else sorted(ids))
        for (today, _), (dates, ids) in by_dates.items()
    ]


def _department_contacts(*, offices_only: bool = False) -> sa.Subquery:
    """Per department: who gets its reminders (controlling contact, else head) and its head;
    `offices_only`: just the controlling offices (one per body), for escalations."""

    def first(role: ContactRole) -> sa.ScalarSelect[int]:
        return (
            sa.select(Contact.id)
            .where(Contact.department_id == Department.id, Contact.role == role.value)
            .order_by(Contact.id)
            .limit(1)
            .scalar_subquery()
        )

    query = sa.select(
        Department.id.label("department_id"),
        Department.body_id.label("body_id"),
        Department.is_controlling_office.label("is_office"),
        sa.func.coalesce(first(ContactRole.controlling), first(ContactRole.head)).label(
            "responsible_id"
        ),
        first(ContactRole.head).label("head_id"),
    )
    if offices_only:
        query = query.where(Department.is_controlling_office.is_(True))
    return query.subquery("offices" if offices_only else "department_contacts")


def due_selection(
    body_ids: list[int] | None,
    dates: dict[str, list[dt.date]],
    today: dt.date,
    message_suffix: str,
    cycle_id: int | None = None,
    exclude_sent: bool = False,
) -> sa.Select:  # type: ignore[type-arg]
    """Reminders due on these trigger dates (bodies None: all), one row per (task, kind),
    with the recipient after deputies stand in for absent contacts. The deadlines are found
    by their due date (indexed); contacts come from one small per-department table."""
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
    own = _department_contacts()
    office = _department_contacts(offices_only=True)
    kind = triggers.c.kind
    target = sa.case(
        (kind == "escalation:head", own.c.head_id),
        (kind == "escalation:controlling", office.c.responsible_id),
        else_=own.c.responsible_id,
    )
    faction_kinds = [k for k in dates if not k.startswith("escalation:")]
    faction_id = sa.case(
        (Task.department_id.is_(None) & kind.in_(faction_kinds), Task.faction_id), else_=sa.null()
    )
    targets = (
        sa.select(
            Task.id.label("task_id"),
            Task.body_id.label("body_id"),
            kind.label("kind"),
            target.label("contact_id"),
            faction_id.label("faction_id"),
        )
        .select_from(triggers)
        .join(Deadline, Deadline.due_on == triggers.c.due_on)
        .join(Task, Task.deadline_id == Deadline.id)
        .outerjoin(own, own.c.department_id == Task.department_id)
        .outerjoin(office, office.c.body_id == Task.body_id)
        .where(Task.status.in_(OPEN))  # type: ignore[attr-defined]
    )
    if body_ids is not None:
        targets = targets.where(Task.body_id.in_(body_ids))  # type: ignore[attr-defined]
    if cycle_id is not None:
        targets = targets.where(Task.cycle_id == cycle_id)
    targets = targets.subquery("targets")
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
    selection = (
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
        .where(sa.or_(targets.c.faction_id.is_not(None), stand_in.id.is_not(None)))
    )
    if exclude_sent:  # the preview; the sweep relies on the unique key instead
        selection = selection.where(
            ~sa.exists().where(
                Reminder.task_id == targets.c.task_id, Reminder.kind == targets.c.kind
            )
        )
    return selection


def sweep(*, session: Session, now: dt.datetime, body_ids: list[int] | None = None) -> SweepReport:
    """Decide and enqueue today's reminders for every body (or `body_ids`), in the caller's
    transaction. Safe to repeat and to run twice at once."""
    run = uuid.uuid4().hex[:12]
    if session.get_bind().dialect.name == "postgresql":
        # short statements over indexes: JIT compilation costs more than it saves here
        session.execute(sa.text("SET LOCAL jit = off"))
    reminders = 0
    for plan in plan_sweep(session, now, body_ids):
        suffix = f":{plan.today.isoformat()}:{run}"
        selection = due_selection(plan.body_ids, plan.dates, plan.today, suffix)
        reminders += _insert_reminders(session, selection, now, run)
    messages = _insert_digests(session, run, now) if reminders else 0
    return SweepReport(reminders, messages, run)


def _insert_reminders(
    session: Session,
    selection: sa.Select,  # type: ignore[type-arg]
    now: dt.datetime,
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
    statement = upsert_insert(session, table).from_select(columns, source.where(sa.true()))
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
    statement = upsert_insert(session, outbox).from_select(
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


def _local_date(now: dt.datetime, timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(timezone))
    return dt.date(local.year, local.month, local.day)  # a plain date, not pendulum's
