"""The set-based daily decisions equal the per-body rules, every day of simulated years.

`services.daily.pending` reads the state of every cycle in motion of every body in a constant
number of queries (`services.reconcile.load_states`) and asks the pure rules per cycle. Here it
is checked against the per-body path it replaced (kept below as the reference: a query per
table and cycle, as `load_state` read it before) over a world of three bodies with different
calendars and time zones: Lörrach with its scripted people, Musterstadt (NRW, a calendar of its
own) and Fernstadt, a copy of Musterstadt whose evaluation opens a month later and whose clock
runs eleven hours behind Germany's (its 06:00 reconcile in Germany is still its previous day).
Each day of 2027 and 2029 is compared at 06:00 before it is reconciled, so one simulation per
year checks every day.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.loader import load_body_config
from models.audit import AuditEvent
from models.body import Body
from models.budget_resolution import BudgetResolution
from models.calendar_rules import PhaseKind
from models.commands import CreateCycle
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.db import id_of, make_engine, session_scope
from models.decisions import Resolution, SessionKind, SessionStatus, SurveyAnswer
from models.organisation import Department, Faction
from models.reconcile import (
    BudgetDecision,
    CycleState,
    PhaseState,
    SessionState,
    TaskState,
    next_steps,
)
from models.transitions.sessions import get_strategy_session, unresolved_held
from models.transitions.status import Event
from services import daily
from services.bodies import install_body
from services.commands import handle
from services.opening import Opening, in_bulk, open_in_bulk
from services.reconcile import load_state, load_states, reconcile
from services.simulation import Action, load_script, perform, plan_actions
from tests.conftest import LOERRACH, MUSTERSTADT

ACTOR = "test:abgleich"


# ------------------------------------------------------------------ the per-body reference


def per_body_state(session: Session, cycle: Cycle) -> CycleState:
    """The state of one cycle as the per-body path loaded it (a query per table and cycle)."""
    phases = session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id).order_by(col(Phase.id))
    ).all()
    kinds = {phase.id: PhaseKind(phase.kind) for phase in phases}
    rows = session.exec(
        select(Task, Deadline, Department.name, Faction.name)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .join(Faction, col(Task.faction_id) == Faction.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
        .order_by(col(Task.id))
    ).all()
    factions = session.exec(
        select(Faction.name).where(Faction.body_id == cycle.body_id).order_by(Faction.name)
    ).all()
    answers = session.exec(
        select(Faction.name, SurveyAnswer.need)
        .join(Faction, col(SurveyAnswer.faction_id) == Faction.id)
        .where(SurveyAnswer.cycle_id == cycle.id)
        .order_by(col(SurveyAnswer.answered_at), col(Faction.name))
    ).all()
    main = get_strategy_session(cycle, session=session)
    agreed = bool(unresolved_held(cycle, session=session))
    resolution = session.exec(select(Resolution.id).where(Resolution.cycle_id == cycle.id)).first()
    next_cycle = session.exec(
        select(Cycle.id).where(Cycle.body_id == cycle.body_id, Cycle.year == cycle.year + 1)
    ).first()
    budget = session.exec(
        select(col(BudgetResolution.number), col(BudgetResolution.adopted_on)).where(
            BudgetResolution.cycle_id == cycle.id
        )
    ).first()
    return CycleState(
        year=cycle.year,
        status=CycleStatus(cycle.status),
        election_year=cycle.election_year,
        phases=tuple(
            PhaseState(PhaseKind(p.kind), p.opens_on, p.closes_on, PhaseStatus(p.status))
            for p in phases
        ),
        tasks=tuple(
            TaskState(
                id_of(task),
                kinds[deadline.phase_id],
                department or faction,
                deadline.title,
                deadline.due_on,
                TaskStatus(task.status),
            )
            for task, deadline, department, faction in rows
        ),
        factions=tuple(factions),
        answers=tuple((name, need) for name, need in answers),
        session=None
        if main is None
        else SessionState(
            SessionKind(main.kind),
            SessionStatus(main.status),
            agreed or bool(main.change_set and main.change_set.get("changes")),
        ),
        resolution_recorded=resolution is not None,
        next_cycle_exists=next_cycle is not None,
        budget_resolution=None if budget is None else BudgetDecision(*budget),
    )


def per_body_cycles(session: Session) -> list[tuple[Body, Cycle]]:
    """Each body's cycles in motion, body by body (bodies by slug, cycles by year)."""
    found = []
    for body in session.exec(select(Body).order_by(Body.slug)).all():
        for year in session.exec(daily.in_motion(id_of(body))).all():
            cycle = session.exec(
                select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)
            ).one()
            found.append((body, cycle))
    return found


