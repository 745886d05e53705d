"""Planning and budget: departments plan goals, measures, key figures and budgets per product
group; the budget resolution closes the cycle and creates next year's evaluation tasks."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.phase import run_phase
from flows.runtime import entry_now
from models.calendar_rules import PhaseKind


@flow(
    name="planning",
    flow_run_name="planning-{body}-{year}",
    description="Operative Planung: Leistungsziele, Maßnahmen, Kennzahlen, Budgets.",
)
def planning(body: str, year: int, now: dt.datetime | None = None) -> list[dict[str, str]]:
    return run_phase(body, year, PhaseKind.planning, entry_now(now))


@flow(
    name="budget-resolution",
    flow_run_name="budget-resolution-{body}-{year}",
    description="Haushaltsbeschluss: schließt den Kreislauf und legt das Folgejahr an.",
)
def budget_resolution(body: str, year: int, now: dt.datetime | None = None) -> list[dict[str, str]]:
    return run_phase(body, year, PhaseKind.budget_resolution, entry_now(now))
