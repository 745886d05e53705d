"""The daily tick: every body with a step due at `now`, cut into shards, each shard a flow run.

Running it twice at the same `now` changes nothing. Which cycles are due is decided set-based
for all bodies at once (services.daily.due_bodies); the bodies are cut into shards of
`shard_size` by slug (services.daily.shards), and each shard is one run of the
`annual-cycle-shard` flow, which does the plain work of services.daily.reconcile_day for its
bodies (the bulk opening first, then each remaining phase per body) in one task, `reconcile`.
So a morning of 1,100 bodies is a dozen flow runs and task runs, not a subflow per body and
phase and a task per step (about 0.2 s of Prefect each, 1.2 s a body on a busy day).

Where the shards run:
- The daily runs from a deployment on a work pool (`kreislauf deploy`, process workers):
  each shard is a run of the `annual-cycle-shard/shard` deployment, created with
  `run_deployment(..., timeout=0)` as a subflow of the daily; the daily then polls the
  server until every shard run is final. Every worker of the pool takes shards, so two or
  more workers share one morning.
- Anywhere else (`kreislauf serve`, `kreislauf run`, the simulation, tests): the shards run
  one after the other as in-process subflows. The same flow, the same code below it.

Why `run_deployment` and not a task runner: a shard must be a run a worker of the pool picks
up (the pool is the unit of capacity people configure), retried alone (flow retries) and
visible on its own in the UI. Prefect's built-in task runners (threads, processes) stay
inside the daily's one process, and the distributed ones (prefect-dask, prefect-ray) need a
cluster beside the work pool and are not installed; SQLite would not profit from threads
anyway.

Failures: one body's broken data fails that body alone (its transaction is rolled back and
it is left for the day); the shard finishes its other bodies and then ends Failed, naming
the body in German, so Prefect retries that shard alone (`SHARD_RETRIES`: idempotent, the
other bodies have nothing left to do). The daily waits for every shard and ends Failed too,
listing every failed body, when any shard failed for good; otherwise it returns the
timeline's events.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from typing import TYPE_CHECKING, Annotated, Any, cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from pydantic import Field

from flows.runtime import engine, entry_now, flow_actor
from models.db import session_scope
from models.errors import KreislaufError
from services import daily
from services.daily import MAX_SHARD_SIZE, SHARD_SIZE, BodyFailure

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

SHARD_DEPLOYMENT = "annual-cycle-shard/shard"
SHARD_RETRIES = 1  # a failed shard runs once more, alone
SHARD_RETRY_DELAY = 5  # seconds
POLL_SECONDS = 2.0  # how often the daily asks the server about its shards on a pool
PAGE = 200  # flow runs per request (the server's default limit)
SHARD_WAIT_SECONDS = 6 * 3600  # a shard not final by then is reported as failed

ShardSize = Annotated[int, Field(ge=1, le=MAX_SHARD_SIZE)]


class ShardFailed(KreislaufError):
    """Some bodies of a shard failed: the shard run ends Failed and is retried. A
    KreislaufError: the CLI says it in German, without a traceback."""

    exit_code = 1

    def __init__(self, failed: list[dict[str, str]]) -> None:
        self.failed = failed
        lines = "; ".join(f["message"] for f in failed)
        super().__init__(f"{len(failed)} Körperschaft(en) nicht abgeglichen: {lines}")

    def __reduce__(self) -> tuple[type[ShardFailed], tuple[list[dict[str, str]]]]:
        return (ShardFailed, (self.failed,))  # the result store pickles it with its bodies


class DailyFailed(KreislaufError):
    """The morning's failed bodies, after every shard has finished (said in German by the
    CLI, e.g. `kreislauf simulate --prefect`)."""

    exit_code = 1

    def __init__(self, failed: list[dict[str, str]], events: int) -> None:
        self.failed = failed
        lines = "; ".join(f"{f['body']}: {f['message']}" for f in failed)
        super().__init__(
            f"Täglicher Abgleich: {len(failed)} Körperschaft(en) fehlgeschlagen, die übrigen "
            f"abgeglichen ({events} Ereignisse). {lines}"
        )
        self.events = events

    def __reduce__(self) -> tuple[type[DailyFailed], tuple[list[dict[str, str]], int]]:
        return (DailyFailed, (self.failed, self.events))


def shard_name(index: int, bodies: list[str]) -> str:
    """`shard-002-emmendingen`: the shard's number in the morning and its first body."""
    return f"shard-{index:03d}-{bodies[0]}"


