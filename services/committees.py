"""The council's committees (Fachausschüsse) with the departments whose partial budget
reports they hear and their session dates of a year: where each report is presented."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.body import Body
from models.calendar_rules import CalendarSpec
from models.council_dates import session_calendar
from models.organisation import Committee, Department
from services.council_meetings import session_days


@dataclass(frozen=True)
class CommitteeDates:
    key: str
    name: str
    departments: list[tuple[str, str]]  # (key, name) of the departments it hears
    sessions: list[dt.date]


def committee_dates(*, session: Session, body: Body, year: int) -> list[CommitteeDates]:
    """Every committee of the body with its departments and its sessions in `year`."""
    # the synced council information system's dates where present (services.council_sync)
    spec = session_calendar(CalendarSpec.model_validate(body.calendar), session_days(session, body))
    names = dict(
        session.exec(
            select(Department.key, Department.name).where(Department.body_id == body.id)
        ).all()
    )
    committees = session.exec(
        select(Committee).where(Committee.body_id == body.id).order_by(col(Committee.name))
    ).all()
    return [
        CommitteeDates(
            key=committee.key,
            name=committee.name,
            departments=[(key, names[key]) for key in committee.departments if key in names],
            sessions=sorted(spec.committee_sessions.get(committee.key, {}).get(year, [])),
        )
        for committee in committees
    ]


def committees_of(
    *, session: Session, body: Body, year: int, department_key: str
) -> list[CommitteeDates]:
    """The committees that hear the department's report, with their sessions in `year`."""
    return [
        dates
        for dates in committee_dates(session=session, body=body, year=year)
        if any(key == department_key for key, _ in dates.departments)
    ]
