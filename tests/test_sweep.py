"""The sweep over several bodies at once: each body's reminders stay within that body."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.cycle import Task
from models.db import session_scope
from models.organisation import Contact, Department
from models.reminders import Reminder
from notifications.sweep import plan_sweep, sweep
from services.cycles import create_cycle
from services.reconcile import reconcile
from tests.conftest import MUSTERSTADT, NOW, install

# the sweep's INSERT ... ON CONFLICT ... RETURNING over several bodies
pytestmark = pytest.mark.both_databases


def test_every_reminder_goes_to_a_contact_of_its_own_body(engine: sa.Engine, loerrach) -> None:
    town = install(engine, MUSTERSTADT)  # NW: other holidays, other calendar
    for body in (loerrach, town):
        with session_scope(engine) as session:
            create_cycle(session=session, body=body, year=2027, now=NOW, actor="test")
        with session_scope(engine) as session:
            reconcile(
                session=session,
                body=body,
                year=2027,
                actor="test",
                now=pendulum.datetime(2027, 2, 1, 6, tz="Europe/Berlin"),
            )
    day = dt.date(2027, 1, 4)
    while day <= dt.date(2027, 3, 31):  # both bodies' notices, overdue notices, escalations
        with session_scope(engine) as session:
            sweep(
                session=session,
                now=pendulum.datetime(day.year, day.month, day.day, 7, tz="Europe/Berlin"),
            )
        day += dt.timedelta(days=1)
    with session_scope(engine) as session:
        rows = session.exec(
            select(Reminder, Contact, Department, Task.body_id)
            .join(Task, Task.id == Reminder.task_id)
            .join(Contact, sa.cast(Contact.id, sa.String) == sa.func.substr(Reminder.recipient, 9))
            .join(Department, Contact.department_id == Department.id)
            .where(Reminder.recipient.like("contact:%"))  # type: ignore[attr-defined]
        ).all()
    assert {body_id for *_, body_id in rows} == {loerrach.id, town.id}
    assert all(contact.body_id == body_id for _, contact, _, body_id in rows)
    escalations = [(b, d) for r, _, d, b in rows if r.kind == "escalation:controlling"]
    assert escalations and all(department.is_controlling_office for _, department in escalations)
    assert {body_id for body_id, _ in escalations} == {loerrach.id, town.id}


def test_bodies_with_the_same_trigger_dates_are_swept_together(engine, loerrach) -> None:
    install(engine, MUSTERSTADT)
    now = pendulum.datetime(2027, 3, 16, 7, tz="Europe/Berlin")  # a working day in BW and NW
    with session_scope(engine) as session:
        plans = plan_sweep(session, now)
    assert len(plans) == 1 and plans[0].body_ids is None  # one statement for everyone
    epiphany = pendulum.datetime(2027, 1, 6, 7, tz="Europe/Berlin")  # holiday in BW, not NW
    with session_scope(engine) as session:
        plans = plan_sweep(session, epiphany)
    assert len(plans) == 1 and plans[0].body_ids is not None and len(plans[0].body_ids) == 1