def events_of(report: dict[str, Any]) -> list[dict[str, str]]:
    """The timeline events of a shard's report."""
    events: list[dict[str, str]] = json.loads(report["events"])
    return events


def worker_name() -> str:
    """Which process did a shard: host and process id (a process worker's flow run)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@task(name="due-bodies", cache_policy=NO_CACHE)
def due_bodies(body: str | None, year: int | None, now: dt.datetime) -> list[str]:
    """The bodies with a step due at `now` (services.daily.due_bodies), by slug."""
    with session_scope(engine()) as session:
        return daily.due_bodies(session, body=body, year=year, now=now)


@task(name="analyze", cache_policy=NO_CACHE)
def refresh_statistics() -> None:
    """Fresh planner statistics after a busy morning (services.daily.refresh_statistics)."""
    daily.refresh_statistics(engine())


@task(name="reconcile", cache_policy=NO_CACHE)
def reconcile(bodies: list[str], year: int | None, now: dt.datetime, actor: str) -> dict[str, Any]:
    """The shard's work: services.daily.reconcile_day for its bodies, each body failing alone."""
    failed: list[BodyFailure] = []
    events = daily.reconcile_day(
        engine(), now=now, actor=actor, year=year, bodies=bodies, failed=failed, statistics=False
    )
    return {
        "bodies": bodies,
        # one string, not 10,000 dicts: Prefect walks every result it passes on, which for
        # the events of 100 bodies' opening day costs seconds (measured)
        "events": json.dumps(events, ensure_ascii=False),
        "failed": [failure.as_dict() for failure in failed],
        "worker": worker_name(),
        "parent_pid": os.getppid(),  # on a process worker: the worker that started the run
    }