def per_body_pending(
    session: Session, now: dt.datetime, cycles: list[tuple[Body, Cycle]]
) -> tuple[list[daily.Due], dict[int, CycleState]]:
    """What the daily reconcile ran, decided body by body and cycle by cycle; the states."""
    due, states = [], {}
    for body, cycle in cycles:
        states[id_of(cycle)] = state = per_body_state(session, cycle)
        steps = next_steps(state, body.local_date(now))
        due += [(body.slug, cycle.year, kind) for kind in dict.fromkeys(s.phase for s in steps)]
    return due, states


# ------------------------------------------------------------------ the world


def towns(tmp_path: Path) -> list[Path]:
    """Musterstadt, and Fernstadt: a copy with the evaluation in February and a UTC-10 clock.
    Fernstadt elects in 2029 (the retreat instead of the forum). Both with council sessions in
    2029 and the survey due on the last working day of March: Musterstadt's "last Friday of
    March" is Good Friday in 2029, after the window's last working day, which the calendar
    check refuses for that year."""
    made = []
    for slug, changes in (
        ("musterstadt", {}),
        (
            "fernstadt",
            {
                'slug = "musterstadt"': 'slug = "fernstadt"',
                'name = "Stadt Musterstadt"': 'name = "Stadt Fernstadt"',
                'kind = "Stadt"': 'kind = "Stadt"\ntimezone = "Pacific/Honolulu"',
                "of January": "of February",  # the evaluation's window and deadline
                "first_year = 2025": "first_year = 2024",  # 2029 is an election year
            },
        ),
    ):
        target = tmp_path / slug
        shutil.copytree(MUSTERSTADT, target)
        changes = {
            '"last Friday of March"': '"last working day of March"',
            "2030 = [2030-06-13": "2029 = [2029-06-14, 2029-11-22, 2029-12-13]\n2030 = [2030-06-13",
            **changes,
        }
        for name in ("body.toml", "calendar.toml"):
            text = (target / name).read_text(encoding="utf-8")
            for old, new in changes.items():
                text = text.replace(old, new)
            (target / name).write_text(text, encoding="utf-8")
        made.append(target)
    assert "Pacific/Honolulu" in (made[1] / "body.toml").read_text(encoding="utf-8")
    assert "2029-06-14" in (made[1] / "calendar.toml").read_text(encoding="utf-8")
    return made


