"""The budget resolution (Haushaltsbeschluss) is a recorded decision, not a date.

The rule (pure): the budget phase closes only with the recorded resolution; after the year's
last council session without one the phase and the cycle stay open, next year's cycle is
created all the same, and from 1 January the body runs a provisional budget (§ 83 GemO BW).
The decision (Lörrach's 2027 cycle, reconciled to the budget phase with every plan accepted):
each refusal names what is missing and writes nothing; the happy path writes the resolution
and its amendments, completes the phase's task, and the next tick closes phase and cycle.
Then the CLI with an amendments file, and the admin form with its confirmation step.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from models.audit import AuditEvent
from models.body import Body
from models.budget_resolution import BudgetAmendment, BudgetResolution
from models.calendar_rules import Delivery, PhaseKind
from models.commands import (
    BudgetAmendmentInput,
    Command,
    CreateCycle,
    RecordBudgetResolution,
    ReviewTask,
)
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.db import session_scope
from models.errors import ConflictError, KreislaufError
from models.organisation import Department
from models.reconcile import (
    BudgetDecision,
    CycleState,
    PhaseState,
    Step,
    next_steps,
    provisional_budget_since,
)
from services.commands import Outcome, handle
from services.reconcile import reconcile
from tests.conftest import NOW, Cli, row_counts

D = dt.date
K = PhaseKind
ADMIN = "cli:verwaltung"
GROUP = BudgetAmendmentInput("11.20", Decimal(0), Decimal("50000.00"), "Digitale Bürgerdienste")


def at(month: int, day: int, year: int = 2027, hour: int = 10) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, tz="Europe/Berlin")


# --------------------------------------------------------------------------- the rule (pure)


def budget_state(
    *, status: PhaseStatus = PhaseStatus.open, decision: BudgetDecision | None = None, **facts
) -> CycleState:
    """The 2027 cycle in its budget phase (01.10. to the session of 15.12.2027)."""
    phase = PhaseState(K.budget_resolution, D(2027, 10, 1), D(2027, 12, 15), status)
    return CycleState(
        year=2027,
        status=CycleStatus.running,
        election_year=False,
        phases=(phase,),
        budget_resolution=decision,
        **facts,
    )


def test_without_a_resolution_the_budget_phase_stays_open_but_next_year_is_created() -> None:
    state = budget_state()
    assert next_steps(state, D(2027, 12, 15)) == []  # the session's day: not yet
    assert next_steps(state, D(2027, 12, 16)) == [Step("create_next_cycle", K.budget_resolution)]
    assert next_steps(state, D(2028, 2, 1)) == [Step("create_next_cycle", K.budget_resolution)]
    assert next_steps(budget_state(next_cycle_exists=True), D(2028, 2, 1)) == []


def test_the_recorded_resolution_closes_the_phase_and_the_cycle_even_after_the_window() -> None:
    state = budget_state(
        decision=BudgetDecision("HH/2027/012", D(2028, 1, 20)), next_cycle_exists=True
    )
    assert next_steps(state, D(2028, 1, 21)) == [
        Step(
            "close_phase",
            K.budget_resolution,
            reason="Haushalt beschlossen: Nr. HH/2027/012 vom 20.01.2028",
        ),
        Step("close_cycle", K.budget_resolution),
    ]


def test_provisional_budget_management_from_1_january_until_the_resolution() -> None:
    state = budget_state()
    assert provisional_budget_since(state, D(2027, 12, 16)) is None  # the old budget runs
    assert provisional_budget_since(state, D(2028, 1, 1)) == D(2028, 1, 1)
    assert provisional_budget_since(state, D(2028, 3, 9)) == D(2028, 1, 1)
    recorded = budget_state(decision=BudgetDecision("HH/2027/012", D(2028, 1, 20)))
    assert provisional_budget_since(recorded, D(2028, 3, 9)) is None
    # closed by the date before resolutions were recorded, or no budget phase at all: never
    assert provisional_budget_since(budget_state(status=PhaseStatus.closed), D(2028, 3, 9)) is None
    without = CycleState(2027, CycleStatus.running, False, phases=())
    assert provisional_budget_since(without, D(2028, 3, 9)) is None


# --------------------------------------------------------------------------- checks when built


@pytest.mark.parametrize(
    "build, field, words",
    [
        (lambda: RecordBudgetResolution(2027, "  ", D(2027, 12, 15)), "number", "Beschlussnummer"),
        (
            lambda: BudgetAmendmentInput("11.20", Decimal(0), Decimal(1), " ", "amendments[1]"),
            "amendments[1].note",
            "begründen",
        ),
        (
            lambda: BudgetAmendmentInput("11.20", Decimal("1e12") + 1, Decimal(0), "x"),
            "amendments.income_change",
            "zu groß",
        ),
        (
            lambda: BudgetAmendmentInput("11.20", Decimal(0), Decimal("-0.001"), "x"),
            "amendments.expenses_change",
            "zwei Nachkommastellen",
        ),
        (
            lambda: BudgetAmendmentInput("Digitales", Decimal(0), Decimal(0), "x"),
            "amendments.product_group",
            "keine Produktgruppe",
        ),
        (
            lambda: BudgetAmendmentInput("11.20", Decimal(0), Decimal(0), "x" * 2001),
            "amendments.note",
            "zu lang",
        ),
        (
            lambda: RecordBudgetResolution(2027, "HH/1", D(2027, 12, 15), (GROUP, GROUP)),
            "amendments[1].product_group",
            "zweimal",
        ),
    ],
)
def test_a_command_with_bad_input_is_refused_when_built_naming_its_field(
    build, field: str, words: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KreislaufError) as caught:
        build()
    assert caught.value.field == field
    assert words in caught.value.message


def test_negative_changes_with_cents_are_amounts() -> None:
    amendment = BudgetAmendmentInput(" 36.30 ", "-1250.5", 0, " Kürzung ")  # type: ignore[arg-type]
    assert (amendment.product_group, amendment.income_change, amendment.note) == (
        "36.30",
        Decimal("-1250.50"),
        "Kürzung",
    )


# --------------------------------------------------------------------------- the decision


def decide(engine: sa.Engine, body: Body, command: Command, when: dt.datetime) -> Outcome:
    with session_scope(engine) as session:
        return handle(command, session=session, body=body, now=when, actor=ADMIN)


def tick(engine: sa.Engine, body: Body, when: dt.datetime, year: int = 2027) -> None:
    with session_scope(engine) as session:
        reconcile(session=session, body=body, year=year, now=when, actor="flow")


def plan_tasks(engine: sa.Engine) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        return [
            (task_id, key)
            for task_id, key in session.exec(
                select(Task.id, Department.key)
                .join(Deadline, col(Task.deadline_id) == Deadline.id)
                .join(Department, col(Task.department_id) == Department.id)
                .where(Deadline.delivers == Delivery.planning.value)
            ).all()
            if task_id is not None
        ]


def deliver(engine: sa.Engine, body: Body, task_id: int, when: dt.datetime) -> None:
    """The department's plans, as a planner hands them in (each Teilhaushalt's workbook as
    prefilled and completed: services.scripted_deliveries)."""
    from services.scripted_deliveries import deliveries

    with session_scope(engine) as session:
        task = session.get_one(Task, task_id)
        commands = deliveries(task, session=session, body=body, year=2027, today=when.date())
    assert commands, "the planning task takes the plans"
    for command in commands:
        decide(engine, body, command, when)


def to_budget_phase(
    engine: sa.Engine,
    body: Body,
    *,
    missing: tuple[str, ...] = (),
    submitted_only: tuple[str, ...] = (),
    create: bool = True,
) -> None:
    """Lörrach's 2027 cycle on 1 October: every plan accepted but those named."""
    if create:
        decide(engine, body, CreateCycle(2027), NOW)
    tick(engine, body, at(9, 1, hour=6))
    for task_id, key in plan_tasks(engine):
        if key in missing:
            continue
        deliver(engine, body, task_id, at(9, 2))
        if key not in submitted_only:
            decide(engine, body, ReviewTask(task_id, accept=True), at(9, 3))
    tick(engine, body, at(10, 1, hour=6))


