"""Spring evaluation: open each department's partial budget report and key-figure actuals;
close when all are accepted or the window ends, recording who was late."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.phase import run_phase
from flows.runtime import entry_now
from models.calendar_rules import PhaseKind


@flow(
    name="evaluation",
    flow_run_name="evaluation-{body}-{year}",
    description="Evaluierung der Zielerreichung (Teilhaushaltsberichte, Ist-Werte).",
)
def evaluation(body: str, year: int, now: dt.datetime | None = None) -> list[dict[str, str]]:
    return run_phase(body, year, PhaseKind.evaluation, entry_now(now))
