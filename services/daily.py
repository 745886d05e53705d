"""A day's work of the cycle: what the daily deployments do, callable without Prefect.

At 06:00 every cycle in motion is reconciled, phase by phase (`reconcile_day`); at 07:00 the
day's reminders are decided (`sweep_reminders`) and the outbox is worked off
(`deliver`). `kreislauf tick` and the simulation call these directly; the flows wrap the
same functions (the daily's shards a `reconcile_day` narrowed to their bodies, a task for the
sweep and one for the dispatch), so a day ticked by hand and a day run by the deployments do
the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import pendulum
import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models.body import Body, local_day
from models.calendar_rules import PhaseKind
from models.cycle import Cycle, CycleStatus
from models.db import analyze, id_of, session_scope
from models.errors import KreislaufError
from models.reconcile import Step, next_steps
from models.transitions.status import Event
from services.opening import Opening, open_in_bulk
from services.reconcile import load_states, reconcile, settle

RECONCILE_HOUR = 6  # the `annual-cycle/daily` deployment (flows/deployments.py)
# A morning that wrote this many timeline events (a phase opening for many bodies) refreshes
# the statistics of the tables the reconcile writes, so the next queries plan for them.
ANALYZE_AFTER_EVENTS = 1000
RECONCILED_TABLES = (
    "audit_event",
    "cycle",
    "deadline",
    "outbox_message",
    "phase",
    "strategy_session",
    "task",
)
REMINDER_HOUR = 7  # the `reminder-sweep/daily` deployment
LOGGER = logging.getLogger("kreislauf.daily")

Due = tuple[str, int, PhaseKind]  # (body slug, cycle year, phase)
PhaseRunner = Callable[[str, int, PhaseKind], list[dict[str, str]]]


def day_instants(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants of `day` at which the deployments reconcile and remind, local time."""
    return (
        pendulum.datetime(day.year, day.month, day.day, RECONCILE_HOUR, tz=timezone),
        pendulum.datetime(day.year, day.month, day.day, REMINDER_HOUR, tz=timezone),
    )


def in_motion(body_id: int) -> SelectOfScalar[int]:
    """Years of the body's cycles that can still have a step: not closed, or closed with
    next year's cycle still to be created. Old closed cycles are not read every day."""
    return (
        select(Cycle.year).where(col(Cycle.body_id) == body_id, moving()).order_by(col(Cycle.year))
    )


@functools.cache
def moving() -> sa.ColumnElement[bool]:
    """The condition of a cycle in motion (see `in_motion`), for a query over all cycles."""
    following = sa.orm.aliased(Cycle)
    successor = sa.exists().where(
        col(following.body_id) == col(Cycle.body_id), col(following.year) == col(Cycle.year) + 1
    )
    return sa.or_(col(Cycle.status) != CycleStatus.closed.value, ~successor)


@dataclass(frozen=True)
class Decided:
    """The steps the rules ask of one cycle at `now`, on its body's calendar day."""

    slug: str
    body_id: int
    today: dt.date
    cycle_id: int
    year: int
    steps: list[Step]


def decide(
    session: Session,
    *,
    body: str | None,
    year: int | None,
    now: dt.datetime,
    bodies: Collection[str] | None = None,
) -> list[Decided]:
    """Every cycle in motion (or of `year`) of every body (or of `body`, or of the `bodies`
    of a shard) with its due steps, bodies by slug, cycles by year.

    Set-based: the bodies, their cycles and the cycles' states are read in a constant number
    of queries for all bodies (services.reconcile.load_states); the pure rules decide per cycle
    on the body's own calendar day."""
    chosen = sa.select(col(Body.id), col(Body.slug), col(Body.timezone)).order_by(col(Body.slug))
    if body:
        chosen = chosen.where(col(Body.slug) == body)
    if bodies is not None:
        chosen = chosen.where(col(Body.slug).in_(sorted(set(bodies))))
    rows = session.execute(chosen).all()
    if not rows:
        return []
    cycles = sa.select(col(Cycle.id), col(Cycle.body_id), col(Cycle.year)).order_by(col(Cycle.year))
    cycles = cycles.where(col(Cycle.year) == year) if year else cycles.where(moving())
    if body or bodies is not None:
        cycles = cycles.where(col(Cycle.body_id).in_([row[0] for row in rows]))
    by_body: dict[int, list[tuple[int, int]]] = {}
    for cycle_id, body_id, cycle_year in session.execute(cycles).all():
        by_body.setdefault(body_id, []).append((cycle_id, cycle_year))
    states = load_states(
        session=session, cycle_ids=[cycle_id for found in by_body.values() for cycle_id, _ in found]
    )
    decided: list[Decided] = []
    days: dict[str, dt.date] = {}  # time zone -> its calendar day at `now`
    for body_id, slug, timezone in rows:
        if body_id not in by_body:
            continue
        if timezone not in days:
            days[timezone] = local_day(now, timezone)
        today = days[timezone]
        for cycle_id, cycle_year in by_body[body_id]:
            steps = next_steps(states[cycle_id], today)
            decided.append(Decided(slug, body_id, today, cycle_id, cycle_year, steps))
    return decided


