"""The daily tick: for every body and every cycle still in motion, run the phase flows that
have something to do at `now`. Running it twice at the same `now` changes nothing.

Which phases are due, and in which order they run, is services.daily's (the same as
`kreislauf tick`); here each runs as a subflow of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.evaluation import evaluation
from flows.forum import forum, retreat
from flows.planning import budget_resolution, planning
from flows.resolution import resolution
from flows.runtime import engine, entry_now
from flows.survey import survey
from models.calendar_rules import PhaseKind
from models.db import session_scope
from services import daily
from services.daily import Due

PHASE_FLOWS: dict[PhaseKind, Callable[..., list[dict[str, str]]]] = {
    PhaseKind.evaluation: evaluation,
    PhaseKind.survey: survey,
    PhaseKind.forum: forum,
    PhaseKind.retreat: retreat,
    PhaseKind.resolution: resolution,
    PhaseKind.planning: planning,
    PhaseKind.budget_resolution: budget_resolution,
}


@task(name="pending", cache_policy=NO_CACHE)
def pending(body: str | None, year: int | None, now: dt.datetime) -> list[Due]:
    """(body, year, phase) with steps due at `now` (services.daily.pending)."""
    with session_scope(engine()) as session:
        return daily.pending(session, body=body, year=year, now=now)


@flow(
    name="annual-cycle",
    description="Täglicher Abgleich aller Steuerungskreisläufe: öffnet Fälliges, schließt "
    "Erledigtes, führt die Phasen als Subflows aus.",
)
def annual_cycle(
    body: str | None = None, year: int | None = None, now: dt.datetime | None = None
) -> list[dict[str, str]]:
    now = entry_now(now)
    return daily.run_due(
        lambda: pending(body, year, now),
        lambda slug, cycle_year, kind: PHASE_FLOWS[kind](body=slug, year=cycle_year, now=now),
    )