@pytest.fixture
def budget_2027(engine: sa.Engine, loerrach: Body) -> Body:
    to_budget_phase(engine, loerrach)
    return loerrach


def budget_phase(session) -> Phase:  # type: ignore[no-untyped-def]
    return session.exec(
        select(Phase)
        .join(Cycle, col(Phase.cycle_id) == Cycle.id)
        .where(Phase.kind == "budget_resolution", Cycle.year == 2027)
    ).one()


def refused(
    engine: sa.Engine, body: Body, command: Command, when: dt.datetime, error: type
) -> KreislaufError:
    before = row_counts(engine)
    with pytest.raises(error) as caught:
        decide(engine, body, command, when)
    assert row_counts(engine) == before
    return caught.value


def adopt(number: str = "HH/2027/012", on: D = D(2027, 12, 15)) -> RecordBudgetResolution:
    cut = BudgetAmendmentInput(
        "36.30", Decimal("1250.50"), Decimal(0), "Landeszuschuss höher", "a[1]"
    )
    return RecordBudgetResolution(2027, number, on, (GROUP, cut))


@pytest.mark.both_databases
def test_the_recorded_resolution_closes_phase_and_cycle_on_the_next_tick(
    engine: sa.Engine, budget_2027: Body
) -> None:
    outcome = decide(engine, budget_2027, adopt(), at(12, 15, hour=18))
    assert outcome.flow == "budget-resolution"
    # the phase's tasks: the draft's introduction and deliberation and the resolution itself,
    # all done when the council adopts the budget
    # with it the accepted plans are adopted, and the phase's tasks (the draft's
    # introduction and deliberation and the resolution itself) are done
    assert [event.event for event in outcome.events] == [
        "budget_resolution_adopted",
        "plans_adopted",
        "task_accepted",
        "task_accepted",
        "task_accepted",
    ]
    assert all(
        "Haushaltsbeschluss Nr. HH/2027/012 vom 15.12.2027" in event.detail
        for event in outcome.events[2:]
    )
    with session_scope(engine) as session:
        resolution = session.exec(select(BudgetResolution)).one()
        amendments = session.exec(
            select(BudgetAmendment).order_by(col(BudgetAmendment.expenses_change))
        ).all()
        audit = session.exec(
            select(AuditEvent).where(AuditEvent.action == "budget_resolution.recorded")
        ).one()
        phase = budget_phase(session)
        tasks = session.exec(select(Task).join(Deadline).where(Deadline.phase_id == phase.id)).all()
    assert (resolution.plan_year, resolution.number, resolution.actor) == (
        2028,
        "HH/2027/012",
        ADMIN,
    )
    assert [(a.income_change, a.expenses_change) for a in amendments] == [
        (Decimal("1250.50"), Decimal("0.00")),
        (Decimal("0.00"), Decimal("50000.00")),
    ]
    assert audit.after is not None and audit.after["amendments"][0]["expenses_change"] == "50000.00"
    assert {TaskStatus(task.status) for task in tasks} == {TaskStatus.accepted}
    assert PhaseStatus(phase.status) == PhaseStatus.open  # the tick closes it

    tick(engine, budget_2027, at(12, 16, hour=6))
    with session_scope(engine) as session:
        phase = budget_phase(session)
        cycles = {c.year: CycleStatus(c.status) for c in session.exec(select(Cycle)).all()}
    assert phase.outcome == "Haushalt beschlossen: Nr. HH/2027/012 vom 15.12.2027"
    assert cycles == {2027: CycleStatus.closed, 2028: CycleStatus.planned}