def pending(session: Session, *, body: str | None, year: int | None, now: dt.datetime) -> list[Due]:
    """(body, year, phase) with steps due at `now`, in order: bodies by slug, cycles by year,
    phases as the rules list them. `body`/`year` narrow it to one body or one cycle."""
    return due_phases(decide(session, body=body, year=year, now=now))


def due_phases(decided: list[Decided]) -> list[Due]:
    return [
        (cycle.slug, cycle.year, kind)
        for cycle in decided
        for kind in dict.fromkeys(step.phase for step in cycle.steps)
    ]


SHARD_SIZE = 100  # bodies per shard of the daily (a parameter of `annual-cycle`)
MAX_SHARD_SIZE = 1000  # a shard's bodies are one IN list (services.opening.CHUNK)


def due_bodies(
    session: Session, *, body: str | None, year: int | None, now: dt.datetime
) -> list[str]:
    """The slugs of the bodies with a step due at `now`, in slug order (set-based: `decide`)."""
    decided = decide(session, body=body, year=year, now=now)
    return list(dict.fromkeys(cycle.slug for cycle in decided if cycle.steps))


def shards(slugs: Collection[str], size: int) -> list[list[str]]:
    """The bodies cut into shards of at most `size`, by slug: the same bodies give the same
    shards every time, and each body is in exactly one."""
    if not 1 <= size <= MAX_SHARD_SIZE:
        raise KreislaufError(
            f"Die Shard-Größe muss zwischen 1 und {MAX_SHARD_SIZE} Körperschaften liegen, "
            f"nicht {size}.",
            field="shard_size",
        )
    ordered = sorted(set(slugs))
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def run_due(find: Callable[[], list[Due]], run_phase: PhaseRunner) -> list[dict[str, str]]:
    """Run each due phase; then the phases that became due through the others (say, a
    session phase closing lets the resolution close), each at most once per day, so a
    second tick of the same day finds nothing. The flows pass their subflows as `run_phase`.
    The loop is the reconcile's own (services.reconcile.settle)."""
    return settle(find, lambda due: run_phase(*due), what="the day's due phases")


@dataclass(frozen=True)
class BodyFailure:
    """A body whose reconcile failed this morning: what a shard reports, with the body."""

    body: str
    message: str  # German, for the people who look at the run

    def as_dict(self) -> dict[str, str]:
        return {"body": self.body, "message": self.message}


def failure_message(slug: str, what: str, error: BaseException) -> str:
    """The German line for a failed body: which body, which work, what went wrong."""
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        error = error.orig  # the database's own words, without the statement
    reason = str(error) if isinstance(error, KreislaufError) else f"{type(error).__name__}: {error}"
    return f"Abgleich von {slug} ({what}) fehlgeschlagen: {reason}"[:1000]


def reconcile_day(
    engine: sa.Engine,
    *,
    now: dt.datetime,
    actor: str,
    body: str | None = None,
    year: int | None = None,
    bulk: bool = True,
    bodies: Collection[str] | None = None,
    failed: list[BodyFailure] | None = None,
    statistics: bool = True,
) -> list[dict[str, str]]:
    """The 06:00 reconcile in this process: first, in one transaction, the cycles whose every
    due step is a start or an opening (services.opening, with `bulk`); then each remaining
    due phase in a transaction of its own. The bulk's events come first, cycle by cycle.

    `bodies` narrows it to a shard's bodies. With `failed` (a shard), one body's error does
    not stop the others: a bulk that fails is rolled back and its cycles are done body by
    body; a body whose phase fails is rolled back, appended to `failed` and left alone for
    the rest of the morning. Without it (`kreislauf tick`) the first error is raised.
    A busy morning ends with fresh statistics; without `statistics` (a shard) the caller
    refreshes them once for all shards (`refresh_statistics`)."""
    opened: list[dict[str, str]] = []
    in_bulk = bulk  # the first decision of the morning only
    broken: set[str] = set()

    def find() -> list[Due]:
        nonlocal in_bulk
        with session_scope(engine) as session:
            decided = decide(session, body=body, year=year, now=now, bodies=bodies)
            if in_bulk:
                in_bulk = False
                openings = [
                    Opening(d.body_id, d.today, d.cycle_id, d.year, d.steps) for d in decided
                ]
                done = _open_in_bulk(session, openings, now=now, actor=actor, isolate=failed)
                if done:  # decide again on what the bulk left
                    opened.extend(event.as_dict() for event in done)
                    decided = decide(session, body=body, year=year, now=now, bodies=bodies)
            return [due for due in due_phases(decided) if due[0] not in broken]

    def run_phase(slug: str, cycle_year: int, kind: PhaseKind) -> list[dict[str, str]]:
        try:
            with session_scope(engine) as session:
                row = session.exec(select(Body).where(Body.slug == slug)).one()
                events = reconcile(
                    session=session, body=row, year=cycle_year, now=now, actor=actor, only=kind
                )
                return [event.as_dict() for event in events]
        except Exception as error:
            if failed is None:
                raise
            message = failure_message(slug, f"{cycle_year}, Phase {kind.value}", error)
            LOGGER.error("%s", message, exc_info=True)
            broken.add(slug)
            failed.append(BodyFailure(slug, message))
            return []

    events = run_due(find, run_phase)
    events = opened + events
    if statistics and len(events) >= ANALYZE_AFTER_EVENTS:
        refresh_statistics(engine)
    return events


