"""The daily tick: for every body and every cycle still in motion, run the phase flows that
have something to do at `now`. Running it twice at the same `now` changes nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from flows.evaluation import evaluation
from flows.forum import forum, retreat
from flows.planning import budget_resolution, planning
from flows.resolution import resolution
from flows.runtime import engine, entry_now
from flows.survey import survey
from models.body import Body
from models.calendar_rules import PhaseKind
from models.cycle import Cycle, CycleStatus
from models.db import session_scope
from services.reconcile import pending_phases

PHASE_FLOWS = {
    PhaseKind.evaluation: evaluation,
    PhaseKind.survey: survey,
    PhaseKind.forum: forum,
    PhaseKind.retreat: retreat,
    PhaseKind.resolution: resolution,
    PhaseKind.planning: planning,
    PhaseKind.budget_resolution: budget_resolution,
}


def in_motion(body_id: int):  # type: ignore[no-untyped-def]
    """Years of the body's cycles that can still have a step: not closed, or closed with
    next year's cycle still to be created. Old closed cycles are not read every day."""
    following = sa.orm.aliased(Cycle)
    successor = sa.exists().where(
        following.body_id == Cycle.body_id, following.year == Cycle.year + 1
    )
    return (
        select(Cycle.year)
        .where(
            Cycle.body_id == body_id, sa.or_(Cycle.status != CycleStatus.closed.value, ~successor)
        )
        .order_by(Cycle.year)
    )


@task(name="pending", cache_policy=NO_CACHE)
def pending(
    body: str | None, year: int | None, now: dt.datetime
) -> list[tuple[str, int, PhaseKind]]:
    """(body, year, phase) with steps due at `now`: cycles not closed, or closed and waiting
    for next year's cycle."""
    result = []
    with session_scope(engine()) as session:
        query = select(Body).order_by(Body.slug)
        if body:
            query = query.where(Body.slug == body)
        for row in session.exec(query).all():
            years = [year] if year else session.exec(in_motion(row.id)).all()
            for cycle_year in years:
                for kind in pending_phases(session=session, body=row, year=cycle_year, now=now):
                    result.append((row.slug, cycle_year, kind))
    return result


@flow(
    name="annual-cycle",
    description="Täglicher Abgleich aller Steuerungskreisläufe: öffnet Fälliges, schließt "
    "Erledigtes, führt die Phasen als Subflows aus.",
)
def annual_cycle(
    body: str | None = None, year: int | None = None, now: dt.datetime | None = None
) -> list[dict[str, str]]:
    now = entry_now(now)
    events: list[dict[str, str]] = []
    for slug, cycle_year, kind in pending(body, year, now):
        events += PHASE_FLOWS[kind](body=slug, year=cycle_year, now=now)
    return events