@pytest.mark.both_databases
def test_every_refusal_names_what_is_missing_and_writes_nothing(
    engine: sa.Engine, budget_2027: Body
) -> None:
    too_early = refused(engine, budget_2027, adopt(on=D(2027, 9, 30)), at(9, 30), ConflictError)
    assert "beginnt erst am 01.10.2027" in too_early.message
    future = refused(engine, budget_2027, adopt(on=D(2027, 12, 16)), at(12, 15), KreislaufError)
    assert (future.field, future.message) == ("adopted_on", "16.12.2027 liegt in der Zukunft.")
    before = refused(engine, budget_2027, adopt(on=D(2027, 9, 30)), at(12, 15), KreislaufError)
    assert before.field == "adopted_on" and "vor Beginn der Phase" in before.message
    unknown = BudgetAmendmentInput("99.99", Decimal(0), Decimal(1), "x", "amendments[0]")
    command = RecordBudgetResolution(2027, "HH/1", D(2027, 12, 15), (unknown,))
    error = refused(engine, budget_2027, command, at(12, 15), KreislaufError)
    assert error.field == "amendments[0].product_group"
    assert "Die Produktgruppe 99.99 gibt es im Produktplan nicht" in error.message
    # a cut below what the plan asked for would make the adopted budget negative
    cut = BudgetAmendmentInput("11.20", Decimal("-999999999"), Decimal(0), "x", "amendments[0]")
    command = RecordBudgetResolution(2027, "HH/1", D(2027, 12, 15), (cut,))
    error = refused(engine, budget_2027, command, at(12, 15), KreislaufError)
    assert error.field == "amendments[0].income_change"
    assert "negative Erträge" in error.message

    decide(engine, budget_2027, adopt(), at(12, 15))
    second = refused(engine, budget_2027, adopt("HH/2027/013"), at(12, 16), ConflictError)
    assert "bereits der Haushaltsbeschluss Nr. HH/2027/012 vom 15.12.2027" in second.message
    tick(engine, budget_2027, at(12, 16, hour=6))
    closed = refused(engine, budget_2027, adopt("HH/2027/013"), at(12, 17), ConflictError)
    assert "abgeschlossen" in closed.message


