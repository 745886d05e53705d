"""The simulated year through real Prefect flows (`kreislauf simulate --prefect`).

The same year as services.simulated_year, except that the 06:00 reconcile runs the
`annual_cycle` flow with its shard subflows (only on days where the rules, asked first
without Prefect, have a step due). Needs a Prefect API: the caller's (PREFECT_API_URL, a test
harness) or the temporary server that the CLI starts and always stops (flows.server).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from config.loader import BodyConfig
from flows.annual_cycle import annual_cycle
from flows.runtime import fast_flow_runs, use_database
from models.db import session_scope
from services import daily
from services.simulated_year import Reconciler, play_year
from services.simulation import SimulationScript


def simulate(
    config: BodyConfig, year: int, script: SimulationScript, *, workdir: Path
) -> list[dict[str, str]]:
    """Events of the simulated year in date order, each {date, phase, event, detail}; the
    played-out database is `workdir/simulation.db`."""
    url = f"sqlite:///{workdir / 'simulation.db'}"

    def through_flows(engine: sa.Engine) -> Reconciler:
        def run_day(slug: str, year: int, now: dt.datetime) -> list[dict[str, str]]:
            with session_scope(engine) as session:
                due = daily.pending(session, body=slug, year=year, now=now)
            return annual_cycle(body=slug, year=year, now=now) if due else []

        return run_day

    with use_database(url), fast_flow_runs():
        return play_year(config, year, script, database_url=url, reconciler=through_flows)