def refresh_statistics(engine: sa.Engine) -> None:
    """ANALYZE the tables the reconcile writes (after a busy morning)."""
    with session_scope(engine) as session:
        analyze(session, RECONCILED_TABLES)


def _open_in_bulk(
    session: Session,
    openings: list[Opening],
    *,
    now: dt.datetime,
    actor: str,
    isolate: list[BodyFailure] | None,
) -> list[Event]:
    """The bulk opening; when isolating (a shard), in a savepoint: if it fails, nothing of it
    stays and the cycles are opened body by body, where a broken body fails alone."""
    if isolate is None:
        return open_in_bulk(session, openings, now=now, actor=actor)
    try:
        with session.begin_nested():
            return open_in_bulk(session, openings, now=now, actor=actor)
    except Exception:
        LOGGER.warning("Gemeinsame Eröffnung fehlgeschlagen; Körperschaft für Körperschaft weiter.")
        return []


@dataclass(frozen=True)
class Reminded:
    reminders: int  # reminders decided
    messages: int  # their recipients: one digest each


def sweep_reminders(
    engine: sa.Engine, *, now: dt.datetime, body_ids: list[int] | None = None
) -> Reminded:
    """The 07:00 sweep: decide the day's reminders (all bodies, or `body_ids`)."""
    from notifications.sweep import sweep

    with session_scope(engine) as session:
        report = sweep(session=session, now=now, body_ids=body_ids)
    return Reminded(report.reminders, report.messages)


@dataclass
class Delivered:
    channel: bool  # a channel is configured; without one the messages wait in the outbox
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def deliver(engine: sa.Engine, *, now: dt.datetime, workers: int = 1) -> Delivered:
    """Group the new reminders into one digest per recipient and day (an outbox row each,
    also without a channel, so `reminders log` shows them); send what is due when a channel
    is configured. Without one nothing is sent, so no attempt is burnt."""
    from config.settings import Settings
    from notifications.channels import channels_from
    from notifications.digests import group_digests
    from notifications.dispatcher import dispatch

    settings = Settings()
    group_digests(engine, now)
    channels = channels_from(settings) if settings.email_url or settings.notify_config else None
    if channels is None or not channels.describe():
        return Delivered(channel=False)
    report = dispatch(
        engine=engine, channels=channels, now=now, base_url=settings.base_url, processes=workers
    )
    return Delivered(True, report.sent, report.retrying, report.failed, list(report.errors))


@dataclass
class Tick:
    day: dt.date
    events: list[dict[str, str]]
    reminded: Reminded
    delivered: Delivered


def tick(
    engine: sa.Engine,
    *,
    body: Body,
    year: int | None,
    reconcile_at: dt.datetime,
    remind_at: dt.datetime,
    actor: str,
) -> Tick:
    """One day of one body, as the deployments do it: reconcile its cycles in motion (or the
    cycle of `year`), then decide its reminders and work off the outbox. Idempotent: a second
    tick of the same day finds nothing to do and sends nothing twice."""
    events = reconcile_day(engine, now=reconcile_at, actor=actor, body=body.slug, year=year)
    reminded = sweep_reminders(engine, now=remind_at, body_ids=[id_of(body)])
    delivered = deliver(engine, now=remind_at)
    return Tick(body.local_date(reconcile_at), events, reminded, delivered)
