"""Forum Zukunftsstrategie, or the two-day retreat after an election.

Convened by the survey's outcome, by the election, or by an administrator with a reason (this
flow's `reason` parameter: the form in the Prefect UI), recorded through the one decision
pipeline (services.commands). The session itself (date, participants, change set) is recorded
as a RecordSession command from the CLI or the web.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.phase import run_phase
from flows.runtime import body_session, entry_now, flow_actor
from models.calendar_rules import PhaseKind
from models.commands import Convene
from models.errors import ConflictError
from services.commands import handle
from services.cycles import get_cycle


@task(name="convene", cache_policy=NO_CACHE)
def convene(body: str, year: int, reason: str, now: dt.datetime) -> list[dict[str, str]]:
    """An administrator's convening; already convened is reported, not an error of the run
    (the refusal wrote nothing: its savepoint is rolled back)."""
    with body_session(body) as (session, row):
        try:
            with session.begin_nested():
                outcome = handle(
                    Convene(year, reason), session=session, body=row, now=now, actor=flow_actor()
                )
        except ConflictError as error:
            get_run_logger().warning("%s", error)
            return []
    return [event.as_dict() for event in outcome.events]


@task(name="session-phase", cache_policy=NO_CACHE)
def session_phase(body: str, year: int) -> PhaseKind:
    """The cycle's session phase: the retreat in an election year, else the forum."""
    with body_session(body) as (session, row):
        cycle = get_cycle(session=session, body=row, year=year)
        return PhaseKind.retreat if cycle.election_year else PhaseKind.forum


@flow(
    name="forum",
    flow_run_name="forum-{body}-{year}",
    description="Forum Zukunftsstrategie: mit Anlass (reason) beruft die Verwaltung es ein.",
)
def forum(
    body: str, year: int, reason: str | None = None, now: dt.datetime | None = None
) -> list[dict[str, str]]:
    now = entry_now(now)
    events = convene(body, year, reason, now) if reason else []
    return events + run_phase(body, year, session_phase(body, year), now)


@flow(
    name="retreat",
    flow_run_name="retreat-{body}-{year}",
    description="Zweitägige Klausurtagung des Kreistags im ersten Kreislauf nach der Wahl.",
)
def retreat(body: str, year: int, now: dt.datetime | None = None) -> list[dict[str, str]]:
    return run_phase(body, year, PhaseKind.retreat, entry_now(now))
