"""The daily in shards: every due body in exactly one shard, the same rows as the plain
reconcile, one broken body reported while the others are reconciled, a failed shard retried
alone, and on a real Prefect server two process workers sharing one morning.

The world: Lörrach, Musterstadt and Fernstadt (tests.test_set_based_daily) and four copies
of Musterstadt, each with a cycle 2027, built once per module into an SQLite file that every
test copies.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.loader import load_body_config
from models.body import Body
from models.commands import CreateCycle
from models.cycle import Cycle
from models.db import make_engine, session_scope
from models.errors import KreislaufError
from services import daily
from services.bodies import install_body
from services.commands import handle
from tests.conftest import LOERRACH, MUSTERSTADT
from tests.test_set_based_daily import snapshot, towns

ACTOR = "test:shards"
COPIES = ("altdorf", "bergheim", "dorfen", "eichstett")  # Musterstadt's calendar each
WORKTREE = Path(__file__).resolve().parent.parent


def morning(year: int, month: int, day: int) -> pendulum.DateTime:
    return daily.day_instants(dt.date(year, month, day), "Europe/Berlin")[0]


def copy_of_musterstadt(target: Path, slug: str) -> Path:
    shutil.copytree(MUSTERSTADT, target)
    path = target / "body.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('slug = "musterstadt"', f'slug = "{slug}"')
    text = text.replace('name = "Stadt Musterstadt"', f'name = "Stadt {slug.title()}"')
    path.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def world_file(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("shards")
    path = directory / "welt.db"
    shutil.copyfile(migrated_sqlite, path)
    engine = make_engine(f"sqlite:///{path}")
    setup = pendulum.datetime(2026, 12, 1, 9, tz="Europe/Berlin")
    bodies = [LOERRACH, *towns(directory)]
    bodies += [copy_of_musterstadt(directory / slug, slug) for slug in COPIES]
    with session_scope(engine) as session:
        for body_dir in bodies:
            body = install_body(load_body_config(body_dir), session=session, now=setup, actor=ACTOR)
            handle(CreateCycle(2027), session=session, body=body, now=setup, actor=ACTOR)
    engine.dispose()
    return path


@pytest.fixture
def world(world_file: Path, tmp_path: Path) -> Iterator[tuple[str, sa.Engine]]:
    """A fresh copy of the world: its URL and an engine on it."""
    path = tmp_path / "welt.db"
    shutil.copyfile(world_file, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()


def without_actor(engine: sa.Engine) -> tuple[list[Any], list[Any]]:
    """The statuses of cycles, phases and tasks and the audit trail, but who acted."""
    with Session(engine) as session:
        rows, audit = snapshot(session, 0)
    return rows, [row[:2] + row[3:] for row in audit]


def shard_runs(daily_run: Any) -> list[Any]:
    """The shard runs of one daily run, by name."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[daily_run])
            )
        )
    return sorted(runs, key=lambda run: run.name)


# ------------------------------------------------------------------ the split


def test_the_split_is_by_slug_and_covers_every_due_body_once(
    world: tuple[str, sa.Engine],
) -> None:
    _, engine = world
    assert daily.shards(["c", "a", "b", "a", "d", "e"], 2) == [["a", "b"], ["c", "d"], ["e"]]
    with session_scope(engine) as session:
        due = daily.due_bodies(session, body=None, year=None, now=morning(2027, 1, 4))
    # Musterstadt's calendar: its evaluation opens on 4 January, Lörrach's in February
    assert due == sorted([*COPIES, "musterstadt"])
    for size in (1, 2, 3, 5, 100):
        parts = daily.shards(due, size)
        assert parts == daily.shards(list(reversed(due)), size)  # deterministic
        assert [slug for part in parts for slug in part] == due  # each exactly once
        assert all(1 <= len(part) <= size for part in parts)
    with pytest.raises(KreislaufError, match="zwischen 1 und 1000"):
        daily.shards(due, 0)


# ------------------------------------------------------------------ in-process, harness


@pytest.mark.usefixtures("prefect_harness")
def test_the_daily_in_shards_writes_what_the_plain_reconcile_writes(
    world: tuple[str, sa.Engine], world_file: Path, tmp_path: Path
) -> None:
    from flows.annual_cycle import annual_cycle
    from flows.runtime import use_database

    url, engine = world
    plain_path = tmp_path / "plain.db"
    shutil.copyfile(world_file, plain_path)
    plain = make_engine(f"sqlite:///{plain_path}")
    try:
        day, sharded_days = dt.date(2027, 1, 1), 0
        while day < dt.date(2027, 4, 15):  # evaluations open, close; the surveys open
            now = morning(day.year, day.month, day.day)
            expected = daily.reconcile_day(plain, now=now, actor=ACTOR)
            with session_scope(engine) as session:
                due = daily.due_bodies(session, body=None, year=None, now=now)
            if due:  # as the simulation does: the flow on days with work only
                sharded_days += len(daily.shards(due, 2)) > 1
                with use_database(url):
                    events = annual_cycle(now=now, shard_size=2)
                assert sorted(map(str, events)) == sorted(map(str, expected)), day
            else:
                assert expected == [], day
            day += dt.timedelta(days=1)
        assert sharded_days >= 3
        assert without_actor(engine) == without_actor(plain)
    finally:
        plain.dispose()