@pytest.mark.both_databases
def test_a_concurrent_second_resolution_collides_on_the_unique_key(
    engine: sa.Engine, budget_2027: Body
) -> None:
    """The check passed in both transactions; the second insert hits the unique key and is
    refused like a second resolution, naming the first."""
    from services.budget_resolution import _write

    decide(engine, budget_2027, adopt(), at(12, 15))
    before = row_counts(engine)
    with pytest.raises(ConflictError) as caught, session_scope(engine) as session:
        cycle = session.exec(select(Cycle).where(Cycle.year == 2027)).one()
        groups = {"11.20": 1, "36.30": 2}
        _write(adopt("HH/2027/099"), cycle, groups, session=session, now=at(12, 15), actor=ADMIN)
    assert "Nr. HH/2027/012 vom 15.12.2027" in caught.value.message
    assert row_counts(engine) == before


def test_the_plans_must_all_be_accepted_naming_each_missing_department(
    engine: sa.Engine, loerrach: Body
) -> None:
    to_budget_phase(engine, loerrach, missing=("jugend",), submitted_only=("umwelt",))
    error = refused(engine, loerrach, adopt(), at(12, 15), ConflictError)
    assert "Fachbereich Jugend und Familie (versäumt)" in error.message
    assert "Fachbereich Umwelt (eingereicht)" in error.message
    assert "Soziales" not in error.message


def test_without_a_resolution_the_cycle_stays_open_and_next_year_starts(
    engine: sa.Engine, budget_2027: Body
) -> None:
    from services.cycle_views import cycle_view

    tick(engine, budget_2027, at(12, 16, hour=6))
    with session_scope(engine) as session:
        cycles = {c.year: CycleStatus(c.status) for c in session.exec(select(Cycle)).all()}
        view = cycle_view(session=session, body=budget_2027, year=2027, today=D(2028, 1, 5))
    assert cycles == {2027: CycleStatus.running, 2028: CycleStatus.planned}
    assert view.provisional_budget_since == D(2028, 1, 1)
    assert any("vorläufige Haushaltsführung seit 01.01.2028" in line for line in view.decisions)
    tick(engine, budget_2027, at(2, 1, year=2028, hour=6), year=2028)  # next year runs
    decide(engine, budget_2027, adopt(on=D(2028, 1, 20)), at(1, 20, year=2028))
    tick(engine, budget_2027, at(1, 21, year=2028, hour=6))
    with session_scope(engine) as session:
        cycle = session.exec(select(Cycle).where(Cycle.year == 2027)).one()
        view = cycle_view(session=session, body=budget_2027, year=2027, today=D(2028, 1, 21))
    assert CycleStatus(cycle.status) == CycleStatus.closed
    assert view.provisional_budget_since is None
    assert "Haushaltsbeschluss Nr. HH/2027/012 vom 20.01.2028 (Haushalt 2028): 2 Änderungen" in (
        view.decisions
    )


# --------------------------------------------------------------------------- CLI

GOOD_FILE = """
[[amendments]]
product_group = "11.20"
expenses = 50000
income = 0
note = "Digitale Bürgerdienste"

[[amendments]]
product_group = "36.30"
income = 1250.50
note = "Landeszuschuss höher"
"""
BAD_FILE = GOOD_FILE.replace("income = 1250.50", 'income = 1250.50\nexpenses = "viel"')


