"""Council resolution: adopts the session's change set as a new strategy version (recorded by
`kreislauf resolution record`); without changes the phase closes as not needed."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.phase import run_phase
from flows.runtime import entry_now
from models.calendar_rules import PhaseKind


@flow(
    name="resolution",
    flow_run_name="resolution-{body}-{year}",
    description="Strategiebeschluss des Kreistags über die vereinbarten Änderungen.",
)
def resolution(body: str, year: int, now: dt.datetime | None = None) -> list[dict[str, str]]:
    return run_phase(body, year, PhaseKind.resolution, entry_now(now))
