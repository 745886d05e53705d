"""Creating a year's cycle from the body's calendar, and finding it again.

Planning and creating belong together: both expand the same calendar with the same working
days, once for a preview or a simulation, once to write phases, deadlines and tasks. Reading
the cycle back for people is `services.cycle_views`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal, overload

import sqlalchemy as sa
from sqlmodel import Session, select

from models import audit
from models.body import Body
from models.calendar_rules import (
    CalendarSpec,
    CyclePlan,
    ElectionRule,
    WorkingDays,
    expand_calendar,
)
from models.calendar_rules.working_days import body_working_days
from models.council_dates import SessionDay, session_calendar
from models.cycle import (
    Cycle,
    Deadline,
    Phase,
    Task,
)
from models.db import id_of
from models.errors import ConflictError, NotFoundError, Remedy
from models.organisation import Department, Faction
from services.bodies import current_strategy_version
from services.council_meetings import session_days


def working_days_of(body: Body) -> WorkingDays:
    return body_working_days(body.holiday_country, body.holiday_subdivision, body.calendar)


def plan_cycle(body: Body, year: int, meetings: Iterable[SessionDay] = ()) -> CyclePlan:
    """The body's calendar expanded for `year` (raises RuleError when a rule cannot be met);
    `meetings`: session dates synced from the council information system, where present."""
    spec = session_calendar(CalendarSpec.model_validate(body.calendar), meetings)
    election_year = ElectionRule.model_validate(body.elections).is_election_year(year)
    return expand_calendar(
        spec,
        year,
        working_days=working_days_of(body),
        election_year=election_year,
        council=body.council,
    )


def create_cycle(*, session: Session, body: Body, year: int, now: dt.datetime, actor: str) -> Cycle:
    """Expand the calendar into the cycle's phases, deadlines and tasks, once per body and year."""
    if get_cycle(session=session, body=body, year=year, required=False) is not None:
        raise ConflictError(f"Der Steuerungskreislauf {year} für {body.name} existiert bereits.")
    plan = plan_cycle(body, year, session_days(session, body))
    version = current_strategy_version(session=session, body=body)
    body_id = id_of(body)
    cycle = Cycle(
        body_id=body_id,
        year=year,
        election_year=plan.election_year,
        strategy_version_id=version.id,
        created_at=now,
    )
    session.add(cycle)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # a concurrent create won the race
        raise ConflictError(
            f"Der Steuerungskreislauf {year} für {body.name} existiert bereits."
        ) from None
    cycle_id = id_of(cycle)
    assignees = _assignees(session=session, body=body)
    counts = {"phases": 0, "deadlines": 0, "tasks": 0}
    for planned_phase in plan.phases:
        phase = Phase(
            body_id=body_id,
            cycle_id=cycle_id,
            kind=planned_phase.kind,
            title=planned_phase.title,
            opens_on=planned_phase.opens,
            closes_on=planned_phase.closes,
        )
        session.add(phase)
        session.flush()
        counts["phases"] += 1
        for planned in planned_phase.deadlines:
            deadline = Deadline(
                body_id=body_id,
                cycle_id=cycle_id,
                phase_id=id_of(phase),
                key=planned.key,
                title=planned.title,
                due_on=planned.due,
                responsible=planned.responsible,
                delivers=planned.delivers,
            )
            session.add(deadline)
            session.flush()
            counts["deadlines"] += 1
            for assignee, department_id, faction_id in assignees[planned.responsible]:
                session.add(
                    Task(
                        body_id=body_id,
                        cycle_id=cycle_id,
                        deadline_id=id_of(deadline),
                        assignee=assignee,
                        department_id=department_id,
                        faction_id=faction_id,
                        updated_at=now,
                    )
                )
                counts["tasks"] += 1
    session.flush()
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="cycle.created",
        entity="cycle",
        entity_id=cycle.id,
        body_id=body.id,
        after={"year": year, "election_year": plan.election_year, **counts},
    )
    return cycle


def _assignees(
    *, session: Session, body: Body
) -> dict[str, list[tuple[str, int | None, int | None]]]:
    """Who carries out a deadline: 'departments' means every department but the controlling
    office; 'factions' every faction leader; a department key that department alone."""
    departments = session.exec(
        select(Department).where(Department.body_id == body.id).order_by(Department.name)
    ).all()
    factions = session.exec(
        select(Faction).where(Faction.body_id == body.id).order_by(Faction.name)
    ).all()
    result: dict[str, list[tuple[str, int | None, int | None]]] = {
        "departments": [
            (f"department:{d.key}", d.id, None) for d in departments if not d.is_controlling_office
        ],
        "factions": [(f"faction:{f.key}", None, f.id) for f in factions],
    }
    for department in departments:
        result[department.key] = [(f"department:{department.key}", department.id, None)]
    return result


@overload
def get_cycle(
    *, session: Session, body: Body, year: int, required: Literal[True] = True
) -> Cycle: ...


@overload
def get_cycle(*, session: Session, body: Body, year: int, required: bool) -> Cycle | None: ...


def get_cycle(*, session: Session, body: Body, year: int, required: bool = True) -> Cycle | None:
    """The body's cycle for `year`; NotFoundError if there is none and it is `required`."""
    cycle = session.exec(select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)).first()
    if cycle is None and required:
        raise NotFoundError(
            f"Für {year} gibt es noch keinen Steuerungskreislauf.",
            field="year",
            hint="Bitte zuerst den Kreislauf anlegen.",
            remedy=Remedy.create_cycle,
        )
    return cycle