@pytest.mark.usefixtures("prefect_harness")
def test_a_broken_body_fails_alone_and_its_shard_is_retried_alone(
    world: tuple[str, sa.Engine],
) -> None:
    from flows.annual_cycle import DailyFailed, annual_cycle
    from flows.runtime import use_database

    url, engine = world
    with session_scope(engine) as session:
        broken = session.exec(
            select(Cycle.id).join(Body).where(Body.slug == "bergheim", Cycle.year == 2027)
        ).one()
        # bergheim's data is broken: no row of its phases can be changed any more
        session.execute(
            sa.text(
                "CREATE TRIGGER broken_phase BEFORE UPDATE ON phase "
                f"WHEN OLD.cycle_id = {broken} "
                "BEGIN SELECT RAISE(ABORT, 'Phase beschädigt'); END"
            )
        )
    now = morning(2027, 1, 4)  # the evaluation opens for altdorf ... musterstadt
    with use_database(url):
        state = annual_cycle(now=now, shard_size=2, return_state=True)
    assert state.is_failed()
    failure = state.result(raise_on_failure=False)
    assert isinstance(failure, DailyFailed)
    assert [f["body"] for f in failure.failed] == ["bergheim"]
    message = failure.failed[0]["message"]
    assert message.startswith("Abgleich von bergheim (2027, Phase evaluation) fehlgeschlagen")
    assert "Phase beschädigt" in message
    assert "1 Körperschaft(en) fehlgeschlagen" in str(failure)
    with session_scope(engine) as session:
        status = dict(
            session.execute(
                sa.text(
                    "SELECT body.slug, phase.status FROM phase JOIN cycle ON cycle.id = "
                    "phase.cycle_id JOIN body ON body.id = cycle.body_id "
                    "WHERE phase.kind = 'evaluation'"
                )
            ).all()
        )
    assert status == {
        "altdorf": "open",  # in bergheim's shard, reconciled all the same
        "bergheim": "planned",
        "dorfen": "open",
        "eichstett": "open",
        "fernstadt": "planned",
        "loerrach": "planned",
        "musterstadt": "open",
    }
    # the failed shard ran twice (its retry), the others once
    runs = shard_runs(state.state_details.flow_run_id)
    assert {run.name: (run.state.type.value, run.run_count) for run in runs} == {
        "shard-001-altdorf": ("FAILED", 2),
        "shard-002-dorfen": ("COMPLETED", 1),
        "shard-003-musterstadt": ("COMPLETED", 1),
    }
    # repaired, the next daily reconciles bergheim alone: the others have nothing left to do
    with session_scope(engine) as session:
        session.execute(sa.text("DROP TRIGGER broken_phase"))
    with use_database(url):
        events = annual_cycle(now=now, shard_size=2)
    assert ("evaluation", "phase_opened") in {(e["phase"], e["event"]) for e in events}
    with session_scope(engine) as session:
        opened = session.execute(
            sa.text("SELECT DISTINCT actor FROM audit_event WHERE action = 'phase.open'")
        ).scalars()
        actors = {actor.split(":")[1] for actor in opened}
    assert actors == {
        "shard-001-altdorf",
        "shard-002-dorfen",
        "shard-003-musterstadt",
        "shard-001-bergheim",  # the next morning: bergheim the only due body
    }
    with use_database(url):
        assert annual_cycle(now=now, shard_size=2) == []


