"""Creating a year's cycle: phases, deadlines and tasks from the calendar, once per year."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.audit import AuditEvent
from models.cycle import Cycle, Deadline, Phase, Task, TaskStatus
from models.db import session_scope
from models.errors import ConflictError
from models.organisation import Department, Faction
from services.cycle_views import cycle_view
from services.cycles import create_cycle
from tests.conftest import NOW, row_counts


def create(engine: sa.Engine, body, year: int) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        create_cycle(session=session, body=body, year=year, now=NOW, actor="cli:erika")


@pytest.mark.both_databases
def test_regular_year_has_forum_and_every_deadline_with_its_tasks(engine, loerrach) -> None:
    create(engine, loerrach, 2027)
    with session_scope(engine) as session:
        cycle = session.exec(select(Cycle).where(Cycle.year == 2027)).one()
        phases = {p.kind: (p.opens_on, p.closes_on) for p in session.exec(select(Phase)).all()}
        deadlines = {d.key: d for d in session.exec(select(Deadline)).all()}
        tasks = session.exec(select(Task)).all()
        departments = session.exec(select(Department)).all()
        factions = session.exec(select(Faction)).all()
    assert cycle.election_year is False
    assert set(phases) == {
        "evaluation",
        "survey",
        "forum",
        "resolution",
        "planning",
        "budget_resolution",
    }
    assert phases["forum"] == (dt.date(2027, 5, 3), dt.date(2027, 6, 30))
    assert deadlines["kennzahlen_ist"].due_on == dt.date(2027, 2, 19)
    # 'departments' means every department but the controlling office
    reporting = [d for d in departments if not d.is_controlling_office]
    per_deadline = {
        key: sum(1 for t in tasks if t.deadline_id == d.id) for key, d in deadlines.items()
    }
    assert per_deadline["kennzahlen_ist"] == len(reporting) == len(departments) - 1
    assert per_deadline["befragung"] == len(factions) == 6
    assert per_deadline["haushaltsbeschluss"] == 1
    assert {t.status for t in tasks} == {TaskStatus.planned}


def test_election_year_plans_a_retreat_instead_of_the_forum(engine, loerrach) -> None:
    create(engine, loerrach, 2029)
    with session_scope(engine) as session:
        cycle = session.exec(select(Cycle)).one()
        phases = {p.kind: (p.opens_on, p.closes_on) for p in session.exec(select(Phase)).all()}
    assert cycle.election_year is True
    assert "forum" not in phases
    assert phases["retreat"] == (dt.date(2029, 9, 3), dt.date(2029, 10, 31))
    # 1 Nov 2029 (All Saints) is a holiday in BW: the resolution phase opens on Friday
    assert phases["resolution"] == (dt.date(2029, 11, 2), dt.date(2029, 11, 21))


@pytest.mark.both_databases
def test_second_create_for_the_same_year_is_refused_and_changes_nothing(engine, loerrach) -> None:
    create(engine, loerrach, 2027)
    before = row_counts(engine)
    with pytest.raises(ConflictError, match="existiert bereits"):
        create(engine, loerrach, 2027)
    assert row_counts(engine) == before


@pytest.mark.both_databases
def test_creating_a_cycle_is_audited_with_actor_and_counts(engine, loerrach) -> None:
    create(engine, loerrach, 2027)
    with session_scope(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "cycle.created")).one()
    assert event.actor == "cli:erika"
    assert event.at == NOW
    assert event.after is not None
    assert event.after["year"] == 2027 and event.after["phases"] == 6
    assert event.after["tasks"] > 0


@pytest.mark.both_databases
def test_installing_a_body_is_audited(engine, loerrach) -> None:
    with session_scope(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "body.installed")).one()
    assert event.body_id == loerrach.id
    assert event.after is not None and event.after["slug"] == "loerrach"


def test_status_view_derives_timing_and_overdue_days_from_the_given_day(engine, loerrach) -> None:
    create(engine, loerrach, 2027)
    with session_scope(engine) as session:
        view = cycle_view(session=session, body=loerrach, year=2027, today=dt.date(2027, 3, 1))
    timing = {phase.kind: phase.timing.value for phase in view.phases}
    assert timing["evaluation"] == "current"
    assert timing["survey"] == "upcoming"
    overdue = {t.days_overdue for t in view.tasks if t.deadline_key == "kennzahlen_ist"}
    assert overdue == {10}  # due Fri 19.02.2027, seen on Mon 01.03.2027
    assert all(t.days_overdue == 0 for t in view.tasks if t.deadline_key == "teilhaushaltsbericht")
