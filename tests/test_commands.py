"""Every person's decision through the one pipeline: `handle(command, ...)`.

For each command: it is carried out and names the flow that carries it on; a refusal names the
field it concerns (so the CLI can name its option and the web its form field) and writes
nothing; a second, identical decision is refused or changes nothing. The world is Lörrach's
2027 cycle (an ordinary year) and 2029 (an election year), reconciled at given days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.body import Body
from models.change_set import Change, ChangeSet
from models.commands import (
    AnswerSurvey,
    Command,
    ConfirmTask,
    Convene,
    CreateCycle,
    RecordResolution,
    RecordSession,
    ReviewFigures,
    ReviewTask,
    SubmitFigures,
)
from models.cycle import Deadline, Task, TaskStatus
from models.db import session_scope
from models.errors import ConflictError, KreislaufError, NotFoundError, Remedy
from models.organisation import Department
from services.commands import HANDLERS, Outcome, handle
from services.reconcile import reconcile
from tests.conftest import NOW, row_counts

ADMIN = "cli:verwaltung"
CHANGES = ChangeSet(
    summary="Moorschutz",
    participants=["Landrätin"],
    changes=[
        Change(
            action="add_priority",
            field="klima-biodiversitaet",
            text="Der Landkreis schützt Moore als Kohlenstoffspeicher.",
        )
    ],
)


def at(month: int, day: int, year: int = 2027, hour: int = 10) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, tz="Europe/Berlin")


def decide(engine: sa.Engine, body: Body, command: Command, when: dt.datetime) -> Outcome:
    with session_scope(engine) as session:
        return handle(command, session=session, body=body, now=when, actor=ADMIN)


def refused(
    engine: sa.Engine, body: Body, command: Command, when: dt.datetime, error: type
) -> KreislaufError:
    """`command` is refused with `error`, and nothing was written."""
    before = row_counts(engine)
    with pytest.raises(error) as caught:
        decide(engine, body, command, when)
    assert row_counts(engine) == before
    return caught.value


def refused_when_built(build: Any) -> KreislaufError:
    with pytest.raises(KreislaufError) as caught:
        build()
    return caught.value


@pytest.fixture
def cycle_2027(engine: sa.Engine, loerrach: Body) -> Body:
    decide(engine, loerrach, CreateCycle(2027), NOW)
    with session_scope(engine) as session:
        reconcile(session=session, body=loerrach, year=2027, now=at(2, 1, hour=6), actor="flow")
    return loerrach


def reconciled(engine: sa.Engine, body: Body, when: dt.datetime) -> None:
    with session_scope(engine) as session:
        reconcile(session=session, body=body, year=when.year, now=when, actor="flow")


def task_of(engine: sa.Engine, deadline_key: str, department: str = "umwelt") -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(Task.id)
            .join(Deadline, Task.deadline_id == Deadline.id)
            .join(Department, Task.department_id == Department.id)
            .where(Deadline.key == deadline_key, Department.key == department)
        ).one()


def test_every_command_has_exactly_one_handler() -> None:
    assert set(HANDLERS) == set(get_args(Command))


# --------------------------------------------------------------------------- cycle


@pytest.mark.both_databases  # once: a unique key, a savepoint
def test_creating_a_cycle_starts_the_annual_cycle_once(engine, loerrach) -> None:
    outcome = decide(engine, loerrach, CreateCycle(2027), NOW)
    assert (outcome.flow, outcome.year, outcome.record.year) == ("annual-cycle", 2027, 2027)
    assert not outcome.record.election_year
    error = refused(engine, loerrach, CreateCycle(2027), NOW, ConflictError)
    assert "existiert bereits" in str(error)


@pytest.mark.parametrize("year", [1899, 2200])
def test_a_year_out_of_range_is_refused_when_the_command_is_built(year: int) -> None:
    error = refused_when_built(lambda: CreateCycle(year))
    assert error.field == "year"
    assert str(error) == f"Jahr {year}: erwartet wird ein Jahr zwischen 2000 und 2199."


def test_a_decision_for_a_year_without_cycle_points_at_creating_it(engine, loerrach) -> None:
    error = refused(engine, loerrach, Convene(2031, "Anlass"), NOW, NotFoundError)
    assert (error.field, error.remedy) == ("year", Remedy.create_cycle)
    assert "`kreislauf" not in str(error)


# --------------------------------------------------------------------------- survey


@pytest.mark.both_databases  # once: a unique key, a savepoint
def test_a_survey_answer_carries_the_survey_on_once_per_faction(engine, cycle_2027) -> None:
    reconciled(engine, cycle_2027, at(4, 1, hour=6))
    outcome = decide(engine, cycle_2027, AnswerSurvey(2027, "cdu", True, " Klima "), at(4, 6))
    assert outcome.flow == "survey"
    assert [e.detail for e in outcome.events] == ["CDU-Fraktion: Bedarf – Klima"]
    again = AnswerSurvey(2027, "CDU-Fraktion", False)
    error = refused(engine, cycle_2027, again, at(4, 7), ConflictError)
    assert "bereits geantwortet" in str(error)


def test_an_unknown_faction_is_refused_with_its_field(engine, cycle_2027) -> None:
    command = AnswerSurvey(2027, "Piraten", True)
    error = refused(engine, cycle_2027, command, at(4, 6), NotFoundError)
    assert error.field == "faction"
    assert str(error).startswith("Die Fraktion 'Piraten' gibt es nicht (vorhanden: ")


def test_a_survey_answer_before_the_survey_is_refused(engine, cycle_2027) -> None:
    error = refused(engine, cycle_2027, AnswerSurvey(2027, "cdu", True), at(3, 1), ConflictError)
    assert "beginnt erst am" in str(error)


# --------------------------------------------------------------------------- forum and retreat


def test_convening_names_the_forum_and_is_refused_the_second_time(engine, cycle_2027) -> None:
    outcome = decide(engine, cycle_2027, Convene(2027, "Neue Vorgaben"), at(5, 4))
    assert outcome.flow == "forum"
    assert outcome.events[0].detail == "Forum Zukunftsstrategie einberufen: Neue Vorgaben"
    error = refused(engine, cycle_2027, Convene(2027, "Noch einmal"), at(5, 5), ConflictError)
    assert "ist bereits einberufen" in str(error)


def test_in_an_election_year_convening_carries_the_retreat_on(engine, loerrach) -> None:
    decide(engine, loerrach, CreateCycle(2029), NOW)
    outcome = decide(engine, loerrach, Convene(2029, "Wahl"), at(9, 4, 2029))
    assert outcome.flow == "retreat"
    assert outcome.events[0].detail == "Klausurtagung einberufen: Wahl"


@pytest.mark.parametrize("reason", ["", "   "])
def test_convening_without_a_reason_is_refused_when_built(reason: str) -> None:
    error = refused_when_built(lambda: Convene(2027, reason))
    assert (error.field, str(error)) == ("reason", "Bitte den Anlass der Einberufung angeben.")


def test_a_session_needs_a_convened_forum_first(engine, cycle_2027) -> None:
    command = RecordSession(2027, dt.date(2027, 5, 20), CHANGES)
    error = refused(engine, cycle_2027, command, at(5, 21), ConflictError)
    assert error.remedy == Remedy.convene
    assert "`kreislauf" not in str(error)


def test_a_session_is_recorded_once_and_not_in_the_future(engine, cycle_2027) -> None:
    decide(engine, cycle_2027, Convene(2027, "Moore"), at(5, 4))
    held = RecordSession(2027, dt.date(2027, 5, 20), CHANGES)
    error = refused(engine, cycle_2027, held, at(5, 19), KreislaufError)
    assert (error.field, str(error)) == ("held_on", "20.05.2027 liegt in der Zukunft.")
    outcome = decide(engine, cycle_2027, held, at(5, 21))
    assert outcome.flow == "forum"
    assert "1 vereinbarte Änderung," in outcome.events[0].detail
    error = refused(engine, cycle_2027, held, at(5, 22), ConflictError)
    assert "bereits festgehalten" in str(error)


# --------------------------------------------------------------------------- resolution


def test_a_resolution_makes_a_new_version_once(engine, cycle_2027) -> None:
    decide(engine, cycle_2027, Convene(2027, "Moore"), at(5, 4))
    decide(engine, cycle_2027, RecordSession(2027, dt.date(2027, 5, 20), CHANGES), at(5, 21))
    early = RecordResolution(2027, "KT/2027/045", dt.date(2027, 5, 19))
    error = refused(engine, cycle_2027, early, at(7, 21), KreislaufError)
    assert error.field == "adopted_on"
    adopted = RecordResolution(2027, " KT/2027/045 ", dt.date(2027, 7, 21))
    outcome = decide(engine, cycle_2027, adopted, at(7, 21, hour=18))
    assert (outcome.flow, outcome.record.number) == ("resolution", "KT/2027/045")
    assert outcome.record.diff[0]["after"] == CHANGES.changes[0].text
    error = refused(engine, cycle_2027, adopted, at(7, 22), ConflictError)
    assert "bereits ein Beschluss" in str(error)


def test_a_resolution_without_a_number_is_refused_when_built() -> None:
    error = refused_when_built(lambda: RecordResolution(2027, " ", dt.date(2027, 7, 21)))
    assert error.field == "number"
    assert str(error) == "Bitte die Beschlussnummer angeben. Zum Beispiel KT/2027/045."


# --------------------------------------------------------------------------- figures


def workbook(engine: sa.Engine, body: Body) -> bytes:
    """Fachbereich Umwelt's template with every actual filled in (its plausible minimum)."""
    from dataclasses import replace

    from models.workbook import write_csv
    from services.submissions import build_template

    with session_scope(engine) as session:
        umwelt = session.exec(select(Department).where(Department.key == "umwelt")).one()
        template = build_template(session=session, body=body, year=2027, department=umwelt)
    figures = [replace(row, actual=row.plausible_min or 1.0) for row in template.figures]
    return write_csv(replace(template, figures=figures))


