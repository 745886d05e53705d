"""The whole year on a virtual clock: the same flows and rules, scripted people, in seconds.

The simulation works in a database of its own (a temporary SQLite file): it installs the body,
creates the cycle, and steps through the year. On each day where something can happen it runs
the `annual_cycle` flow at 06:00 (only if a phase has a step due: the rules are asked first,
without Prefect), then performs the people's scripted actions at 10:00.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pendulum
from sqlmodel import select

from config.loader import BodyConfig
from flows.annual_cycle import annual_cycle
from flows.runtime import fast_flow_runs, use_database
from models.body import Body
from models.cycle import Phase
from models.db import make_engine, session_scope, upgrade_to_head
from services.bodies import install_body
from services.cycles import create_cycle, get_cycle
from services.reconcile import pending_phases
from services.simulation import Action, SimulationScript, perform, plan_actions

ACTOR = "simulation:skript"


def simulate(
    config: BodyConfig, year: int, script: SimulationScript, *, workdir: Path
) -> list[dict[str, str]]:
    """Events of the simulated year in date order, each {date, phase, event, detail}."""
    prefect_ready = _start_prefect_early()
    url = f"sqlite:///{workdir / 'simulation.db'}"
    engine = make_engine(url, create=True)
    upgrade_to_head(engine)
    setup = pendulum.datetime(year - 1, 12, 1, 9, tz=config.body.timezone)
    with session_scope(engine) as session:
        body = install_body(config, session=session, now=setup, actor=ACTOR)
        cycle = create_cycle(session=session, body=body, year=year, now=setup, actor=ACTOR)
        actions = plan_actions(script, session=session, body=body, cycle=cycle)
        phases = session.exec(select(Phase).where(Phase.cycle_id == cycle.id)).all()
    by_day: dict[dt.date, list[Action]] = defaultdict(list)
    for action in actions:
        by_day[action.day].append(action)
    events: list[dict[str, str]] = []
    prefect_ready()
    with use_database(url), fast_flow_runs():
        for day in _days_to_visit(phases, by_day, year):
            tick = pendulum.datetime(day.year, day.month, day.day, 6, tz=config.body.timezone)
            with session_scope(engine) as session:
                row = session.exec(select(Body).where(Body.slug == config.body.slug)).one()
                due = pending_phases(session=session, body=row, year=year, now=tick)
            if due:
                events += annual_cycle(body=config.body.slug, year=year, now=tick)
            for action in by_day.get(day, []):
                events += _act(engine, config.body.slug, year, action)
    engine.dispose()
    return sorted(events, key=lambda event: event["date"])


def _start_prefect_early() -> Callable[[], None]:
    """Without a configured server, the first flow run starts a temporary one (about 5 s):
    start it now, while the body is set up, and wait for it before the first flow run."""
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return lambda: None
    from prefect.server.api.server import SubprocessASGIServer

    starting = threading.Thread(target=SubprocessASGIServer().start, daemon=True)
    starting.start()
    return starting.join


def _act(engine, slug: str, year: int, action: Action) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        body = session.exec(select(Body).where(Body.slug == slug)).one()
        cycle = get_cycle(session=session, body=body, year=year)
        assert cycle is not None
        now = pendulum.datetime(
            action.day.year, action.day.month, action.day.day, 10, tz=body.timezone
        )
        return [
            event.as_dict()
            for event in perform(
                action, session=session, body=body, cycle=cycle, now=now, actor=ACTOR
            )
        ]


def _days_to_visit(
    phases: list[Phase], by_day: dict[dt.date, list[Action]], year: int
) -> list[dt.date]:
    """Days where a rule can fire: windows opening, the day after one ends, the budget
    session, and each scripted day and the day after it."""
    one = dt.timedelta(days=1)
    days = {phase.opens_on for phase in phases} | {phase.closes_on + one for phase in phases}
    days |= {phase.closes_on for phase in phases}
    days |= set(by_day) | {day + one for day in by_day}
    return sorted(day for day in days if day.year == year)
