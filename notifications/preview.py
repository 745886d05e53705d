"""What the sweep would send on a day, to whom, without sending or writing anything."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from models.body import Body
from models.calendar_rules.working_days import body_working_days
from models.cycle import Cycle, Deadline, Task
from models.db import id_of
from models.organisation import Contact, Department, Faction
from models.reminder_policy import ReminderPolicy, kind_label, trigger_dates
from notifications.sweep import due_selection


@dataclass(frozen=True)
class PreviewRow:
    name: str
    address: str
    covering_for: str | None
    kind_label: str
    title: str
    due: dt.date
    assignee: str


@dataclass
class Preview:
    closed_day: bool = False
    rows: list[PreviewRow] = field(default_factory=list)

    @property
    def messages(self) -> set[str]:
        """One message per recipient: several reminders make one digest."""
        return {row.address for row in self.rows}


def preview_day(*, session: Session, body: Body, year: int, day: dt.date) -> Preview:
    policy = ReminderPolicy.model_validate(body.reminder_policy or {})
    working_days = body_working_days(body.holiday_country, body.holiday_subdivision, body.calendar)
    dates = trigger_dates(policy, working_days, day)
    if not dates:
        return Preview(closed_day=True)
    cycle = session.exec(select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)).first()
    if cycle is None:
        from models.errors import NotFoundError

        raise NotFoundError(f"Für {year} gibt es noch keinen Steuerungskreislauf.")
    selected = session.execute(
        due_selection([id_of(body)], dates, day, cycle_id=cycle.id, exclude_sent=True)
    ).all()
    rows = []
    for row in selected:
        task = session.get(Task, row.task_id)
        deadline = session.get(Deadline, task.deadline_id) if task else None
        if task is None or deadline is None:
            continue
        kind, _, recipient_id = row.recipient.partition(":")
        if kind == "faction":
            faction = session.get(Faction, int(recipient_id))
            name, address = (faction.leader, faction.email) if faction else ("?", "")
        else:
            contact = session.get(Contact, int(recipient_id))
            name, address = (contact.name, contact.email) if contact else ("?", "")
        absent = session.get(Contact, row.covering_id) if row.covering_id is not None else None
        department = session.get(Department, task.department_id) if task.department_id else None
        faction_row = session.get(Faction, task.faction_id) if task.faction_id else None
        rows.append(
            PreviewRow(
                name=name,
                address=address,
                covering_for=absent.name if absent else None,
                kind_label=kind_label(row.kind),
                title=deadline.title,
                due=deadline.due_on,
                assignee=department.name
                if department
                else (faction_row.name if faction_row else ""),
            )
        )
    rows.sort(key=lambda r: (r.name, r.due, r.kind_label))
    return Preview(rows=rows)