def test_figures_are_submitted_once_and_reviewed_once(engine, cycle_2027) -> None:
    submit = SubmitFigures(2027, "umwelt", "umwelt.csv", workbook(engine, cycle_2027))
    outcome = decide(engine, cycle_2027, submit, at(2, 10))
    assert (outcome.flow, outcome.record.attempt) == ("evaluation", 1)
    assert outcome.events[0].detail == (
        "Fachbereich Umwelt: Ist-Werte der Kennzahlen melden eingereicht (Meldevorlage, Versuch 1)"
    )
    error = refused(engine, cycle_2027, submit, at(2, 11), ConflictError)
    assert "wartet auf Prüfung" in str(error)
    accept = ReviewFigures(2027, "umwelt", accept=True)
    outcome = decide(engine, cycle_2027, accept, at(2, 12))
    assert outcome.flow == "evaluation"
    assert [e.event for e in outcome.events] == ["task_accepted"]
    error = refused(engine, cycle_2027, accept, at(2, 13), ConflictError)
    assert "gibt es nichts zu prüfen" in str(error)


def test_a_delivery_dated_before_its_phase_opens_is_refused(engine, cycle_2027) -> None:
    """The task is open (the evaluation opened on 01.02.), but a decision day given by hand
    before that would date the submission before the task existed."""
    submit = SubmitFigures(2027, "umwelt", "umwelt.csv", workbook(engine, cycle_2027))
    error = refused(engine, cycle_2027, submit, at(1, 20), ConflictError)
    assert error.field == "on"
    assert "beginnt erst am 01.02.2027" in str(error)
    task_id = task_of(engine, "thh_ausschuesse")
    early = ConfirmTask(task_id, dt.date(2027, 1, 29), "Im Ausschuss vorgestellt")
    assert "beginnt erst am 01.02.2027" in str(
        refused(engine, cycle_2027, early, at(1, 29), ConflictError)
    )
    assert decide(engine, cycle_2027, submit, at(2, 1)).record.attempt == 1


