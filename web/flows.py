"""Starting the flow that carries a recorded decision on, from a web request.

On a running Prefect server (`kreislauf serve`, or PREFECT_API_URL) the flow's deployment is
started there; without one the flow runs here, in a background thread, after the response.
Tests pass their own starter to `create_app` (a recording fake).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger("kreislauf.web")


class FlowStarter(Protocol):
    def start(self, flow: str, *, body: str, year: int, at: dt.datetime) -> str:
        """Start `flow` for the body's cycle of `year` at the decision's instant `at` (the
        flow's `now`: it does not read the clock again); returns a German note for people."""
        ...


@dataclass
class PrefectFlowStarter:
    database_url: str
    data_dir: Path | None
    thread: threading.Thread | None = None  # the last in-process run, for tests to join

    def start(self, flow: str, *, body: str, year: int, at: dt.datetime) -> str:
        from flows.server import prefect_environment, running_api_url

        data_dir = self.data_dir or Path.home()
        for name, value in prefect_environment(data_dir).items():
            os.environ.setdefault(name, value)
        api_url = running_api_url(data_dir)
        if api_url:
            return self._on_server(flow, api_url, body=body, year=year, at=at)
        # the thread sees this context's settings (e.g. a test's Prefect harness)
        context = contextvars.copy_context()
        self.thread = threading.Thread(
            target=context.run,
            args=(self.run_here, flow),
            kwargs={"body": body, "year": year, "at": at},
            daemon=True,
        )
        self.thread.start()
        return f"Der Flow „{flow}“ läuft jetzt auf diesem Server (kein Prefect-Server erreichbar)."

    def _on_server(self, flow: str, api_url: str, *, body: str, year: int, at: dt.datetime) -> str:
        from flows.starter import flow_parameters, start_on_server

        parameters = flow_parameters(body=body, year=year, at=at)
        address = start_on_server(flow, api_url, parameters)
        return f"Der Flow „{flow}“ ist auf dem Prefect-Server gestartet: {address}"

    def run_here(self, flow: str, *, body: str, year: int, at: dt.datetime) -> list[dict[str, str]]:
        """Run the flow in this process (what `start` does in a thread without a server)."""
        from flows.starter import flow_parameters, run_here

        try:
            parameters = flow_parameters(body=body, year=year, at=at)
            return run_here(flow, self.database_url, parameters)
        except Exception:  # a background run: its failure goes to the log, not to a page
            log.exception("Flow %s für %s %s ist fehlgeschlagen", flow, body, year)
            return []