def play(
    engine: sa.Engine, year: int, tmp_path: Path
) -> tuple[set[daily.Due], float, float, float]:
    """Play `year` for the three bodies; before each day's 06:00 reconcile, compare the
    set-based decisions and states with the per-body ones. Returns the due phases seen and
    the seconds spent on the set-based and the per-body decisions and in all."""
    started = time.perf_counter()
    setup = pendulum.datetime(year - 1, 12, 1, 9, tz="Europe/Berlin")
    actions: dict[dt.date, list[tuple[str, Action]]] = defaultdict(list)
    with session_scope(engine) as session:
        for directory in (LOERRACH, *towns(tmp_path)):
            config = load_body_config(directory)
            body = install_body(config, session=session, now=setup, actor=ACTOR)
            cycle = handle(CreateCycle(year), session=session, body=body, now=setup, actor=ACTOR)
            if directory == LOERRACH:  # the scripted people of the shipped body
                script = load_script(directory / "simulation.toml")
                for action in plan_actions(script, session=session, body=body, cycle=cycle.record):
                    actions[action.day].append((body.slug, action))
    due_seen: set[daily.Due] = set()
    set_based = per_body = 0.0
    day = dt.date(year, 1, 1)
    while day.year == year:
        now, _ = daily.day_instants(day, "Europe/Berlin")  # one instant for every body
        with session_scope(engine) as session:
            clock = time.perf_counter()
            due = daily.pending(session, body=None, year=None, now=now)
            set_based += time.perf_counter() - clock
            clock = time.perf_counter()
            cycles = per_body_cycles(session)
            expected, expected_states = per_body_pending(session, now, cycles)
            per_body += time.perf_counter() - clock
            assert due == expected, day
            states = load_states(session=session, cycle_ids=list(expected_states))
            assert states == expected_states, day
            if due:  # the one-cycle load is the same load; narrowed: the same phases
                for _, cycle in cycles:
                    assert load_state(session=session, cycle=cycle) == states[id_of(cycle)]
                for slug in {slug for slug, _, _ in due}:
                    mine = [d for d in due if d[0] == slug]
                    assert daily.pending(session, body=slug, year=None, now=now) == mine
                    for cycle_year in {d[1] for d in mine}:
                        assert daily.pending(session, body=slug, year=cycle_year, now=now) == [
                            d for d in mine if d[1] == cycle_year
                        ]
        due_seen.update(due)
        daily.reconcile_day(engine, now=now, actor=ACTOR)
        for slug, action in actions.get(day, []):
            with session_scope(engine) as session:
                body = session.exec(select(Body).where(Body.slug == slug)).one()
                cycle = session.exec(
                    select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)
                ).one()
                at = pendulum.datetime(day.year, day.month, day.day, 10, tz=body.timezone)
                perform(action, session=session, body=body, cycle=cycle, now=at, actor=ACTOR)
        day += dt.timedelta(days=1)
    return due_seen, set_based, per_body, time.perf_counter() - started