def test_figures_without_a_file_and_a_return_without_comment_name_their_field() -> None:
    assert refused_when_built(lambda: SubmitFigures(2027, None, " ", b"")).field == "content"
    no_reason = refused_when_built(lambda: ReviewFigures(2027, "umwelt", False, "  "))
    assert (no_reason.field, str(no_reason)) == (
        "comment",
        "Eine Rückgabe braucht einen Kommentar: was ist zu ändern?",
    )


# --------------------------------------------------------------------------- plain tasks


def test_a_task_is_confirmed_and_accepted_once(engine, cycle_2027) -> None:
    task_id = task_of(engine, "thh_ausschuesse")
    confirm = ConfirmTask(task_id, dt.date(2027, 3, 1), "Im Umweltausschuss vorgestellt")
    outcome = decide(engine, cycle_2027, confirm, at(3, 1))
    assert outcome.flow == "evaluation"
    assert [e.event for e in outcome.events] == ["task_submitted"]
    error = refused(engine, cycle_2027, confirm, at(3, 2), ConflictError)
    assert "wartet auf Prüfung" in str(error)
    returned = decide(engine, cycle_2027, ReviewTask(task_id, False, "Protokoll fehlt"), at(3, 3))
    assert [e.event for e in returned.events] == ["task_returned"]
    decide(engine, cycle_2027, confirm, at(3, 4))
    accepted = decide(engine, cycle_2027, ReviewTask(task_id, accept=True), at(3, 5))
    assert [e.detail for e in accepted.events] == [
        "Fachbereich Umwelt: Teilhaushaltsbericht im Fachausschuss vorstellen angenommen"
    ]
    again = ReviewTask(task_id, accept=True)
    error = refused(engine, cycle_2027, again, at(3, 6), ConflictError)
    assert str(error) == "Die Aufgabe kann nicht von „angenommen“ zu „angenommen“ wechseln."


