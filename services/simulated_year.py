"""The whole year on a virtual clock: the day's reconcile and scripted people, in seconds.

The simulation works in a database of its own (a SQLite file): it installs the body, creates
the cycle, and steps through the year. On each day where something can happen it reconciles
at 06:00 (services.daily, the same loop as `kreislauf tick` and the daily deployment), then
performs the people's scripted actions at 10:00 (services.simulation). Reminders are not
simulated. `flows.simulation` plays the same year with the reconcile run as Prefect flows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

import pendulum
import sqlalchemy as sa
from sqlmodel import select

from config.loader import BodyConfig
from models.body import Body
from models.commands import CreateCycle
from models.cycle import Cycle, Phase
from models.db import make_engine, session_scope, upgrade_to_head
from services import daily
from services.bodies import install_body
from services.commands import handle
from services.cycles import get_cycle
from services.simulation import Action, SimulationScript, perform, plan_actions

ACTOR = "simulation:skript"  # the scripted people
RECONCILER = "simulation:abgleich"  # the daily reconcile of the in-process simulation
ACTION_HOUR = 10

# (body slug, year, the day's 06:00) -> timeline events of the reconcile
Reconciler = Callable[[str, int, dt.datetime], list[dict[str, str]]]


def play_year(
    config: BodyConfig,
    year: int,
    script: SimulationScript,
    *,
    database_url: str,
    reconciler: Callable[[sa.Engine], Reconciler] | None = None,
) -> list[dict[str, str]]:
    """Events of the simulated year in date order, each {date, phase, event, detail}.
    `reconciler` builds the 06:00 step for the database; by default services.daily in this
    process."""
    engine = make_engine(database_url, create=True)
    try:
        upgrade_to_head(engine)
        setup = pendulum.datetime(year - 1, 12, 1, 9, tz=config.body.timezone)
        with session_scope(engine) as session:
            body = install_body(config, session=session, now=setup, actor=ACTOR)
            created = handle(CreateCycle(year), session=session, body=body, now=setup, actor=ACTOR)
            cycle: Cycle = created.record
            actions = plan_actions(script, session=session, body=body, cycle=cycle)
            phases = list(session.exec(select(Phase).where(Phase.cycle_id == cycle.id)).all())
        by_day: dict[dt.date, list[Action]] = defaultdict(list)
        for action in actions:
            by_day[action.day].append(action)
        run_day = (reconciler or in_process)(engine)
        events: list[dict[str, str]] = []
        for day in days_to_visit(phases, by_day, year):
            at, _ = daily.day_instants(day, config.body.timezone)
            events += run_day(config.body.slug, year, at)
            for action in by_day.get(day, []):
                events += _act(engine, config.body.slug, year, action)
    finally:
        engine.dispose()
    return sorted(events, key=lambda event: event["date"])


def in_process(engine: sa.Engine) -> Reconciler:
    def run_day(slug: str, year: int, now: dt.datetime) -> list[dict[str, str]]:
        return daily.reconcile_day(engine, now=now, actor=RECONCILER, body=slug, year=year)

    return run_day


def _act(engine: sa.Engine, slug: str, year: int, action: Action) -> list[dict[str, str]]:
    with session_scope(engine) as session:
        body = session.exec(select(Body).where(Body.slug == slug)).one()
        cycle = get_cycle(session=session, body=body, year=year)
        day = action.day
        now = pendulum.datetime(day.year, day.month, day.day, ACTION_HOUR, tz=body.timezone)
        return [
            event.as_dict()
            for event in perform(
                action, session=session, body=body, cycle=cycle, now=now, actor=ACTOR
            )
        ]


def days_to_visit(
    phases: list[Phase], by_day: dict[dt.date, list[Action]], year: int
) -> list[dt.date]:
    """Days where a rule can fire: windows opening, the day after one ends, the budget
    session, and each scripted day and the day after it."""
    one = dt.timedelta(days=1)
    days = {phase.opens_on for phase in phases} | {phase.closes_on + one for phase in phases}
    days |= {phase.closes_on for phase in phases}
    days |= set(by_day) | {day + one for day in by_day}
    return sorted(day for day in days if day.year == year)
