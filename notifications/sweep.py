"""The daily reminder sweep: decide in SQL which reminders go out today, and enqueue them.

Set-based, so it scales to a data centre: per group of bodies that share a holiday calendar,
time zone and policy, the policy gives today's trigger dates (models.reminder_policy); one
INSERT ... SELECT writes the reminders whose due dates are among them into the reminder
table, which is the sweep's outbox (the unique key (task, kind) drops what was decided
before). That is the sweep's only write: the dispatcher groups each recipient's new
reminders into one digest of the day when it sends (notifications.dispatcher). Nothing loops
over deadlines in Python; the messages are rendered when they are sent."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.body import Body
from models.calendar_rules.working_days import WorkingDays, closure_days_of
from models.cycle import Deadline, Task, TaskStatus
from models.db import table_of, upsert_insert
from models.organisation import Absence, Contact, ContactRole, Department
from models.reminder_policy import ReminderPolicy, trigger_dates
from models.reminders import Reminder

OPEN = (TaskStatus.open.value, TaskStatus.returned.value)


@dataclass(frozen=True)
class SweepReport:
    reminders: int  # new reminders
    messages: int  # their recipients: each gets one digest


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
        col(Body.id),
        col(Body.holiday_country),
        col(Body.holiday_subdivision),
        col(Body.timezone),
        col(Body.reminder_policy),
        col(Body.calendar),
    )
    if body_ids is not None:
        query = query.where(col(Body.id).in_(body_ids))
    settings: dict[tuple[str, str | None, str, str, frozenset[dt.date]], list[int]] = defaultdict(
        list
    )
    for body_id, country, subdivision, timezone, policy, calendar in session.execute(query):
        policy_json = json.dumps(policy or {}, sort_keys=True)
        closed = closure_days_of(calendar)  # the body's own closure days: no reminder on them
        settings[(country, subdivision, timezone, policy_json, closed)].append(body_id)
    by_dates: dict[tuple[dt.date, tuple[Any, ...]], tuple[dict[str, list[dt.date]], list[int]]] = {}
    for (country, subdivision, timezone, policy_json, closed), ids in settings.items():
        today = _local_date(now, timezone)
        policy = ReminderPolicy.model_validate_json(policy_json)
        dates = trigger_dates(policy, WorkingDays(country, subdivision, closed), today)
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


def _department_contacts() -> sa.CTE:
    """Per department: who gets its reminders (its first controlling contact, else its first
    head) and its first head; one pass over the contacts, joined by hash, not looked up per
    reminder."""
    role, contact_id = col(Contact.role), col(Contact.id)
    head = sa.func.min(sa.case((role == ContactRole.head.value, contact_id)))
    controlling = sa.func.min(sa.case((role == ContactRole.controlling.value, contact_id)))
    return (
        sa.select(
            col(Contact.department_id).label("department_id"),
            sa.func.coalesce(controlling, head).label("responsible_id"),
            head.label("head_id"),
        )
        .group_by(col(Contact.department_id))
        .cte("department_contacts")
    )


def _offices(contacts: sa.CTE) -> sa.Subquery:
    """Per body: who gets the escalations to its controlling office."""
    first = (
        sa.select(col(Department.body_id), sa.func.min(Department.id).label("department_id"))
        .where(col(Department.is_controlling_office).is_(True))
        .group_by(col(Department.body_id))
        .subquery("first_office")
    )
    return (
        sa.select(first.c.body_id, contacts.c.responsible_id)
        .join(contacts, contacts.c.department_id == first.c.department_id)
        .subquery("offices")
    )


def _absent(today: dt.date) -> sa.Subquery:
    """The contacts absent today who have a deputy, with the deputy."""
    return (
        sa.select(col(Absence.contact_id), col(Contact.deputy_id))
        .join(Contact, col(Contact.id) == Absence.contact_id)
        .where(
            col(Absence.starts_on) <= today,
            col(Absence.ends_on) >= today,
            col(Contact.deputy_id).is_not(None),
        )
        .distinct()
        .subquery("absent")
    )


def due_selection(
    body_ids: list[int] | None,
    dates: dict[str, list[dt.date]],
    today: dt.date,
    cycle_id: int | None = None,
    exclude_sent: bool = False,
) -> sa.Select[int, str, dt.date, str, int | None]:
    """Reminders due on these trigger dates (bodies None: all), one row per (task, kind):
    task_id, kind, sent_on, recipient ("contact:<id>" after a deputy stood in for an absent
    contact, or "faction:<id>") and covering_id (the absent contact). The deadlines are found
    by their due date (indexed); contacts come from small per-department tables."""
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
    kind = triggers.c.kind
    contacts = _department_contacts()
    offices = _offices(contacts)
    faction_kinds = [k for k in dates if not k.startswith("escalation:")]
    query = (
        sa.select(
            col(Task.id).label("task_id"),
            kind.label("kind"),
            sa.case(
                (col(Task.department_id).is_(None) & kind.in_(faction_kinds), col(Task.faction_id)),
                else_=sa.null(),
            ).label("faction_id"),
            sa.case(
                (kind == "escalation:head", contacts.c.head_id),
                (kind == "escalation:controlling", offices.c.responsible_id),
                else_=contacts.c.responsible_id,
            ).label("contact_id"),
        )
        .select_from(triggers)
        .join(Deadline, col(Deadline.due_on) == triggers.c.due_on)
        .join(Task, col(Task.deadline_id) == Deadline.id)
        .outerjoin(contacts, contacts.c.department_id == Task.department_id)
        .outerjoin(offices, offices.c.body_id == Task.body_id)
        .where(col(Task.status).in_(OPEN))
    )
    if body_ids is not None:
        query = query.where(col(Task.body_id).in_(body_ids))
    if cycle_id is not None:
        query = query.where(col(Task.cycle_id) == cycle_id)
    # the WITH inside the statement: Python's sqlite3 opens its implicit transaction only for
    # statements that begin with INSERT, so a leading WITH would commit on its own
    targets = query.add_cte(contacts, nest_here=True).subquery("targets")
    absent = _absent(today)
    recipient = sa.case(
        (
            targets.c.faction_id.is_not(None),
            sa.literal("faction:") + sa.cast(targets.c.faction_id, sa.String),
        ),
        else_=sa.literal("contact:")
        + sa.cast(sa.func.coalesce(absent.c.deputy_id, targets.c.contact_id), sa.String),
    )
    selection = (
        sa.select(
            targets.c.task_id,
            targets.c.kind,
            sa.literal(today, sa.Date).label("sent_on"),
            recipient.label("recipient"),
            absent.c.contact_id.label("covering_id"),
        )
        .select_from(targets)
        .outerjoin(absent, absent.c.contact_id == targets.c.contact_id)
        .where(sa.or_(targets.c.faction_id.is_not(None), targets.c.contact_id.is_not(None)))
    )
    if exclude_sent:  # the preview; the sweep relies on the unique key instead
        selection = selection.where(
            ~sa.exists().where(
                col(Reminder.task_id) == targets.c.task_id, col(Reminder.kind) == targets.c.kind
            )
        )
    return selection


def sweep(*, session: Session, now: dt.datetime, body_ids: list[int] | None = None) -> SweepReport:
    """Decide and enqueue today's reminders for every body (or `body_ids`), in the caller's
    transaction: one INSERT per group of bodies with the same trigger dates, into the
    reminder table only. `messages` counts the recipients of the new reminders (the
    dispatcher sends each one digest). Safe to repeat and to run twice at once."""
    if session.get_bind().dialect.name == "postgresql":
        # short statements over indexes: JIT compilation costs more than it saves here
        session.execute(sa.text("SET LOCAL jit = off"))
    reminders = 0
    recipients: set[tuple[str, dt.date]] = set()
    for plan in plan_sweep(session, now, body_ids):
        selection = due_selection(plan.body_ids, plan.dates, plan.today)
        inserted = _insert_reminders(session, selection)
        reminders += len(inserted)
        recipients.update((recipient, plan.today) for recipient in inserted)
    return SweepReport(reminders, len(recipients))


def _insert_reminders(
    session: Session, selection: sa.Select[int, str, dt.date, str, int | None]
) -> list[str]:
    """Insert the reminders that are new; returns their recipients."""
    table = table_of(Reminder)
    columns = ["task_id", "kind", "sent_on", "recipient", "covering_id"]
    # SQLite reads "SELECT ... ON CONFLICT" as a join condition unless the SELECT has a WHERE
    statement = upsert_insert(session, table).from_select(columns, selection.where(sa.true()))
    statement = statement.on_conflict_do_nothing(index_elements=["task_id", "kind"])
    return list(session.execute(statement.returning(table.c.recipient)).scalars())


def _local_date(now: dt.datetime, timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(timezone))
    return dt.date(local.year, local.month, local.day)  # a plain date, not pendulum's