# ------------------------------------------------------------------ a real server, two workers


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start"]
            + ["--pool", "kreislauf-shards", "--name", name, "--limit", "2"],
            env=env,
            cwd=WORKTREE,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_two_process_workers_share_the_morning_on_a_real_server(
    world: tuple[str, sa.Engine], tmp_path: Path
) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deployments import deploy_to_pool
    from flows.server import _stop, temporary_server

    url, engine = world
    home = tmp_path / "prefect"
    workers: list[subprocess.Popen[bytes]] = []
    with temporary_server(home, startup_timeout=90) as api_url:
        env = {
            **os.environ,
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(home),
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "KREISLAUF_DATABASE_URL": url,
            "PYTHONPATH": str(WORKTREE),
        }
        try:
            with (
                temporary_settings({PREFECT_API_URL: api_url}),
                get_client(sync_client=True) as client,
            ):
                client.create_work_pool(WorkPoolCreate(name="kreislauf-shards", type="process"))
                deploy_to_pool("kreislauf-shards")
                workers = [start_worker(env, f"w{n}", tmp_path / f"worker-{n}.log") for n in (1, 2)]
                deployment = client.read_deployment_by_name("annual-cycle/daily")
                run = client.create_flow_run_from_deployment(
                    deployment.id,
                    parameters={"now": morning(2027, 1, 4).isoformat(), "shard_size": 1},
                )
                deadline = time.monotonic() + 120
                while True:
                    run = client.read_flow_run(run.id)
                    if run.state is not None and run.state.is_final():
                        break
                    assert time.monotonic() < deadline, "the daily did not finish"
                    assert all(w.poll() is None for w in workers)
                    time.sleep(1)
                logs = "".join((tmp_path / f"worker-{n}.log").read_text() for n in (1, 2))
                assert run.state.is_completed(), logs
                shards = client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(
                        parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id])
                    )
                )
                reports = [shard.state.result() for shard in shards if shard.state]
        finally:
            for worker in workers:
                _stop(worker)
    # five bodies due, one a shard: each shard completed, by one of the two workers
    assert sorted(shard.name for shard in shards) == [
        "shard-001-altdorf",
        "shard-002-bergheim",
        "shard-003-dorfen",
        "shard-004-eichstett",
        "shard-005-musterstadt",
    ]
    assert all(shard.state and shard.state.is_completed() for shard in shards)
    assert sorted(slug for report in reports for slug in report["bodies"]) == sorted(
        [*COPIES, "musterstadt"]
    )
    by_worker = {report["parent_pid"] for report in reports}
    assert by_worker == {worker.pid for worker in workers}  # both workers did shards
    with session_scope(engine) as session:
        opened = dict(
            session.execute(
                sa.text(
                    "SELECT body.slug, count(DISTINCT audit_event.actor) FROM audit_event "
                    "JOIN body ON body.id = audit_event.body_id "
                    "WHERE audit_event.action = 'phase.open' GROUP BY body.slug"
                )
            ).all()
        )
    assert opened == dict.fromkeys([*COPIES, "musterstadt"], 1)  # each body by one shard


@pytest.mark.usefixtures("prefect_harness")
def test_a_shard_failing_for_a_moment_succeeds_on_its_retry(
    world: tuple[str, sa.Engine],
) -> None:
    """Bergheim's phases are locked until its shard's first attempt has failed (a trigger,
    dropped while the shard waits for its retry): the retry reconciles it, the morning ends
    Completed, and only that shard ran twice."""
    import threading

    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterName,
        FlowRunFilterState,
        FlowRunFilterStateName,
    )

    from flows.annual_cycle import annual_cycle
    from flows.runtime import use_database

    url, engine = world
    with session_scope(engine) as session:
        locked = session.exec(
            select(Cycle.id).join(Body).where(Body.slug == "bergheim", Cycle.year == 2027)
        ).one()
        session.execute(
            sa.text(
                "CREATE TRIGGER locked_phase BEFORE UPDATE ON phase "
                f"WHEN OLD.cycle_id = {locked} "
                "BEGIN SELECT RAISE(ABORT, 'Phase gesperrt'); END"
            )
        )
    waiting = FlowRunFilter(
        name=FlowRunFilterName(any_=["shard-001-altdorf"]),
        state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["AwaitingRetry"])),
    )
    unlocked = threading.Event()

    def unlock_when_waiting() -> None:
        deadline = time.monotonic() + 60
        with get_client(sync_client=True) as client:
            while time.monotonic() < deadline:
                if client.read_flow_runs(flow_run_filter=waiting):
                    break
                time.sleep(0.1)
        with session_scope(engine) as session:
            session.execute(sa.text("DROP TRIGGER locked_phase"))
        unlocked.set()

    unlocker = threading.Thread(target=unlock_when_waiting)
    unlocker.start()
    try:
        with use_database(url):
            state = annual_cycle(now=morning(2027, 1, 4), shard_size=2, return_state=True)
    finally:
        unlocker.join()
    assert unlocked.is_set()
    assert state.is_completed(), state.message
    runs = shard_runs(state.state_details.flow_run_id)
    assert {run.name: (run.state.type.value, run.run_count) for run in runs} == {
        "shard-001-altdorf": ("COMPLETED", 2),
        "shard-002-dorfen": ("COMPLETED", 1),
        "shard-003-musterstadt": ("COMPLETED", 1),
    }
    with session_scope(engine) as session:
        opened = session.execute(
            sa.text("SELECT count(*) FROM phase WHERE kind = 'evaluation' AND status = 'open'")
        ).scalar_one()
    assert opened == 5  # the four copies and Musterstadt
