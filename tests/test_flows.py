"""The cycle as Prefect flows, under Prefect's test harness: idempotent ticks, phase subflows
with their tasks, the forum's admin trigger, deployments, and whole simulated years."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from uuid import UUID

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import select

from config.loader import load_body_config
from models.audit import AuditEvent
from models.cycle import Cycle, Deadline, Phase, Task, TaskStatus
from models.db import make_engine, session_scope
from models.decisions import SessionStatus, SessionTrigger, StrategySession
from models.organisation import Department
from models.outbox import OutboxMessage
from models.strategy import FieldOfAction, KeyFigure, KeyFigureValue, Priority, StrategyVersion
from models.submissions import Submission, SubmissionStatus
from tests.conftest import LOERRACH, NOW, Cli, row_counts

pytestmark = pytest.mark.usefixtures("prefect_harness")


def berlin(year: int, month: int, day: int, hour: int = 6) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, tz="Europe/Berlin")


@pytest.fixture
def cycle_2027(engine: sa.Engine, loerrach, database_url: str):  # type: ignore[no-untyped-def]
    from flows.runtime import use_database
    from services.cycles import create_cycle

    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="cli:test")
    with use_database(database_url):
        yield engine


@pytest.mark.both_databases
def test_annual_cycle_twice_at_the_same_now_changes_nothing(cycle_2027: sa.Engine) -> None:
    from flows.annual_cycle import annual_cycle

    first = annual_cycle(body="loerrach", now=berlin(2027, 4, 1))
    kinds = {(event["phase"], event["event"]) for event in first}
    assert ("evaluation", "phase_opened") in kinds and ("survey", "phase_opened") in kinds
    assert sum(1 for event in first if event["event"] == "message_queued") == 6
    before = row_counts(cycle_2027)
    assert annual_cycle(body="loerrach", now=berlin(2027, 4, 1)) == []
    assert row_counts(cycle_2027) == before


def test_the_daily_runs_its_bodies_as_a_shard_with_one_reconcile_task(
    cycle_2027: sa.Engine,
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterFlowRunId

    from flows.annual_cycle import annual_cycle

    annual_cycle(body="loerrach", year=2027, now=berlin(2027, 2, 1))
    with session_scope(cycle_2027) as session:
        actors = set(
            session.exec(select(AuditEvent.actor).where(AuditEvent.action == "phase.open")).all()
        )
    # every step was done by the one shard run
    assert len(actors) == 1
    _, name, run_id = actors.pop().split(":")
    assert name == "shard-001-loerrach"
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(run_id))
        assert run.parent_task_run_id is not None  # a subflow of the daily tick
        assert run.state is not None and run.state.is_completed()
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[run.id]))
        )
    # the work of the shard is one task, not one per step
    assert [task.name for task in tasks] == ["reconcile-loerrach-loerrach"]


def test_forum_flow_with_a_reason_convenes_and_invites_the_factions(
    cycle_2027: sa.Engine,
) -> None:
    from flows.forum import forum

    events = forum(
        body="loerrach",
        year=2027,
        reason="Neue Klimaschutzvorgaben des Landes",
        now=berlin(2027, 4, 20, 10),
    )
    assert events[0]["event"] == "session_convened"
    with session_scope(cycle_2027) as session:
        row = session.exec(select(StrategySession)).one()
        invitations = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "forum_invitation")
        ).all()
    assert row.status == SessionStatus.convened
    assert row.trigger == SessionTrigger.administration
    assert row.reason == "Neue Klimaschutzvorgaben des Landes"
    assert len(invitations) == 6
    again = forum(body="loerrach", year=2027, reason="noch einmal", now=berlin(2027, 4, 20, 11))
    assert again == []  # convening twice is refused (logged), nothing new


def test_forum_flow_in_an_election_year_convenes_and_carries_on_the_retreat(
    engine: sa.Engine, loerrach, database_url: str
) -> None:
    from flows.forum import forum
    from flows.runtime import use_database
    from services.cycles import create_cycle

    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2029, now=NOW, actor="cli:test")
    with use_database(database_url):
        events = forum(
            body="loerrach", year=2029, reason="Thematische Klausur", now=berlin(2029, 9, 3, 10)
        )
    assert (events[0]["phase"], events[0]["event"]) == ("retreat", "session_convened")
    assert ("retreat", "phase_opened") in {(e["phase"], e["event"]) for e in events}
    with session_scope(engine) as session:
        retreat = session.exec(select(Phase).where(Phase.kind == "retreat")).one()
    assert retreat.status == "open"


def test_deployments_are_declared_once_with_berlin_schedules() -> None:
    from flows.deployments import deployments

    by_name = {f"{d.flow_name}/{d.name}": d for d in deployments()}
    tick = by_name["annual-cycle/daily"]
    assert len(tick.schedules) == 1
    schedule = tick.schedules[0].schedule
    assert schedule.cron == "0 6 * * *" and schedule.timezone == "Europe/Berlin"
    assert by_name["forum/convene"].schedules == []  # run by an administrator, with a form
    sweep = by_name["reminder-sweep/daily"].schedules[0].schedule
    assert (sweep.cron, sweep.timezone) == ("0 7 * * *", "Europe/Berlin")
    dispatch = by_name["dispatch/every-5-minutes"]
    assert dispatch.schedules[0].schedule.cron == "*/5 * * * *"
    for sending in (dispatch, by_name["reminder-sweep/daily"]):  # one run at a time
        assert sending.concurrency_limit == 1
        assert sending.concurrency_options is not None
        assert sending.concurrency_options.collision_strategy == "CANCEL_NEW"
    assert {
        "evaluation/manual",
        "survey/manual",
        "retreat/manual",
        "resolution/manual",
        "planning/manual",
        "budget-resolution/manual",
    } <= set(by_name)
    assert all(d.entrypoint and d.entrypoint.startswith("flows.") for d in by_name.values())


def test_deploy_registers_the_same_deployments_with_a_work_pool() -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    from flows.deployments import deploy_to_pool

    with get_client(sync_client=True) as client:
        client.create_work_pool(
            WorkPoolCreate(name="kreislauf-test", type="process"), overwrite=True
        )
    ids = deploy_to_pool("kreislauf-test")
    assert len(ids) == 12
    with get_client(sync_client=True) as client:
        tick = client.read_deployment_by_name("annual-cycle/daily")
        council = client.read_deployment_by_name("council-sync/every-morning")
        form = client.read_deployment_by_name("forum/convene").parameter_openapi_schema
        dispatch = client.read_deployment_by_name("dispatch/every-5-minutes")
    assert dispatch.global_concurrency_limit is not None
    assert dispatch.global_concurrency_limit.limit == 1  # one dispatch run at a time
    assert {"body", "year", "reason"} <= set(form["properties"])  # the UI's run form
    assert tick.work_pool_name == "kreislauf-test"
    assert tick.schedules[0].schedule.cron == "0 6 * * *"
    assert tick.schedules[0].schedule.timezone == "Europe/Berlin"
    assert council.schedules[0].schedule.cron == "30 5 * * *"  # before the daily tick


# --------------------------------------------------------------------------- simulation


def simulate(year: int, workdir: Path) -> list[dict[str, str]]:
    """The year through real flows (`simulate --prefect`); the in-process default (the
    shared loop, no Prefect) must play exactly the same events."""
    from flows.simulation import simulate as run
    from services.simulated_year import play_year
    from services.simulation import load_script

    config = load_body_config(LOERRACH)
    script = load_script(LOERRACH / "simulation.toml")
    events = run(config, year, script, workdir=workdir)
    fast = play_year(config, year, script, database_url=f"sqlite:///{workdir / 'fast.db'}")
    assert fast == events
    return events


def opened(events: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(e["phase"], e["date"]) for e in events if e["event"] == "phase_opened"]


def only(events: list[dict[str, str]], name: str) -> dict[str, str]:
    found = [event for event in events if event["event"] == name]
    assert len(found) == 1, (name, found)
    return found[0]


def test_simulated_2027_runs_the_regular_cycle(tmp_path: Path) -> None:
    events = simulate(2027, tmp_path)
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    # hand-checked against the calendar: 1 May 2027 is a Saturday (and a holiday)
    assert opened(events) == [
        ("evaluation", "2027-02-01"),
        ("survey", "2027-04-01"),
        ("forum", "2027-05-03"),
        ("resolution", "2027-07-01"),
        ("planning", "2027-07-22"),
        ("budget_resolution", "2027-10-01"),
    ]
    convened = only(events, "session_convened")  # two factions said yes in the script
    assert convened["date"] == "2027-05-01" and convened["phase"] == "survey"
    assert "CDU-Fraktion" in convened["detail"] and "Grünen" in convened["detail"]
    # 15 working days after Mon 03.05.2027, skipping Ascension (06.05.) and Whit Monday (17.05.)
    assert only(events, "session_held")["date"] == "2027-05-26"
    assert only(events, "resolution_adopted")["date"] == "2027-07-21"
    assert "Version 4" in only(events, "strategy_version_created")["detail"]
    late = [e["detail"] for e in events if e["event"] == "task_late"]
    assert any("Jugend und Familie" in detail for detail in late)
    assert any("FDP-Fraktion" in detail for detail in late)  # never answered
    # the council adopts the budget on 15.12. (recorded at 10:00, after that day's 06:00
    # reconcile); the next morning's reconcile closes the phase and the cycle
    assert only(events, "budget_resolution_adopted")["date"] == "2027-12-15"
    closed = only(events, "cycle_closed")
    assert closed["date"] == "2027-12-16"
    following = only(events, "next_cycle_created")
    assert "2028" in following["detail"] and "21.02.2028" in following["detail"]

    engine = make_engine(f"sqlite:///{tmp_path / 'simulation.db'}")
    with session_scope(engine) as session:
        versions = session.exec(select(StrategyVersion).order_by(StrategyVersion.number)).all()
        added = session.exec(
            select(Priority)
            .join(FieldOfAction, Priority.field_id == FieldOfAction.id)
            .where(
                FieldOfAction.version_id == versions[-1].id,
                Priority.code == "klima-biodiversitaet.4",
            )
        ).one()
        cycle_2028 = session.exec(select(Cycle).where(Cycle.year == 2028)).one()
        evaluation_tasks = session.exec(
            select(Task)
            .join(Deadline, Task.deadline_id == Deadline.id)
            .join(Phase, Deadline.phase_id == Phase.id)
            .where(Phase.cycle_id == cycle_2028.id, Phase.kind == "evaluation")
        ).all()
        # The departments delivered their figures through the workbook; the accepted
        # actuals of 2026 are the figures' values now (Jugend, late, delivered nothing).
        submissions = session.exec(select(Submission, Department).join(Department)).all()
        actuals_2026 = session.exec(
            select(KeyFigure.key, KeyFigureValue.actual, KeyFigureValue.submission_id)
            .join(KeyFigure, KeyFigureValue.key_figure_id == KeyFigure.id)
            .where(KeyFigureValue.year == 2026)
        ).all()
    engine.dispose()
    # (Finanzen reports neither figures nor measures: its empty workbook fulfils the task)
    assert {department.key for _, department in submissions} == {
        "digitalisierung",
        "finanzen",
        "gebaeude",
        "gesundheit",
        "mobilitaet",
        "schulen",
        "soziales",
        "umwelt",
        "wirtschaft",
    }
    assert {s.status for s, _ in submissions} == {SubmissionStatus.accepted}
    reported = {key: (actual, source) for key, actual, source in actuals_2026}
    assert reported["hze-ambulant-quote"] == (None, None)  # Jugend und Familie
    assert all(
        actual is not None and source is not None
        for key, (actual, source) in reported.items()
        if key != "hze-ambulant-quote"
    )
    # 1 and 2 are Lörrach's earlier versions on record (2009, 2012); 3 the file's, 4 new
    assert [v.number for v in versions] == [1, 2, 3, 4]
    assert versions[3].previous_id == versions[2].id
    assert added.text.startswith("Der Landkreis setzt die Klimaschutzvorgaben")
    assert len(evaluation_tasks) == 30  # 10 reporting departments x 3 deadlines
    assert {TaskStatus(t.status) for t in evaluation_tasks} == {TaskStatus.planned}


def test_simulated_2029_holds_a_retreat_after_the_election(tmp_path: Path) -> None:
    events = simulate(2029, tmp_path)
    assert opened(events) == [
        ("evaluation", "2029-02-01"),
        ("survey", "2029-04-03"),
        ("planning", "2029-07-02"),
        ("retreat", "2029-09-03"),
        ("budget_resolution", "2029-10-01"),
        ("resolution", "2029-11-02"),
    ]
    assert not any(e["phase"] == "forum" for e in events)
    note = only(events, "survey_outcome")
    assert note["date"] == "2029-05-01" and "Klausurtagung" in note["detail"]
    convened = only(events, "session_convened")
    assert (convened["date"], convened["phase"]) == ("2029-09-03", "retreat")
    assert only(events, "resolution_adopted")["date"] == "2029-11-21"
    assert "2030" in only(events, "next_cycle_created")["detail"]


def test_simulate_command_prints_json_events(tmp_path: Path) -> None:
    result = Cli(f"sqlite:///{tmp_path / 'unused.db'}")(
        "simulate", "2027", "--json", env={"KREISLAUF_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert events and all(set(e) == {"date", "phase", "event", "detail"} for e in events)
    assert {e["phase"] for e in events} <= {
        "evaluation",
        "survey",
        "forum",
        "retreat",
        "resolution",
        "planning",
        "budget_resolution",
    }
    dt.date.fromisoformat(events[-1]["date"])
    assert not Path(tmp_path / "unused.db").exists()  # the simulation has its own database


def test_reminder_sweep_flow_enqueues_once_and_keeps_messages_without_a_channel(
    cycle_2027: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.annual_cycle import annual_cycle
    from flows.reminders import reminder_sweep

    monkeypatch.delenv("KREISLAUF_EMAIL_URL", raising=False)
    monkeypatch.delenv("KREISLAUF_NOTIFY_CONFIG", raising=False)
    annual_cycle(body="loerrach", now=berlin(2027, 2, 1))  # opens the evaluation tasks
    # Fri 05.02.2027: 10 working days before the key figures are due (Fri 19.02.)
    first = reminder_sweep(now=berlin(2027, 2, 5, 7))
    assert (first["reminders"], first["messages"]) == (10, 10)
    assert first["sent"] == 0  # no channel configured: the messages wait in the outbox
    again = reminder_sweep(now=berlin(2027, 2, 5, 7))
    assert (again["reminders"], again["messages"]) == (0, 0)
    with session_scope(cycle_2027) as session:
        pending = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert len(pending) == 10 and all(row.attempts == 0 for row in pending)
