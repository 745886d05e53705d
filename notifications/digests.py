"""Digests: the reminders the sweep wrote, one message per recipient and day.

Grouping puts each digest into the outbox and links its reminders to it; the text is
rendered only when the dispatcher sends it, so a digest shows the tasks as they are then.
Apart from the dispatcher, which sends any message and needs nothing of reminders but this.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.body import Body
from models.cycle import Cycle, Deadline, Phase, Task
from models.db import table_of
from models.german import german_date, weekday_name
from models.organisation import Contact, Department, Faction
from models.outbox import OutboxMessage, OutboxStatus
from models.reminder_policy import ReminderPolicy, kind_label
from models.reminders import Reminder
from notifications.ics import CalendarEntry, deadlines_to_ics
from notifications.render import render

# a reminder with its task, deadline, phase title, year, department, faction and body
DigestItem = tuple[Reminder, Task, Deadline, str, int, Department | None, Faction | None, Body]


def group_digests(engine: sa.Engine, now: dt.datetime) -> int:
    """Put the reminders that are in no message yet into one digest per recipient and day
    (an outbox row each, rendered when it is sent); returns how many digests were added.
    One grouping at a time (on PostgreSQL an advisory lock; SQLite has one writer anyway),
    so two dispatchers never put the same reminder into two messages."""
    reminder = table_of(Reminder)
    outbox = table_of(OutboxMessage)
    run = uuid.uuid4().hex[:12]

    def key(recipient: sa.ColumnElement[str], day: sa.ColumnElement[dt.date]) -> sa.ColumnElement:
        return sa.literal("digest:") + recipient + ":" + sa.cast(day, sa.String) + ":" + run

    recipient_id = sa.cast(sa.func.substr(reminder.c.recipient, 9), sa.Integer)
    address = sa.case(
        (
            reminder.c.recipient.startswith("faction:"),
            sa.select(col(Faction.email)).where(col(Faction.id) == recipient_id).scalar_subquery(),
        ),
        else_=sa.select(col(Contact.email))
        .where(col(Contact.id) == recipient_id)
        .scalar_subquery(),
    )
    groups = (
        sa.select(
            sa.func.min(Task.body_id),
            key(reminder.c.recipient, reminder.c.sent_on),
            sa.literal("digest"),
            reminder.c.recipient,
            sa.func.coalesce(address, ""),
            sa.literal(""),
            sa.literal(""),
            sa.literal([], outbox.c.tags.type),
            sa.literal([], outbox.c.delivered_to.type),
            sa.literal(now, outbox.c.created_at.type),
            sa.literal(OutboxStatus.pending.value),
            sa.literal(0),
        )
        .join(Task, col(Task.id) == reminder.c.task_id)
        .where(reminder.c.message_id.is_(None))
        .group_by(reminder.c.recipient, reminder.c.sent_on)
    )
    columns = ["body_id", "key", "kind", "recipient", "address", "subject", "text", "tags"]
    columns += ["delivered_to", "created_at", "status", "attempts"]
    message = (
        sa.select(outbox.c.id)
        .where(outbox.c.key == key(reminder.c.recipient, reminder.c.sent_on))
        .scalar_subquery()
    )
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('group_digests'))"))
        added = connection.execute(sa.insert(outbox).from_select(columns, groups)).rowcount
        connection.execute(
            sa.update(reminder).where(reminder.c.message_id.is_(None)).values(message_id=message)
        )
    return added


def digest_items(session: Session, message_ids: list[int]) -> dict[int, list[DigestItem]]:
    """Per digest: its reminders with task, deadline, phase title, year, department, faction
    and body, in the order they are listed; one query for all of them. The recipients are
    read along, so that rendering finds them in the session."""
    if not message_ids:
        return {}
    # eight columns: more than sqlmodel's select() is typed for, so SQLAlchemy's and execute()
    rows = session.execute(
        sa.select(
            Reminder,
            Task,
            Deadline,
            col(Phase.title),
            col(Cycle.year),
            Department,
            Faction,
            Body,
        )
        .join(Task, col(Reminder.task_id) == Task.id)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Phase, col(Deadline.phase_id) == Phase.id)
        .join(Cycle, col(Phase.cycle_id) == Cycle.id)
        .join(Body, col(Body.id) == Task.body_id)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .join(Faction, col(Task.faction_id) == Faction.id, isouter=True)
        .where(col(Reminder.message_id).in_(message_ids))
        .order_by(
            col(Reminder.message_id),
            col(Deadline.due_on),
            col(Deadline.key),
            col(Reminder.kind),
        )
    ).all()
    items: dict[int, list[DigestItem]] = {}
    contact_ids: set[int] = set()
    faction_ids: set[int] = set()
    for row in rows:
        reminder = row[0]
        items.setdefault(reminder.message_id, []).append(row)
        kind, _, recipient_id = reminder.recipient.partition(":")
        (faction_ids if kind == "faction" else contact_ids).add(int(recipient_id))
        if reminder.covering_id is not None:
            contact_ids.add(reminder.covering_id)
    # held in the session's info: its identity map keeps only what is referenced elsewhere
    session.info["recipients"] = [
        *session.exec(select(Contact).where(col(Contact.id).in_(contact_ids))).all(),
        *session.exec(select(Faction).where(col(Faction.id).in_(faction_ids))).all(),
    ]
    return items


def prepare_digest(
    session: Session,
    row: OutboxMessage,
    items: list[DigestItem],
    base_url: str | None,
    now: dt.datetime,
) -> tuple[tuple[str, bytes, str], ...]:
    """Render a digest from its reminders (first time only) and build its .ics attachment."""
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


def _render_digest(
    session: Session, row: OutboxMessage, items: list[DigestItem], base_url: str | None
) -> None:
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
    offsets = ReminderPolicy.model_validate(body.reminder_policy).kinds()
    covering_id = items[0][0].covering_id
    covered = session.get(Contact, covering_id) if covering_id is not None else None
    context_items: list[dict[str, Any]] = []
    departments = set()
    for reminder, task, deadline, _, _, department, faction, _ in items:
        departments |= {department.key} if department else set()
        offset = reminder.kind.partition(":")[2]
        context_items.append(
            {
                "title": deadline.title,
                "kind": reminder.kind,
                "kind_label": kind_label(reminder.kind),
                "due": german_date(deadline.due_on),
                "weekday": weekday_name(deadline.due_on),
                "assignee": _assignee(department, faction),
                "url": _survey_link(session, deadline, faction, body, base_url)
                or (f"{base_url.rstrip('/')}/tasks/{task.id}" if base_url else None),
                "days": offset if reminder.kind.startswith("advance:") else None,
                "overdue_days": offsets.get(reminder.kind),
            }
        )
    kind = _template_for([item["kind"] for item in context_items])
    rendered = render(
        kind,
        {
            "recipient_name": name,
            "covering_for": covered.name if covered else None,
            "items": context_items,
            "any_assignee": True,
            "year": items[0][4],
            "today": german_date(items[0][0].sent_on),
        },
    )
    row.subject, row.text, row.html = rendered.subject[:300], rendered.text, rendered.html
    tags = {f"body:{body.slug}", recipient_tag}
    if len(departments) == 1:  # a department's channel gets only messages about it alone
        tags.add(f"department:{body.slug}/{departments.pop()}")
    if role:
        tags.add(f"role:{body.slug}/{role}")
    row.tags = sorted(tags)


def _survey_link(
    session: Session,
    deadline: Deadline,
    faction: Faction | None,
    body: Body,
    base_url: str | None,
) -> str | None:
    """A faction's survey task: its leader has no login, the reminder carries their personal
    link (models.survey_links) while it is issued and not revoked; else None."""
    from models.survey_links import LINK_PATH, LinkClaim, SurveyLink, sign

    if faction is None or not base_url:
        return None
    found = session.exec(
        select(SurveyLink, Cycle.year)
        .join(Phase, col(Phase.cycle_id) == SurveyLink.cycle_id)
        .join(Cycle, col(Cycle.id) == SurveyLink.cycle_id)
        .where(
            Phase.id == deadline.phase_id,
            Phase.kind == "survey",
            SurveyLink.faction_id == faction.id,
            col(SurveyLink.revoked_at).is_(None),
        )
    ).first()
    if found is None:
        return None
    link, year = found
    token = sign(LinkClaim(body.slug, year, faction.key, link.version), link.secret)
    return f"{base_url.rstrip('/')}{LINK_PATH}{token}"


def _template_for(kinds: list[str]) -> str:
    if len(kinds) > 1:
        return "digest"
    kind = kinds[0]
    return kind.split(":")[0] if ":" in kind else kind


def _assignee(department: Department | None, faction: Faction | None) -> str:
    return department.name if department else (faction.name if faction else "")
