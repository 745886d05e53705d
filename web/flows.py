"""Starting the flow that carries a recorded decision on, the way the CLI does.

On a running Prefect server (`kreislauf serve`, or PREFECT_API_URL) the flow's deployment is
started there; without one the flow runs here, in a background thread, after the response.
Tests pass their own starter to `create_app` (a recording fake).
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger("kreislauf.web")

# flow name -> (deployment on the server, module and function of the flow)
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


class FlowStarter(Protocol):
    def start(self, flow: str, *, body: str, year: int) -> str:
        """Start `flow` for the body's cycle of `year`; returns a German note for people."""
        ...


@dataclass
class PrefectFlowStarter:
    database_url: str
    data_dir: Path | None
    thread: threading.Thread | None = None  # the last in-process run, for tests to join

    def start(self, flow: str, *, body: str, year: int) -> str:
        from flows.server import prefect_environment, running_api_url

        data_dir = self.data_dir or Path.home()
        for name, value in prefect_environment(data_dir).items():
            os.environ.setdefault(name, value)
        api_url = running_api_url(data_dir)
        if api_url:
            return self._on_server(flow, api_url, body=body, year=year)
        # the thread sees this context's settings (e.g. a test's Prefect harness)
        context = contextvars.copy_context()
        self.thread = threading.Thread(
            target=context.run,
            args=(self.run_here, flow),
            kwargs={"body": body, "year": year},
            daemon=True,
        )
        self.thread.start()
        return f"Der Flow „{flow}“ läuft jetzt auf diesem Server (kein Prefect-Server erreichbar)."

    def _on_server(self, flow: str, api_url: str, *, body: str, year: int) -> str:
        os.environ["PREFECT_API_URL"] = api_url
        from prefect.client.orchestration import get_client

        # the sync client: run_deployment returns a coroutine when called on an event loop,
        # as from the async upload route, and the run would never be created
        with get_client(sync_client=True) as prefect:
            deployment = prefect.read_deployment_by_name(FLOWS[flow][0])
            run = prefect.create_flow_run_from_deployment(
                deployment.id, parameters={"body": body, "year": year}
            )
        return (
            f"Der Flow „{flow}“ ist auf dem Prefect-Server gestartet: "
            f"{api_url.removesuffix('/api')}/runs/flow-run/{run.id}"
        )

    def run_here(self, flow: str, *, body: str, year: int) -> list[dict[str, str]]:
        """Run the flow in this process (what `start` does in a thread without a server)."""
        import importlib

        from flows.runtime import fast_flow_runs, use_database

        _, module, name = FLOWS[flow]
        function = getattr(importlib.import_module(module), name)
        try:
            with use_database(self.database_url), fast_flow_runs():
                return function(body=body, year=year)
        except Exception:  # a background run: its failure goes to the log, not to a page
            log.exception("Flow %s für %s %s ist fehlgeschlagen", flow, body, year)
            return []