@pytest.mark.parametrize("year", [2027, 2029])
def test_every_day_the_set_based_decisions_equal_the_per_body_rules(
    year: int, tmp_path: Path, migrated_sqlite: Path
) -> None:
    path = tmp_path / "welt.db"
    shutil.copyfile(migrated_sqlite, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        due_seen, set_based, per_body, total = play(engine, year, tmp_path)
        with session_scope(engine) as session:
            statuses = dict(
                session.execute(
                    sa.select(col(Body.slug), col(Cycle.status))
                    .join(Body, col(Cycle.body_id) == col(Body.id))
                    .where(col(Cycle.year) == year)
                ).all()
            )
            phases = session.execute(
                sa.select(col(Body.slug), col(Phase.kind), col(Phase.status))
                .join(Body, col(Phase.body_id) == col(Body.id))
                .join(Cycle, col(Phase.cycle_id) == col(Cycle.id))
                .where(col(Cycle.year) == year)
            ).all()
    finally:
        engine.dispose()
    print(
        f"\n{year}: {len(due_seen)} phases due; decisions set-based {set_based:.2f} s, "
        f"per body {per_body:.2f} s; the whole year {total:.1f} s"
    )
    # the year was really played: Lörrach's people did their part and its cycle closed; the
    # two towns have no scripted people, so every phase ran its course but the budget
    # resolution, which waits for the council's decision nobody records
    assert statuses == {"fernstadt": "running", "loerrach": "closed", "musterstadt": "running"}
    assert {(slug, kind) for slug, kind, status in phases if status != "closed"} == {
        ("fernstadt", "budget_resolution"),
        ("musterstadt", "budget_resolution"),
    }
    # and every phase of the year's cycles was due on some day (the comparison saw each)
    assert {(slug, kind) for slug, cycle_year, kind in due_seen if cycle_year == year} == {
        (slug, kind) for slug, kind, _ in phases
    }


# ------------------------------------------------------------------ statistics kept fresh


def estimated_rows(engine: sa.Engine, tables: list[str]) -> dict[str, float | None]:
    """The planner's row estimate per table: PostgreSQL's pg_class.reltuples, which is -1
    until the table is analyzed (None on SQLite, which keeps no statistics here)."""
    if engine.dialect.name != "postgresql":
        with engine.connect() as connection:
            kept = connection.execute(
                sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
        assert kept == 0  # SQLite: no statistics written, so none that could go stale
        return dict.fromkeys(tables)
    query = sa.text(
        "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relname IN :names"
        " AND relnamespace = current_schema()::regnamespace"
    ).bindparams(sa.bindparam("names", expanding=True))
    with engine.connect() as connection:
        return dict(connection.execute(query, {"names": tables}).all())  # type: ignore[arg-type]


def counted(engine: sa.Engine, tables: list[str]) -> dict[str, float | None]:
    if engine.dialect.name != "postgresql":
        return dict.fromkeys(tables)
    with engine.connect() as connection:
        return {
            table: float(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in tables
        }


INSTALLED = ["audit_event", "body", "department", "faction", "key_figure", "strategy_version"]


@pytest.mark.both_databases
def test_init_analyzes_the_tables_it_wrote(engine: sa.Engine) -> None:
    from tests.conftest import install

    install(engine, LOERRACH)
    assert estimated_rows(engine, INSTALLED) == counted(engine, INSTALLED)


@pytest.mark.both_databases
def test_a_budget_import_analyzes_its_lines(engine: sa.Engine, tmp_path: Path) -> None:
    from services.budget_import import import_budget
    from services.cycles import create_cycle
    from tests.conftest import NOW, install

    body = install(engine, LOERRACH)
    data = (LOERRACH / "budget-example.csv").read_bytes()
    with session_scope(engine) as session:
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="test")
        import_budget(session, body, data, "h.csv", year=None, kind=None, actor="t", now=NOW)
    tables = ["budget_import", "budget_line"]
    assert estimated_rows(engine, tables) == counted(engine, tables)
    if engine.dialect.name == "postgresql":
        assert counted(engine, tables)["budget_line"] > 0


@pytest.mark.both_databases
def test_a_busy_morning_analyzes_what_the_reconcile_wrote(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.cycles import create_cycle
    from tests.conftest import NOW, install

    body = install(engine, LOERRACH)
    with session_scope(engine) as session:
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="test")
    tables = ["task", "phase"]
    if engine.dialect.name == "postgresql":  # the cycle's tasks exist, but were never analyzed
        assert estimated_rows(engine, tables) == {"task": -1.0, "phase": -1.0}
    monkeypatch.setattr(daily, "ANALYZE_AFTER_EVENTS", 20)  # Lörrach alone is a busy morning
    opening, _ = daily.day_instants(dt.date(2027, 2, 1), "Europe/Berlin")  # evaluation opens
    events = daily.reconcile_day(engine, now=opening, actor=ACTOR)
    assert len([e for e in events if e["event"] == "task_opened"]) >= 20
    assert estimated_rows(engine, tables) == counted(engine, tables)


# ------------------------------------------------------------------ opening in bulk


def snapshot(session: Session, after_audit: int) -> tuple[list[Any], list[Any]]:
    """Every cycle's, phase's and task's status, and the audit events written since."""
    rows = []
    for table in ("cycle", "phase", "task"):
        extra = ", updated_at" if table == "task" else ""
        rows += [
            (table, *row)
            for row in session.execute(
                sa.text(f"SELECT id, status{extra} FROM {table} ORDER BY id")
            ).all()
        ]
    audit = session.execute(
        sa.select(
            col(AuditEvent.body_id),
            col(AuditEvent.at),
            col(AuditEvent.actor),
            col(AuditEvent.action),
            col(AuditEvent.entity),
            col(AuditEvent.entity_id),
            col(AuditEvent.before),
            col(AuditEvent.after),
        )
        .where(col(AuditEvent.id) > after_audit)
        .order_by(col(AuditEvent.id))
    ).all()
    return rows, [tuple(row) for row in audit]


@pytest.mark.both_databases
def test_opening_in_bulk_writes_what_the_per_body_steps_write(
    engine: sa.Engine, tmp_path: Path
) -> None:
    setup = pendulum.datetime(2026, 12, 1, 9, tz="Europe/Berlin")
    with session_scope(engine) as session:
        for directory in (LOERRACH, *towns(tmp_path)):
            body = install_body(
                load_body_config(directory), session=session, now=setup, actor=ACTOR
            )
            handle(CreateCycle(2027), session=session, body=body, now=setup, actor=ACTOR)
    # the evaluations open: Musterstadt's on 4 January 2027, Lörrach's on 1 February, and
    # Fernstadt's on its 1 February, which is Germany's 2 February at 06:00; each cycle starts
    for day in (dt.date(2027, 1, 4), dt.date(2027, 2, 1), dt.date(2027, 2, 2)):
        now, _ = daily.day_instants(day, "Europe/Berlin")
        with session_scope(engine) as session:
            decided = daily.decide(session, body=None, year=None, now=now)
            marker = session.execute(sa.select(sa.func.max(col(AuditEvent.id)))).scalar_one()
        openings = [
            Opening(d.body_id, d.today, d.cycle_id, d.year, d.steps)
            for d in decided
            if in_bulk(d.steps)
        ]
        assert openings, day
        with Session(engine) as session:  # in bulk, rolled back
            bulk = open_in_bulk(session, openings, now=now, actor=ACTOR)
            bulk_written = snapshot(session, marker)
            session.rollback()
        with Session(engine) as session:  # step by step, body by body, rolled back
            per_body = []
            for d in decided:
                if not in_bulk(d.steps):
                    continue
                row = session.exec(select(Body).where(Body.id == d.body_id)).one()
                for kind in dict.fromkeys(step.phase for step in d.steps):
                    per_body += reconcile(
                        session=session, body=row, year=d.year, now=now, actor=ACTOR, only=kind
                    )
            per_body_written = snapshot(session, marker)
            session.rollback()
        assert [e.as_dict() for e in bulk] == [e.as_dict() for e in per_body], day
        assert any(e.event == "task_opened" for e in bulk)
        assert bulk_written == per_body_written, day
        # the morning as the daily runs it: the bulk first, then the rest; a second run of
        # the same morning opens nothing twice
        events = daily.reconcile_day(engine, now=now, actor=ACTOR)
        assert [e for e in events if e in [b.as_dict() for b in bulk]] == [
            b.as_dict() for b in bulk
        ]
        with Session(engine) as session:
            assert open_in_bulk(session, openings, now=now, actor=ACTOR) == []
        assert daily.reconcile_day(engine, now=now, actor=ACTOR) == []


def test_a_year_reconciled_in_bulk_ends_as_the_year_reconciled_body_by_body(
    tmp_path: Path, migrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2027 for the three bodies (no scripted people), once with the bulk opening and once
    without: every day the same events and in the end the same rows and audit trail."""
    engines = []
    for name in ("bulk", "per-body"):
        path = tmp_path / f"{name}.db"
        shutil.copyfile(migrated_sqlite, path)
        engines.append(make_engine(f"sqlite:///{path}"))
    opened_in_bulk: list[Event] = []

    def counted_bulk(*args: Any, **kwargs: Any) -> list[Event]:
        opened = open_in_bulk(*args, **kwargs)
        opened_in_bulk.extend(opened)
        return opened

    monkeypatch.setattr(daily, "open_in_bulk", counted_bulk)
    setup = pendulum.datetime(2026, 12, 1, 9, tz="Europe/Berlin")
    try:
        for index, engine in enumerate(engines):
            with session_scope(engine) as session:
                (tmp_path / str(index)).mkdir()
                for directory in (LOERRACH, *towns(tmp_path / str(index))):
                    config = load_body_config(directory)
                    body = install_body(config, session=session, now=setup, actor=ACTOR)
                    handle(CreateCycle(2027), session=session, body=body, now=setup, actor=ACTOR)
        day = dt.date(2027, 1, 1)
        while day.year == 2027:
            now, _ = daily.day_instants(day, "Europe/Berlin")
            bulk, per_body = (
                daily.reconcile_day(engine, now=now, actor=ACTOR, bulk=flag)
                for engine, flag in zip(engines, (True, False), strict=True)
            )
            assert sorted(map(str, bulk)) == sorted(map(str, per_body)), day
            day += dt.timedelta(days=1)
        written = []
        for engine in engines:
            with Session(engine) as session:
                installed = session.execute(  # the installation names its own directory
                    sa.select(sa.func.max(col(AuditEvent.id))).where(
                        col(AuditEvent.action) == "body.installed"
                    )
                ).scalar_one()
                rows, audit = snapshot(session, installed)
                written.append((rows, sorted(map(str, audit))))
        assert written[0] == written[1]
        # the bulk opened the evaluations (and started the cycles) and the later phases but
        # the towns' surveys, which open per body with their invitations
        opened = {(e.phase, e.event) for e in opened_in_bulk}
        assert (PhaseKind.evaluation, "cycle_started") in opened
        assert (PhaseKind.evaluation, "task_opened") in opened
        assert PhaseKind.survey not in {phase for phase, _ in opened}
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_dailies_at_once_open_nothing_twice(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reconciles of the same morning at the same time (a retried run beside the first),
    both having decided on the same state before either writes: the conditional UPDATEs let
    one of them open each row (the other waits for its row locks, then finds them moved);
    every task is opened and audited once, and the events of both are those of one morning."""
    import threading

    decided = threading.Barrier(2)

    def after_both_decided(*args: Any, **kwargs: Any) -> list[Event]:
        decided.wait(timeout=30)
        return open_in_bulk(*args, **kwargs)

    monkeypatch.setattr(daily, "open_in_bulk", after_both_decided)

    setup = pendulum.datetime(2026, 12, 1, 9, tz="Europe/Berlin")
    with session_scope(engine) as session:
        for directory in (LOERRACH, *towns(tmp_path)):
            body = install_body(
                load_body_config(directory), session=session, now=setup, actor=ACTOR
            )
            handle(CreateCycle(2027), session=session, body=body, now=setup, actor=ACTOR)
    now, _ = daily.day_instants(dt.date(2027, 2, 1), "Europe/Berlin")  # Lörrach's evaluation
    start = threading.Barrier(2)
    results: list[list[dict[str, str]]] = []
    errors: list[BaseException] = []

    def morning() -> None:
        start.wait()
        try:
            results.append(daily.reconcile_day(engine, now=now, actor=ACTOR))
        except BaseException as error:  # reported below, with the thread's traceback
            errors.append(error)

    threads = [threading.Thread(target=morning) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    both = results[0] + results[1]
    opened = [e for e in both if e["event"] == "task_opened"]
    assert len(opened) == len({e["detail"] for e in opened}) > 20  # each task once
    with Session(engine) as session:
        audited = session.execute(
            sa.select(col(AuditEvent.entity), col(AuditEvent.entity_id), sa.func.count())
            .where(col(AuditEvent.action).in_(["task.open", "phase.open", "cycle.running"]))
            .group_by(col(AuditEvent.entity), col(AuditEvent.entity_id))
        ).all()
        tasks_open = session.execute(
            sa.select(sa.func.count()).select_from(Task).where(col(Task.status) == "open")
        ).scalar_one()
    assert {count for _, _, count in audited} == {1}
    assert len([row for row in audited if row[0] == "task"]) == tasks_open == len(opened)
    monkeypatch.setattr(daily, "open_in_bulk", open_in_bulk)  # a third run, alone: nothing
    assert daily.reconcile_day(engine, now=now, actor=ACTOR) == []