def test_reviewing_a_task_whose_workbook_waits_takes_over_the_figures(engine, cycle_2027) -> None:
    submit = SubmitFigures(2027, None, "umwelt.csv", workbook(engine, cycle_2027))
    decide(engine, cycle_2027, submit, at(2, 10))
    task_id = task_of(engine, "kennzahlen_ist")
    outcome = decide(engine, cycle_2027, ReviewTask(task_id, accept=True), at(2, 12))
    assert outcome.record.status == "accepted"
    with session_scope(engine) as session:
        assert session.get(Task, task_id).status == TaskStatus.accepted  # type: ignore[union-attr]


def test_the_key_figure_task_is_not_fulfilled_without_its_workbook(engine, cycle_2027) -> None:
    task_id = task_of(engine, "kennzahlen_ist")
    confirm = ConfirmTask(task_id, dt.date(2027, 2, 10), "Zahlen per Mail geschickt")
    error = refused(engine, cycle_2027, confirm, at(2, 10), ConflictError)
    assert error.field == "task_id"
    assert "ausgefüllten Meldevorlage" in str(error)


def test_an_unknown_task_is_refused(engine, cycle_2027) -> None:
    unknown = ConfirmTask(999_999, dt.date(2027, 3, 1), "erledigt")
    error = refused(engine, cycle_2027, unknown, at(3, 1), NotFoundError)
    assert error.field == "task_id"


# --------------------------------------------------------------------------- the CLI's view


def test_the_cli_names_the_option_and_the_command_that_fixes_it() -> None:
    from cli.app import OPTIONS, cli_message

    held = KreislaufError("20.05.2027 liegt in der Zukunft.", field="held_on")
    assert cli_message(held, OPTIONS, {}) == "--held-on: 20.05.2027 liegt in der Zukunft."
    missing = NotFoundError(
        "Für 2031 gibt es noch keinen Steuerungskreislauf.",
        field="year",
        hint="Bitte zuerst den Kreislauf anlegen.",
        remedy=Remedy.create_cycle,
    )
    assert cli_message(missing, OPTIONS, {"year": 2031}) == (
        "Für 2031 gibt es noch keinen Steuerungskreislauf: `kreislauf cycle create 2031`."
    )
    assert str(missing) == (
        "Für 2031 gibt es noch keinen Steuerungskreislauf. Bitte zuerst den Kreislauf anlegen."
    )
    adopted = KreislaufError("x", field="adopted_on")
    assert cli_message(adopted, {**OPTIONS, "adopted_on": "--date"}, {}) == "--date: x"
