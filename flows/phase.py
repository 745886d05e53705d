"""The shape every phase flow shares: decide what is due, apply each step as a task.

A phase flow reads the cycle's state, asks the rules (models.reconcile) which steps are due at
`now` for its phase, and applies them one task per step, until nothing is left. Each step is
idempotent, so a retried task or a second run changes nothing that was done.
"""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.runtime import body_session, flow_actor
from models.calendar_rules import PhaseKind
from models.reconcile import Step, next_steps
from services.cycles import get_cycle
from services.reconcile import apply_step, load_state, settle


@task(name="decide", cache_policy=NO_CACHE)
def decide(body: str, year: int, phase: PhaseKind, now: dt.datetime) -> list[Step]:
    """The steps due for `phase` at `now` (pure rules over the loaded state)."""
    with body_session(body) as (session, row):
        cycle = get_cycle(session=session, body=row, year=year)
        return next_steps(load_state(session=session, cycle=cycle), row.local_date(now), phase)


@task(name="apply", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def apply(body: str, year: int, step: Step, now: dt.datetime, actor: str) -> list[dict[str, str]]:
    """Apply one step in its own transaction; returns the timeline events it caused."""
    with body_session(body) as (session, row):
        cycle = get_cycle(session=session, body=row, year=year)
        events = apply_step(
            step,
            session=session,
            body=row,
            cycle=cycle,
            now=now,
            actor=actor,
            today=row.local_date(now),
        )
    return [event.as_dict() for event in events]


def run_phase(body: str, year: int, phase: PhaseKind, now: dt.datetime) -> list[dict[str, str]]:
    """Decide and apply until the phase is settled at `now` (services.reconcile.settle, the
    loop `reconcile` runs too); the body of every phase flow."""
    logger = get_run_logger()
    actor = flow_actor()

    def applied(step: Step) -> list[dict[str, str]]:
        name = f"{step.kind.value}-{step.phase.value}"
        events = apply.with_options(task_run_name=name)(body, year, step, now, actor)
        for event in events:
            logger.info("%s %s: %s", event["date"], event["event"], event["detail"])
        return events

    return settle(lambda: decide(body, year, phase, now), applied, what=f"{phase.value} {year}")
