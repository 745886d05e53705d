"""Operational planning: a Teilhaushalt's plan goes out as a workbook, comes back, is checked
whole, reviewed, and the department's planning task follows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.cycle import Deadline, Task, TaskStatus
from models.db import session_scope
from models.errors import ConflictError
from models.organisation import Department
from models.planning import Plan, PlanStatus
from models.workbook_layout import SubmissionInvalid
from tests.conftest import row_counts
from tests.planning_world import edit, filled, planning_open, review, submit, template


def task_status(engine: sa.Engine) -> TaskStatus:
    with session_scope(engine) as session:
        task = session.exec(
            select(Task)
            .join(Deadline, Deadline.id == Task.deadline_id)  # type: ignore[arg-type]
            .join(Department, Department.id == Task.department_id)  # type: ignore[arg-type]
            .where(Deadline.key == "planung", Department.key == "gebaeude")
        ).one()
        return TaskStatus(task.status)


@pytest.mark.both_databases
def test_submitted_plan_moves_the_task_and_review_accepts_it(engine, loerrach) -> None:
    at = planning_open(engine, loerrach)
    assert task_status(engine) == TaskStatus.open
    outcome = submit(engine, loerrach, filled(template(engine, loerrach)), at)
    assert outcome.record.attempt == 1
    assert task_status(engine) == TaskStatus.submitted
    review(engine, loerrach, at, accept=True)
    assert task_status(engine) == TaskStatus.accepted
    with session_scope(engine) as session:
        plan = session.exec(select(Plan)).one()
        assert PlanStatus(plan.status) == PlanStatus.accepted and plan.plan_year == 2028


def test_returned_plan_reopens_the_task_and_the_template_keeps_the_plan(engine, loerrach) -> None:
    at = planning_open(engine, loerrach)
    submit(engine, loerrach, filled(template(engine, loerrach)), at)
    review(engine, loerrach, at, accept=False, comment="Kosten der Wärmepumpe belegen")
    assert task_status(engine) == TaskStatus.returned
    again = template(engine, loerrach)
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(again))
    assert book["Maßnahmen"].cell(4, 2).value == "Wärmepumpe Gewerbeschule"
    outcome = submit(engine, loerrach, again, at)
    assert outcome.record.attempt == 2
    assert task_status(engine) == TaskStatus.submitted


def test_a_submitted_plan_takes_no_second_file(engine, loerrach) -> None:
    at = planning_open(engine, loerrach)
    data = filled(template(engine, loerrach))
    submit(engine, loerrach, data, at)
    with pytest.raises(ConflictError, match="wartet auf Prüfung"):
        submit(engine, loerrach, data, at)


def test_before_the_phase_opens_nothing_is_taken(engine, loerrach) -> None:
    from services.cycles import create_cycle
    from tests.conftest import NOW

    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="test")
    data = filled(template(engine, loerrach))
    with pytest.raises(ConflictError, match="noch nicht fällig"):
        submit(engine, loerrach, data, NOW)


def bad(engine, loerrach, change) -> str:  # type: ignore[no-untyped-def]
    at = planning_open(engine, loerrach)
    data = edit(filled(template(engine, loerrach)), change)
    before = row_counts(engine)
    with pytest.raises(SubmissionInvalid) as raised:
        submit(engine, loerrach, data, at)
    assert row_counts(engine) == before
    assert task_status(engine) == TaskStatus.open
    return str(raised.value)


def test_goal_without_priority_is_refused(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        book["Leistungsziele"].cell(4, 3).value = None

    text = bad(engine, loerrach, change)
    assert "Leistungsziele Zeile 4, Spalte C (Schwerpunkt): kein Schwerpunkt" in text


def test_goal_with_unknown_priority_is_refused(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        book["Leistungsziele"].cell(4, 3).value = "mobilitaet.99"

    text = bad(engine, loerrach, change)
    assert "Spalte C (Schwerpunkt): den Schwerpunkt „mobilitaet.99“ gibt es nicht" in text


def test_goal_with_unknown_priority_is_the_only_problem_its_measure_gets(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        book["Leistungsziele"].cell(4, 3).value = "mobilitaet.99"

    text = bad(engine, loerrach, change)
    assert "Ziel-Nr." not in text  # the measure names goal 1, which is on the sheet


def test_an_empty_request_or_a_measure_without_owner_and_dates_is_refused(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        measures = book["Maßnahmen"]
        for column in (3, 4, 5):
            measures.cell(4, column).value = None
        book["Haushalt"].cell(5, 6).value = None  # Aufwendungen 2028 of 11.24

    text = bad(engine, loerrach, change)
    assert "Maßnahmen Zeile 4, Spalte C (Verantwortlich): wer verantwortet" in text
    assert "Spalte D (Beginn): Beginn fehlt" in text and "Spalte E (Ende): Ende fehlt" in text
    assert "Haushalt Zeile 5, Spalte F (Anmeldung 2028): die Anmeldung 2028 fehlt" in text


def test_measure_ending_before_it_starts_is_refused(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        book["Maßnahmen"].cell(4, 5).value = "01.01.2028"

    text = bad(engine, loerrach, change)
    assert "Maßnahmen Zeile 4, Spalte E (Ende): die Maßnahme endet vor ihrem Beginn" in text


def test_target_outside_the_plausible_range_is_refused(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        sheet = book["Kennzahlen"]
        for row in range(4, sheet.max_row + 1):
            if sheet.cell(row, 1).value == "energieverbrauch-schulen":
                sheet.cell(row, 6).value = 900

    text = bad(engine, loerrach, change)
    assert "Spalte F (Soll 2028): Soll 900 kWh/m² liegt außerhalb des plausiblen Bereichs" in text


def test_request_over_the_ceiling_needs_a_justification(engine, loerrach) -> None:
    from decimal import Decimal

    from models.planning import BudgetCeiling
    from services.planning import find_thh
    from tests.conftest import NOW

    at = planning_open(engine, loerrach)
    with session_scope(engine) as session:
        thh = find_thh(session=session, body=loerrach, number="3")
        session.add(
            BudgetCeiling(
                body_id=loerrach.id,
                partial_budget_id=thh.id,
                year=2028,
                net=Decimal("500000"),
                file_name="erlass.csv",
                imported_at=NOW,
                actor="test",
            )
        )
    with pytest.raises(SubmissionInvalid, match="übersteigt den Eckwert") as raised:
        submit(engine, loerrach, filled(template(engine, loerrach)), at)
    assert "Spalte J (Begründung)" in str(raised.value)
    justified = filled(template(engine, loerrach), justification="Sanierungsstau Gewerbeschule")
    assert submit(engine, loerrach, justified, at).record.attempt == 1


def test_workbook_of_another_teilhaushalt_or_year_is_refused(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        info = book["Info"]
        for row in range(4, info.max_row + 1):
            if info.cell(row, 1).value == "Kreislauf":
                info.cell(row, 2).value = "2026"

    text = bad(engine, loerrach, change)
    assert "Info Zeile" in text and "(Kreislauf): „2026“, erwartet „2027“" in text


def test_department_must_answer_for_the_teilhaushalt(engine, loerrach) -> None:
    at = planning_open(engine, loerrach)
    with pytest.raises(SubmissionInvalid, match="gehört nicht zum Fachbereich umwelt"):
        submit(engine, loerrach, filled(template(engine, loerrach)), at, department="umwelt")


def test_review_without_submitted_plan_is_a_conflict(engine, loerrach) -> None:
    at = planning_open(engine, loerrach)
    with pytest.raises(ConflictError, match="nichts zu prüfen"):
        review(engine, loerrach, at, accept=True)


def test_generic_task_review_reviews_the_waiting_plan(engine, loerrach) -> None:
    from models.commands import ConfirmTask, ReviewTask
    from services.commands import handle

    at = planning_open(engine, loerrach)
    with session_scope(engine) as session:
        task_id = session.exec(
            select(Task.id)
            .join(Deadline, Deadline.id == Task.deadline_id)  # type: ignore[arg-type]
            .where(Deadline.key == "planung", Task.assignee == "department:gebaeude")
        ).one()
    with (
        pytest.raises(ConflictError, match="Planungsvorlage je Teilhaushalt"),
        session_scope(engine) as session,
    ):
        confirm = ConfirmTask(task_id, at.date(), "Planung per Mail")
        handle(confirm, session=session, body=loerrach, now=at, actor="t")
    with pytest.raises(ConflictError, match="keine Planung"), session_scope(engine) as session:
        handle(ReviewTask(task_id, True), session=session, body=loerrach, now=at, actor="t")
    assert task_status(engine) == TaskStatus.open
    submit(engine, loerrach, filled(template(engine, loerrach)), at)
    with session_scope(engine) as session:
        handle(ReviewTask(task_id, True), session=session, body=loerrach, now=at, actor="t")
    assert task_status(engine) == TaskStatus.accepted
    with session_scope(engine) as session:
        assert PlanStatus(session.exec(select(Plan)).one().status) == PlanStatus.accepted


def test_workbook_of_another_body_is_refused(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        info = book["Info"]
        for row in range(4, info.max_row + 1):
            if info.cell(row, 1).value == "Körperschaft":
                info.cell(row, 2).value = "musterstadt"

    text = bad(engine, loerrach, change)
    assert "(Körperschaft): „musterstadt“, erwartet „loerrach“" in text


def test_goal_of_another_teilhaushalts_group_and_unknown_goal_number(engine, loerrach) -> None:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        book["Leistungsziele"].cell(4, 2).value = "56.10"
        book["Maßnahmen"].cell(5, 1).value = 7
        book["Maßnahmen"].cell(5, 2).value = "Ohne Ziel"
        book["Maßnahmen"].cell(5, 7).value = "vielleicht"

    text = bad(engine, loerrach, change)
    assert "Spalte B (Produktgruppe): Produktgruppe „56.10“ gehört nicht zum Teilhaushalt 3" in text
    assert "Maßnahmen Zeile 5, Spalte A (Ziel-Nr.): Ziel-Nr. „7“ steht nicht auf dem Blatt" in text
    assert "Maßnahmen Zeile 5, Spalte G (Status): Status unbekannt" in text


def test_an_accepted_plan_takes_no_further_file(engine, loerrach) -> None:
    at = planning_open(engine, loerrach)
    data = filled(template(engine, loerrach))
    submit(engine, loerrach, data, at)
    review(engine, loerrach, at, accept=True)
    with pytest.raises(ConflictError, match="bereits angenommen"):
        submit(engine, loerrach, data, at)


@pytest.mark.both_databases
def test_the_task_waits_for_every_teilhaushalt_of_the_department(engine, loerrach) -> None:
    from models.planning import PlanStatus
    from models.product_plan import PartialBudgetDepartment
    from services.planning import find_thh, review_plan

    at = planning_open(engine, loerrach)
    with session_scope(engine) as session:  # gebaeude answers for THH 2 as well
        thh2 = find_thh(session=session, body=loerrach, number="2")
        gebaeude = session.exec(select(Department).where(Department.key == "gebaeude")).one()
        session.add(PartialBudgetDepartment(partial_budget_id=thh2.id, department_id=gebaeude.id))
    submit(engine, loerrach, filled(template(engine, loerrach)), at)
    assert task_status(engine) == TaskStatus.open
    submit(engine, loerrach, filled(template(engine, loerrach, "2"), group="11.20"), at)
    assert task_status(engine) == TaskStatus.submitted
    review(engine, loerrach, at, accept=True)  # THH 3
    assert task_status(engine) == TaskStatus.submitted
    with session_scope(engine) as session:
        plan = review_plan(
            session=session,
            body=loerrach,
            year=2027,
            thh="THH 2",
            accept=False,
            comment="Budget begründen",
            now=at,
            actor="test",
        )
        assert PlanStatus(plan.status) == PlanStatus.returned
    assert task_status(engine) == TaskStatus.returned
