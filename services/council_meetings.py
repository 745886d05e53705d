"""The body's synced council and committee meetings (council_meeting) as session days.

Apart from services.council_sync so that creating a cycle (services.cycles) can take the
synced dates too without importing the sync, which imports the cycles.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.body import Body
from models.council import CouncilMeeting
from models.council_dates import SessionDay


def session_days(session: Session, body: Body) -> list[SessionDay]:
    """The body's synced meetings as local days (the body's time zone), cancelled included."""
    zone = ZoneInfo(body.timezone)
    rows = session.exec(
        select(CouncilMeeting.role, CouncilMeeting.start, CouncilMeeting.cancelled).where(
            CouncilMeeting.body_id == body.id
        )
    ).all()
    return [
        SessionDay(role=role, day=start.astimezone(zone).date(), cancelled=cancelled)
        for role, start, cancelled in rows
    ]
