"""April survey: one task per faction leader, each invited; when all answered or the deadline
passed, decide whether a forum is needed (any "yes" means yes, recorded with who said it)."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.phase import run_phase
from flows.runtime import entry_now
from models.calendar_rules import PhaseKind


@flow(
    name="survey",
    flow_run_name="survey-{body}-{year}",
    description="Befragung der Fraktionsvorsitzenden zum Aktualisierungsbedarf.",
)
def survey(body: str, year: int, now: dt.datetime | None = None) -> list[dict[str, str]]:
    return run_phase(body, year, PhaseKind.survey, entry_now(now))