@flow(
    name="annual-cycle-shard",
    description="Abgleich einer Gruppe (Shard) von Körperschaften für den täglichen Lauf.",
    retries=SHARD_RETRIES,
    retry_delay_seconds=SHARD_RETRY_DELAY,
    persist_result=True,
)
def annual_cycle_shard(
    bodies: list[str], year: int | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Reconcile the shard's bodies; Failed (and so retried) when any of them failed."""
    now = entry_now(now)
    logger = get_run_logger()
    name = f"reconcile-{bodies[0]}-{bodies[-1]}" if bodies else "reconcile"
    report: dict[str, Any] = reconcile.with_options(task_run_name=name)(
        bodies, year, now, flow_actor()
    )
    logger.info(
        "%d Körperschaften, %d Ereignisse (%s)",
        len(bodies),
        len(events_of(report)),
        report["worker"],
    )
    for failure in report["failed"]:
        logger.error("%s", failure["message"])
    if report["failed"]:
        raise ShardFailed(report["failed"])
    return report


@flow(
    name="annual-cycle",
    description="Täglicher Abgleich aller Steuerungskreisläufe: entscheidet, wo etwas fällig "
    "ist, und gleicht die Körperschaften in Shards ab (auf einem Work-Pool verteilt auf "
    "die Worker).",
)
def annual_cycle(
    body: str | None = None,
    year: int | None = None,
    now: dt.datetime | None = None,
    shard_size: ShardSize = SHARD_SIZE,
) -> list[dict[str, str]]:
    now = entry_now(now)
    logger = get_run_logger()
    parts = daily.shards(due_bodies(body, year, now), shard_size)
    if not parts:
        return []
    pool = _work_pool()
    logger.info(
        "%d Shard(s) à höchstens %d Körperschaften, %s",
        len(parts),
        shard_size,
        f"auf dem Work-Pool {pool}" if pool else "in diesem Prozess",
    )
    reports = _on_pool(parts, year, now) if pool else _here(parts, year, now)
    events = [event for report in reports for event in events_of(report)]
    failed = [failure for report in reports for failure in report["failed"]]
    if len(events) >= daily.ANALYZE_AFTER_EVENTS:  # once for all shards, not in each
        refresh_statistics()
    if failed:
        raise DailyFailed(failed, len(events))
    return events


def _here(parts: list[list[str]], year: int | None, now: dt.datetime) -> list[dict[str, Any]]:
    """Each shard as an in-process subflow, one after the other."""
    reports = []
    for index, bodies in enumerate(parts, start=1):
        in_process = annual_cycle_shard.with_options(  # the result stays in memory
            flow_run_name=shard_name(index, bodies), persist_result=False
        )
        state = in_process(bodies=bodies, year=year, now=now, return_state=True)
        reports.append(_report(state, bodies))
    return reports


def _work_pool() -> str | None:
    """The daily's work pool, when it runs from a deployment on one that has the shard
    deployment too; else None (served, or called in-process)."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.runtime import flow_run

    if not flow_run.id:
        return None
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run.id))
        if not run.work_pool_name or run.deployment_id is None:
            return None
        try:
            shard = client.read_deployment_by_name(SHARD_DEPLOYMENT)
        except ObjectNotFound:
            get_run_logger().warning(
                "Deployment %s fehlt auf dem Server (kreislauf deploy): Shards laufen hier.",
                SHARD_DEPLOYMENT,
            )
            return None
    return run.work_pool_name if shard.work_pool_name == run.work_pool_name else None


def _on_pool(parts: list[list[str]], year: int | None, now: dt.datetime) -> list[dict[str, Any]]:
    """Each shard as a run of the shard deployment, taken by the pool's workers; waits until
    every run is final (retries included)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.deployments import run_deployment
    from prefect.runtime import flow_run

    runs = [  # sync code: the runs, not coroutines (run_deployment dispatches on a loop)
        cast(
            "FlowRun",
            run_deployment(
                SHARD_DEPLOYMENT,
                parameters={"bodies": bodies, "year": year, "now": now},
                flow_run_name=shard_name(index, bodies),
                timeout=0,
                # once per attempt of the daily: a retried daily starts its shards anew
                idempotency_key=f"{flow_run.id}:{flow_run.run_count}:shard-{index:03d}",
            ),
        )
        for index, bodies in enumerate(parts, start=1)
    ]
    ids = [run.id for run in runs]
    deadline = time.monotonic() + SHARD_WAIT_SECONDS
    with get_client(sync_client=True) as client:
        while True:
            states = {}
            for start in range(0, len(ids), PAGE):  # the server answers PAGE runs at most
                chunk = FlowRunFilter(id=FlowRunFilterId(any_=ids[start : start + PAGE]))
                states.update(
                    {run.id: run.state for run in client.read_flow_runs(flow_run_filter=chunk)}
                )
            done = all(s is not None and s.is_final() for s in states.values())
            if (done and len(states) == len(ids)) or time.monotonic() > deadline:
                break
            time.sleep(POLL_SECONDS)
    return [_report(states.get(i), bodies) for i, bodies in zip(ids, parts, strict=True)]


def _report(state: State[Any] | None, bodies: list[str]) -> dict[str, Any]:
    """A shard's report from its final state: its result; for a failed shard the bodies it
    names (every body of the shard when its result cannot be read, e.g. it crashed or did
    not finish in time)."""
    if state is not None and state.is_completed():
        try:
            result = state.result()
            if isinstance(result, dict):
                return result
        except Exception:  # a result stored where this process cannot read it
            pass
        return {"bodies": bodies, "events": "[]", "failed": [], "worker": "?"}
    error: object = None
    if state is not None and state.is_failed():
        try:
            error = state.result(raise_on_failure=False)
        except Exception:
            error = None
    if isinstance(error, ShardFailed):
        failed = error.failed
    else:
        why = state.message if state is not None and state.message else "nicht beendet"
        what = state.name if state is not None else "unbekannt"
        failed = [{"body": slug, "message": f"Shard {what}: {why}"[:1000]} for slug in bodies]
    return {"bodies": bodies, "events": "[]", "failed": failed, "worker": "?"}