def test_the_cli_records_the_resolution_from_an_amendments_file(
    engine: sa.Engine, budget_2027: Body, cli: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "falsch.toml"
    bad.write_text(BAD_FILE, encoding="utf-8")
    before = row_counts(engine)
    args = ("budget", "adopt", "2027", "--number", "HH/2027/012", "--on", "2027-12-15")
    result = cli(*args, "--amendments", str(bad))
    assert result.exit_code == 2
    assert "falsch.toml" in result.stderr and "amendments[1].expenses" in result.stderr
    assert "kein Betrag" in result.stderr and "Traceback" not in result.output
    assert row_counts(engine) == before

    good = tmp_path / "aenderungen.toml"
    good.write_text(GOOD_FILE, encoding="utf-8")
    result = cli(*args, "--amendments", str(good))
    assert result.exit_code == 0, result.output
    assert "Haushaltsbeschluss Nr. HH/2027/012 vom 15.12.2027 festgehalten" in result.stdout
    assert "(Haushalt 2028, 2 Änderungen)" in result.stdout
    again = cli(*args)
    assert again.exit_code == 1
    assert "bereits der Haushaltsbeschluss Nr. HH/2027/012" in again.stderr
    status = cli("status", "2027", "--on", "2027-12-16")
    assert "Haushaltsbeschluss Nr. HH/2027/012 vom 15.12.2027 (Haushalt 2028): 2 Änderungen" in (
        status.stdout
    )


def test_status_shows_provisional_budget_management(
    engine: sa.Engine, budget_2027: Body, cli: Cli
) -> None:
    tick(engine, budget_2027, at(12, 16, hour=6))
    status = cli("status", "2027", "--on", "2028-01-05")
    assert status.exit_code == 0, status.output
    assert "vorläufige Haushaltsführung seit 01.01.2028" in status.stdout


# --------------------------------------------------------------------------- web


def test_the_admin_form_records_the_resolution_after_a_confirmation_step(
    database_url: str, engine: sa.Engine, loerrach: Body
) -> None:
    from fastapi.testclient import TestClient

    from tests.webworld import PASSWORD, Clock, RecordingFlows, build_world, csrf_of, visible_text
    from web.app import create_app
    from web.settings import WebSettings

    build_world(engine)
    to_budget_phase(engine, loerrach, create=False)
    # January 2028: no budget resolution recorded yet, the body runs a provisional budget
    clock, flows = Clock(at(1, 10, year=2028)), RecordingFlows()
    app = create_app(WebSettings(database_url=database_url), clock=clock, flows=flows)
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    client.post(
        "/login", data={"username": "verwaltung", "password": PASSWORD, "csrf_token": token}
    )
    overview = visible_text(client.get("/cycles/2027").text)
    assert "Vorläufige Haushaltsführung seit 01.01.2028 (§ 83 GemO BW)" in overview
    token = csrf_of(client.get("/admin").text)
    form = {
        "csrf_token": token,
        "year": "2027",
        "number": "HH/2027/012",
        "date": "2027-12-15",
        "product_group": ["11.20", "", "99.99"],
        "expenses": ["50.000,00", "", "1"],
        "income": ["", "", ""],
        "note": ["Digitale Bürgerdienste", "", "unbekannt"],
    }
    before = row_counts(engine)
    wrong = client.post("/admin/budget-resolution/preview", data=form)
    assert wrong.status_code == 400
    assert 'id="fehler-budget-product_group-2"' in wrong.text  # beside its field
    assert "Die Produktgruppe 99.99 gibt es im Produktplan nicht" in visible_text(wrong.text)

    form.update(
        product_group=["11.20", "", ""],
        expenses=["50.000,00", "", ""],
        note=["Digitale Bürgerdienste", "", ""],
    )
    preview = client.post("/admin/budget-resolution/preview", data=form)
    text = visible_text(preview.text)
    assert preview.status_code == 200
    assert "Bitte prüfen: Haushaltsbeschluss Nr. HH/2027/012 vom 15.12.2027" in text
    assert "11.20" in text and "+50.000,00 €" in text
    assert row_counts(engine) == before  # nothing recorded before the confirmation
    back = client.post("/admin/budget-resolution/preview", data={**form, "edit": "1"})
    assert 'value="HH/2027/012"' in back.text and "Digitale Bürgerdienste</textarea>" in back.text

    confirmed = client.post(
        "/admin/budget-resolution", data={**form, "csrf_token": csrf_of(preview.text)}
    )
    assert "Haushaltsbeschluss Nr. HH/2027/012 festgehalten" in visible_text(confirmed.text)
    assert flows.started == [("budget-resolution", "loerrach", 2027)]
    with session_scope(engine) as session:
        amendment = session.exec(select(BudgetAmendment)).one()
    assert amendment.expenses_change == Decimal("50000.00")
    overview = visible_text(client.get("/cycles/2027").text)
    assert "Vorläufige Haushaltsführung" not in overview
    assert (
        "Haushaltsbeschluss Nr. HH/2027/012 vom 15.12.2027 (Haushalt 2028): 1 Änderung" in overview
    )


def test_the_cli_names_an_unknown_product_group_by_file_and_entry(
    engine: sa.Engine, budget_2027: Body, cli: Cli, tmp_path: Path
) -> None:
    unknown = tmp_path / "unbekannt.toml"
    unknown.write_text(GOOD_FILE.replace('"36.30"', '"99.99"'), encoding="utf-8")
    before = row_counts(engine)
    result = cli(
        "budget", "adopt", "2027", "--number", "HH/2027/012", "--on", "2027-12-15",
        "--amendments", str(unknown),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--amendments: unbekannt.toml, amendments[1].product_group: Die Produktgruppe 99.99" in (
        result.stderr
    )
    assert row_counts(engine) == before
