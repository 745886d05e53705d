"""Starting the flow that carries a recorded decision on, for the CLI and the web alike.

On a running Prefect server (`kreislauf serve`, or PREFECT_API_URL) the flow's deployment is
started there; without one the caller runs the flow in its own process.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

# flow name (services.commands.Outcome.flow) -> (deployment, module and function of the flow)
FLOWS = {
    "annual-cycle": ("annual-cycle/daily", "flows.annual_cycle", "annual_cycle"),
    "evaluation": ("evaluation/manual", "flows.evaluation", "evaluation"),
    "survey": ("survey/manual", "flows.survey", "survey"),
    "forum": ("forum/convene", "flows.forum", "forum"),
    "retreat": ("retreat/manual", "flows.forum", "retreat"),
    "resolution": ("resolution/manual", "flows.resolution", "resolution"),
    "planning": ("planning/manual", "flows.planning", "planning"),
    "budget-resolution": ("budget-resolution/manual", "flows.planning", "budget_resolution"),
}


def flow_parameters(*, body: str, year: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """What every phase flow takes: the body, the cycle's year, and `now` when it is given."""
    parameters: dict[str, Any] = {"body": body, "year": year}
    if at is not None:
        parameters["now"] = at
    return parameters


def start_on_server(flow: str, api_url: str, parameters: dict[str, Any]) -> str:
    """Create a run of the flow's deployment on the server; returns the run's page address.

    The sync client: `run_deployment` returns a coroutine when called on an event loop (as
    from an async web route), and the run would never be created. The server's address holds
    for this call only: a process that outlives the server must not stay pinned to it."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as prefect:
        deployment = prefect.read_deployment_by_name(FLOWS[flow][0])
        run = prefect.create_flow_run_from_deployment(deployment.id, parameters=parameters)
    return f"{api_url.removesuffix('/api')}/runs/flow-run/{run.id}"


def run_here(flow: str, database_url: str, parameters: dict[str, Any]) -> list[dict[str, str]]:
    """Run the flow in this process on `database_url`; returns its timeline events."""
    from flows.runtime import fast_flow_runs, use_database

    _, module, name = FLOWS[flow]
    function = getattr(importlib.import_module(module), name)
    with use_database(database_url), fast_flow_runs():
        events: list[dict[str, str]] = function(**parameters)
    return events
