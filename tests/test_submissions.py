"""Key-figure reporting: the workbook goes out, comes back filled, is checked and reviewed.

The 2027 cycle's evaluation opens on 1 February 2027; the figures are due on 19 February.
Fachbereich Umwelt reports three key figures (pv-leistung, klimaberatungen,
ausgleichsflaechen) and three measures of budget year 2026.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.commands import ReviewFigures, SubmitFigures
from models.cycle import Task, TaskStatus
from models.db import session_scope
from models.errors import ConflictError, KreislaufError
from models.reminders import Reminder
from models.strategy import KeyFigure, KeyFigureValue, Measure, MeasureStatus
from models.submissions import Submission, SubmissionStatus
from models.workbook_layout import SubmissionInvalid
from notifications.sweep import sweep
from services.commands import handle
from services.cycles import create_cycle
from services.reconcile import reconcile
from services.submission_template import write_template
from tests.conftest import NOW, row_counts

FILLED = {"pv-leistung": 2980, "klimaberatungen": 1012, "ausgleichsflaechen": 163.5}
FIRST_ROW = 4  # .xlsx: title, year note, header row, then the first figure


def berlin(month: int, day: int, hour: int = 9) -> pendulum.DateTime:
    return pendulum.datetime(2027, month, day, hour, tz="Europe/Berlin")


@pytest.fixture
def evaluation(engine: sa.Engine, loerrach):  # type: ignore[no-untyped-def]
    """Lörrach with its 2027 cycle, the evaluation phase opened on 1 February."""
    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="test")
    with session_scope(engine) as session:
        reconcile(session=session, body=loerrach, year=2027, now=berlin(2, 1, 6), actor="flow")
    return loerrach


def template(engine: sa.Engine, body, department: str = "umwelt", fmt: str = "xlsx") -> bytes:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return write_template(session, body, 2027, department, fmt)  # type: ignore[arg-type]


def fill(data: bytes, actuals=FILLED, edit=None) -> bytes:  # type: ignore[no-untyped-def]
    """What a department does in Excel: type the actuals (and whatever `edit` does)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Kennzahlen"]
    for row in range(FIRST_ROW, sheet.max_row + 1):
        key = sheet.cell(row=row, column=1).value
        if key in actuals:
            sheet.cell(row=row, column=6).value = actuals[key]
            sheet.cell(row=row, column=7).value = f"Kommentar zu {key}"
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def submit(engine, body, data: bytes, filename: str = "umwelt.xlsx", **options):  # type: ignore[no-untyped-def]
    """A department's upload through the decision pipeline; (submission id, attempt)."""
    command = SubmitFigures(options.get("year", 2027), options.get("department"), filename, data)
    with session_scope(engine) as session:
        outcome = handle(
            command,
            session=session,
            body=body,
            now=options.get("now", berlin(2, 10)),
            actor="fb-umwelt",
        )
        return outcome.record.id, outcome.record.attempt


def review(engine, body, accept: bool, comment: str | None = None, when=None):  # type: ignore[no-untyped-def]
    """The controlling office's review through the decision pipeline; the submission's status."""
    command = ReviewFigures(2027, "Fachbereich Umwelt", accept, comment)
    with session_scope(engine) as session:
        outcome = handle(
            command, session=session, body=body, now=when or berlin(2, 12), actor="ctrl"
        )
        return outcome.record.status


def task_status(engine: sa.Engine, department: str = "umwelt") -> TaskStatus:
    with session_scope(engine) as session:
        tasks = session.exec(select(Task).where(Task.assignee == f"department:{department}")).all()
        return TaskStatus(min(tasks, key=lambda t: t.deadline_id).status)


def actuals_2026(engine: sa.Engine) -> dict[str, tuple[float | None, str | None]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(KeyFigure.key, KeyFigureValue.actual, KeyFigureValue.comment)
            .join(KeyFigureValue, KeyFigureValue.key_figure_id == KeyFigure.id)
            .where(KeyFigureValue.year == 2026, KeyFigure.key.in_(FILLED))  # type: ignore[attr-defined]
        ).all()
    return {key: (actual, comment) for key, actual, comment in rows}


def refused(engine, body, data: bytes, filename: str = "umwelt.xlsx", **options) -> str:  # type: ignore[no-untyped-def]
    """Submit a bad file: the German message, after checking that nothing was written."""
    before = row_counts(engine)
    with pytest.raises(SubmissionInvalid) as caught:
        submit(engine, body, data, filename, **options)
    assert row_counts(engine) == before
    assert task_status(engine) == TaskStatus.open
    return str(caught.value)


# --------------------------------------------------------------------------- the round trip


def test_template_shows_target_2026_actual_2025_and_empty_input_cells(engine, evaluation) -> None:
    book = openpyxl.load_workbook(io.BytesIO(template(engine, evaluation)))
    assert book.sheetnames == ["Kennzahlen", "Maßnahmen", "Info"]
    figures = book["Kennzahlen"]
    assert "Berichtsjahr 2026" in figures["A2"].value
    header = [c.value for c in figures[3]]
    assert header == [
        "Schlüssel",
        "Kennzahl",
        "Einheit",
        "Soll 2026",
        "Ist 2025",
        "Ist 2026",
        "Kommentar",
    ]
    assert [c.value for c in figures[4]] == [
        "pv-leistung",
        "Installierte Photovoltaik-Leistung auf Kreisgebäuden",
        "kWp",
        3000,
        2050,
        None,
        None,
    ]
    assert figures.freeze_panes == "A4"
    assert figures.protection.sheet and not figures.protection.password
    assert figures["F4"].protection.locked is False and figures["A4"].protection.locked is True
    assert figures["F4"].fill.fgColor.rgb.endswith("FFF2CC")
    assert figures["A3"].font.bold
    ranges = {
        str(v.sqref): (v.formula1, v.formula2) for v in figures.data_validations.dataValidation
    }
    assert ranges["F4"] == ("0", "20000")  # pv-leistung: plausible 0 to 20.000 kWp
    measures = book["Maßnahmen"]
    statuses = {row[0].value: row[3].value for row in measures.iter_rows(min_row=4)}
    assert statuses["umwelt-2026-pv-dachkataster"] == "umgesetzt"
    lists = [v.formula1 for v in measures.data_validations.dataValidation]
    assert lists == ['"geplant,in Umsetzung,umgesetzt,verschoben,entfallen"']
    info = {row[0].value: row[1].value for row in book["Info"].iter_rows(min_row=4)}
    assert (info["Körperschaft"], info["Steuerungskreislauf"], info["Fachbereich"]) == (
        "loerrach",
        2027,
        "umwelt",
    )


@pytest.mark.both_databases
def test_filled_workbook_is_submitted_then_accepted_into_the_2026_actuals(
    engine, evaluation
) -> None:
    def change_status(book) -> None:  # type: ignore[no-untyped-def]
        book["Maßnahmen"]["D4"] = "umgesetzt"  # umwelt-2026-biotopverbund-plan

    data = fill(template(engine, evaluation), edit=change_status)
    submission_id, attempt = submit(engine, evaluation, data)
    assert attempt == 1
    assert task_status(engine) == TaskStatus.submitted
    assert actuals_2026(engine)["pv-leistung"] == (None, None)  # not before the review
    assert review(engine, evaluation, accept=True) == SubmissionStatus.accepted
    assert task_status(engine) == TaskStatus.accepted
    assert actuals_2026(engine) == {
        "pv-leistung": (2980, "Kommentar zu pv-leistung"),
        "klimaberatungen": (1012, "Kommentar zu klimaberatungen"),
        "ausgleichsflaechen": (163.5, "Kommentar zu ausgleichsflaechen"),
    }
    with session_scope(engine) as session:
        value = session.exec(
            select(KeyFigureValue)
            .join(KeyFigure, KeyFigureValue.key_figure_id == KeyFigure.id)
            .where(KeyFigure.key == "pv-leistung", KeyFigureValue.year == 2026)
        ).one()
        measure = session.exec(
            select(Measure).where(Measure.key == "umwelt-2026-biotopverbund-plan")
        ).one()
        submission = session.get(Submission, submission_id)
    assert value.submission_id == submission_id and value.target == 3000
    assert measure.status == MeasureStatus.done
    assert submission.filename == "umwelt.xlsx" and len(submission.sha256) == 64
    assert submission.report_year == 2026 and submission.reviewed_by == "ctrl"


@pytest.mark.both_databases
def test_returned_figures_stay_out_and_a_second_attempt_is_accepted(engine, evaluation) -> None:
    submit(engine, evaluation, fill(template(engine, evaluation)))
    assert review(engine, evaluation, False, "PV-Wert bitte prüfen") == SubmissionStatus.returned
    assert task_status(engine) == TaskStatus.returned
    assert actuals_2026(engine)["pv-leistung"] == (None, None)
    fixed = fill(template(engine, evaluation), actuals={**FILLED, "pv-leistung": 3010})
    _, attempt = submit(engine, evaluation, fixed, now=berlin(2, 15))
    assert attempt == 2
    review(engine, evaluation, accept=True, when=berlin(2, 16))
    assert actuals_2026(engine)["pv-leistung"][0] == 3010
    with session_scope(engine) as session:
        attempts = session.exec(select(Submission).order_by(Submission.attempt)).all()
    assert [(s.attempt, s.status, s.review_comment) for s in attempts] == [
        (1, "returned", "PV-Wert bitte prüfen"),
        (2, "accepted", None),
    ]


@pytest.mark.both_databases
def test_acceptance_audits_measure_statuses_and_overwritten_actuals(engine, evaluation) -> None:
    from models.audit import AuditEvent

    with session_scope(engine) as session:
        figure = session.exec(select(KeyFigure).where(KeyFigure.key == "pv-leistung")).one()
        value = session.exec(
            select(KeyFigureValue).where(
                KeyFigureValue.key_figure_id == figure.id, KeyFigureValue.year == 2026
            )
        ).first() or KeyFigureValue(body_id=evaluation.id, key_figure_id=figure.id, year=2026)
        value.actual, value.comment = 2500.0, "vorläufig"
        session.add(value)

    def postpone(book) -> None:  # type: ignore[no-untyped-def]
        book["Maßnahmen"]["D4"] = "verschoben"

    data = fill(template(engine, evaluation), edit=postpone)
    key = openpyxl.load_workbook(io.BytesIO(data))["Maßnahmen"]["A4"].value
    with session_scope(engine) as session:
        measure = session.exec(select(Measure).where(Measure.key == key)).one()
        measure_id, old = measure.id, MeasureStatus(measure.status).value
    assert old != "postponed"
    submission_id, _ = submit(engine, evaluation, data)
    review(engine, evaluation, accept=True)
    with session_scope(engine) as session:
        events = {
            e.action: (e.entity, e.entity_id, e.before, e.after)
            for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        }
    assert events["submission.accepted"] == (
        "submission",
        submission_id,
        {"status": "submitted"},
        {"status": "accepted", "comment": None},
    )
    assert events["measure.status"] == (
        "measure",
        measure_id,
        {"status": old},
        {"status": "postponed", "submission": submission_id},
    )
    assert events["key_figure_value.actual_overwritten"][2:] == (
        {"actual": 2500.0, "comment": "vorläufig"},
        {"actual": 2980.0, "comment": "Kommentar zu pv-leistung", "submission": submission_id},
    )


def test_submission_status_moves_only_as_the_transitions_allow() -> None:
    from models.transitions import check_transition

    check_transition("submission", SubmissionStatus.submitted, SubmissionStatus.returned)
    with pytest.raises(ConflictError) as caught:
        check_transition("submission", SubmissionStatus.accepted, SubmissionStatus.returned)
    assert str(caught.value) == (
        "Die Kennzahlenmeldung kann nicht von „angenommen“ zu „zurückgegeben“ wechseln."
    )


@pytest.mark.both_databases
def test_a_returned_task_is_reminded_again_by_the_sweep(engine, evaluation) -> None:
    def reminded(day: int) -> set[str]:
        with session_scope(engine) as session:
            sweep(session=session, now=berlin(2, day, 7))
        with session_scope(engine) as session:
            rows = session.exec(
                select(Reminder.kind, Task.assignee).join(Task, Reminder.task_id == Task.id)
            ).all()
        return {kind for kind, assignee in rows if assignee == "department:umwelt"}

    submit(engine, evaluation, fill(template(engine, evaluation)), now=berlin(2, 10))
    assert "due" not in reminded(19)  # due day (Fri 19 Feb): submitted, so no reminder
    review(engine, evaluation, False, "Kommentar zu den Beratungen fehlt", when=berlin(2, 22))
    assert "overdue:2" in reminded(23)  # 2 working days overdue: reminded again


def test_csv_template_round_trips_with_decimal_comma(engine, evaluation) -> None:
    data = template(engine, evaluation, fmt="csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    values = {"pv-leistung": "2980", "klimaberatungen": "1012", "ausgleichsflaechen": "163,5"}
    for row in rows:
        if row[0] == "Kennzahlen" and row[1] in values:
            row[6], row[7] = values[row[1]], f"Kommentar zu {row[1]}"
        if row[0] == "Maßnahmen" and row[1] == "umwelt-2026-pv-ausschreibung":
            row[4] = "verschoben"
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    submit(engine, evaluation, ("\ufeff" + out.getvalue()).encode(), filename="umwelt.csv")
    review(engine, evaluation, accept=True)
    assert actuals_2026(engine)["ausgleichsflaechen"] == (163.5, "Kommentar zu ausgleichsflaechen")
    with session_scope(engine) as session:
        measure = session.exec(
            select(Measure).where(Measure.key == "umwelt-2026-pv-ausschreibung")
        ).one()
    assert measure.status == MeasureStatus.postponed


def test_csv_saved_by_german_excel_in_windows_encoding_is_read(engine, evaluation) -> None:
    text = template(engine, evaluation, fmt="csv").decode("utf-8-sig")
    lines = []
    for line in text.splitlines():
        cells = line.split(";")
        if cells[0] == "Kennzahlen" and cells[1] in FILLED:
            cells[6] = str(FILLED[cells[1]]).replace(".", ",")
        lines.append(";".join(cells))
    submit(engine, evaluation, "\r\n".join(lines).encode("cp1252"), filename="umwelt.csv")
    assert task_status(engine) == TaskStatus.submitted


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_saved_with_comma_or_tab_separators_is_read(engine, evaluation, delimiter) -> None:
    rows = list(
        csv.reader(
            io.StringIO(template(engine, evaluation, fmt="csv").decode("utf-8-sig")), delimiter=";"
        )
    )
    for row in rows:
        if row[0] == "Kennzahlen" and row[1] in FILLED:
            row[6] = str(FILLED[row[1]]).replace(".", ",")
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    submit(engine, evaluation, out.getvalue().encode(), filename="umwelt.csv")
    review(engine, evaluation, accept=True)
    assert actuals_2026(engine)["ausgleichsflaechen"] == (163.5, None)


def test_csv_without_the_template_header_gets_one_message(engine, evaluation) -> None:
    text = template(engine, evaluation, fmt="csv").decode("utf-8-sig").replace(";", "|")
    message = refused(engine, evaluation, text.encode(), filename="umwelt.csv")
    assert message == (
        "Die Datei umwelt.csv ist keine CSV-Datei der Vorlage: die erste Zeile muss in Spalte A "
        "„Blatt“ enthalten, getrennt durch Semikolon, Komma oder Tabulator. Bitte die Vorlage "
        "des Fachbereichs verwenden."
    )


def test_numbers_in_german_notation_are_read(engine, evaluation) -> None:
    actuals = {"pv-leistung": "2.980,5", "klimaberatungen": "1012", "ausgleichsflaechen": "163,5"}
    submit(engine, evaluation, fill(template(engine, evaluation), actuals=actuals))
    review(engine, evaluation, accept=True)
    got = {key: value for key, (value, _) in actuals_2026(engine).items()}
    assert got == {"pv-leistung": 2980.5, "klimaberatungen": 1012, "ausgleichsflaechen": 163.5}


def test_the_bounds_of_the_plausible_range_are_accepted(engine, evaluation) -> None:
    # pv-leistung: plausible 0 to 20.000 kWp
    submit(engine, evaluation, fill(template(engine, evaluation), {**FILLED, "pv-leistung": 20000}))
    review(engine, evaluation, accept=False, comment="nochmal")
    submit(engine, evaluation, fill(template(engine, evaluation), {**FILLED, "pv-leistung": "0"}))
    assert task_status(engine) == TaskStatus.submitted


# --------------------------------------------------------------------------- bad input


def test_value_just_outside_the_plausible_range_is_refused(engine, evaluation) -> None:
    data = fill(template(engine, evaluation), {**FILLED, "pv-leistung": "20.000,5"})
    message = refused(engine, evaluation, data)
    assert (
        "Kennzahlen Zeile 4, Spalte F (Ist 2026): 20.000,5 liegt außerhalb des plausiblen "
        "Bereichs 0 bis 20.000 kWp"
    ) in message
    data = fill(template(engine, evaluation), {**FILLED, "klimaberatungen": -1})
    assert "Kennzahlen Zeile 5, Spalte F (Ist 2026): -1 liegt außerhalb" in refused(
        engine, evaluation, data
    )


def test_unknown_key_figure_is_refused(engine, evaluation) -> None:
    def add_row(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"].append(["radwege-neu", "Radwege", "km", None, None, 4, None])

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=add_row))
    assert (
        "Kennzahlen Zeile 7, Spalte A (Schlüssel): unbekannte Kennzahl „radwege-neu“"
    ) in message


def test_wrong_sheet_is_refused(engine, evaluation) -> None:
    def rename(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"].title = "Tabelle1"

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=rename))
    assert (
        "Kennzahlen: das Blatt „Kennzahlen“ fehlt (vorhanden: Tabelle1, Maßnahmen, Info)" in message
    )
    assert "Tabelle1: das Blatt „Tabelle1“ gehört nicht zur Vorlage" in message


def test_figures_moved_off_their_columns_are_refused(engine, evaluation) -> None:
    def shift(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"].insert_cols(1)

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=shift))
    assert "Kennzahlen: keine Kopfzeile mit „Schlüssel“ in Spalte A gefunden" in message


def test_text_where_a_number_belongs_is_refused(engine, evaluation) -> None:
    data = fill(template(engine, evaluation), {**FILLED, "klimaberatungen": "etwa tausend"})
    message = refused(engine, evaluation, data)
    assert "Kennzahlen Zeile 5, Spalte F (Ist 2026): „etwa tausend“ ist keine Zahl" in message


def test_ambiguous_thousands_dot_is_refused(engine, evaluation) -> None:
    data = fill(template(engine, evaluation), {**FILLED, "klimaberatungen": "1.012"})
    message = refused(engine, evaluation, data)
    assert "Kennzahlen Zeile 5, Spalte F (Ist 2026): „1.012“ ist mehrdeutig" in message


def test_unit_that_does_not_match_is_refused(engine, evaluation) -> None:
    def unit(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"]["C4"] = "MWp"

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=unit))
    assert (
        "Kennzahlen Zeile 4, Spalte C (Einheit): Einheit „MWp“ passt nicht zur Kennzahl "
        "„pv-leistung“ (Einheit „kWp“)"
    ) in message


def test_duplicated_row_is_refused(engine, evaluation) -> None:
    def duplicate(book) -> None:  # type: ignore[no-untyped-def]
        sheet = book["Kennzahlen"]
        sheet.append([cell.value for cell in sheet[4]])

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=duplicate))
    assert (
        "Kennzahlen Zeile 7, Spalte A (Schlüssel): Kennzahl „pv-leistung“ steht doppelt "
        "(schon in Zeile 4)"
    ) in message


def test_missing_actual_is_refused(engine, evaluation) -> None:
    data = fill(template(engine, evaluation), {"pv-leistung": 2980, "klimaberatungen": 1012})
    message = refused(engine, evaluation, data)
    assert "Kennzahlen Zeile 6, Spalte F (Ist 2026): Ist-Wert fehlt" in message


def test_deleted_figure_row_is_refused(engine, evaluation) -> None:
    def delete(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"].delete_rows(6)

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=delete))
    assert "Kennzahlen, Spalte A (Schlüssel): Kennzahl „ausgleichsflaechen“ fehlt" in message


def test_unknown_measure_status_is_refused(engine, evaluation) -> None:
    def status(book) -> None:  # type: ignore[no-untyped-def]
        book["Maßnahmen"]["D5"] = "fast fertig"

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=status))
    assert "Maßnahmen Zeile 5, Spalte D (Status): Status „fast fertig“ unbekannt" in message


def test_file_for_another_department_is_refused(engine, evaluation) -> None:
    data = fill(template(engine, evaluation))
    message = refused(engine, evaluation, data, department="Fachbereich Mobilität und Straßen")
    assert message == (
        "umwelt.xlsx wurde nicht übernommen (1 Problem); nichts wurde gespeichert:\n"
        "  - Info Zeile 10, Spalte B (Wert): Fachbereich: die Datei ist für den Fachbereich "
        "„umwelt“, erwartet „mobilitaet“"
    )


def test_another_departments_file_gives_only_the_identity_problem(engine, evaluation) -> None:
    data = fill(template(engine, evaluation, "gebaeude"))
    message = refused(engine, evaluation, data, department="umwelt")
    assert message == (
        "umwelt.xlsx wurde nicht übernommen (1 Problem); nichts wurde gespeichert:\n"
        "  - Info Zeile 10, Spalte B (Wert): Fachbereich: die Datei ist für den Fachbereich "
        "„gebaeude“, erwartet „umwelt“"
    )


def test_file_for_another_year_is_refused(engine, evaluation) -> None:
    message = refused(engine, evaluation, fill(template(engine, evaluation)), year=2028)
    assert message == (
        "umwelt.xlsx wurde nicht übernommen (1 Problem); nichts wurde gespeichert:\n"
        "  - Info Zeile 8, Spalte B (Wert): Steuerungskreislauf: die Datei ist für den "
        "Steuerungskreislauf „2027“, erwartet „2028“"
    )


def test_every_problem_is_reported_at_once(engine, evaluation) -> None:
    def break_more(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"]["C5"] = "Stück"
        book["Maßnahmen"]["D4"] = "erledigt"

    data = fill(template(engine, evaluation), {**FILLED, "pv-leistung": "viel"}, edit=break_more)
    error_text = refused(engine, evaluation, data)
    assert "wurde nicht übernommen (3 Probleme); nichts wurde gespeichert" in error_text
    assert "Zeile 4, Spalte F" in error_text and "Zeile 5, Spalte C" in error_text
    assert "Maßnahmen Zeile 4, Spalte D" in error_text


def test_empty_file_is_refused(engine, evaluation) -> None:
    assert "Die Datei umwelt.xlsx ist leer." in refused(engine, evaluation, b"")


def test_truncated_workbook_is_refused(engine, evaluation) -> None:
    data = fill(template(engine, evaluation))
    message = refused(engine, evaluation, data[: len(data) // 2])
    assert "Die Datei umwelt.xlsx ist keine gültige Excel-Datei (.xlsx)" in message


def test_corrupt_workbook_is_refused(engine, evaluation) -> None:
    message = refused(engine, evaluation, b"%PDF-1.7 not a workbook at all")
    assert "keine gültige Excel-Datei" in message


def test_csv_with_problems_names_the_csv_row_and_column(engine, evaluation) -> None:
    text = template(engine, evaluation, fmt="csv").decode("utf-8-sig")
    text = text.replace("pv-leistung;Installierte", "pv-leistun;Installierte")
    message = refused(engine, evaluation, text.encode(), filename="umwelt.csv")
    assert "Kennzahlen Zeile 3, Spalte B (Schlüssel): unbekannte Kennzahl „pv-leistun“" in message
    assert "Kennzahlen Zeile 4, Spalte G (Ist 2026): Ist-Wert fehlt" in message


# --------------------------------------------------------------------------- the task's state


def test_an_accepted_task_takes_no_new_submission(engine, evaluation) -> None:
    data = fill(template(engine, evaluation))
    submit(engine, evaluation, data)
    review(engine, evaluation, accept=True)
    before = row_counts(engine)
    with pytest.raises(ConflictError, match="bereits angenommen"):
        submit(engine, evaluation, data, now=berlin(2, 15))
    assert row_counts(engine) == before


def test_a_submitted_task_waits_for_its_review(engine, evaluation) -> None:
    data = fill(template(engine, evaluation))
    submit(engine, evaluation, data)
    with pytest.raises(ConflictError, match="bereits eingereicht und wartet auf Prüfung"):
        submit(engine, evaluation, data, now=berlin(2, 11))


def test_the_task_state_comes_before_the_files_problems(engine, evaluation) -> None:
    faulty = fill(template(engine, evaluation), {**FILLED, "pv-leistung": "viel"})
    submit(engine, evaluation, fill(template(engine, evaluation)))
    before = row_counts(engine)
    with pytest.raises(ConflictError) as caught:
        submit(engine, evaluation, faulty, now=berlin(2, 11))
    assert str(caught.value) == (
        "Die Kennzahlenmeldung 2027 von Fachbereich Umwelt ist bereits eingereicht und wartet "
        "auf Prüfung."
    )
    assert row_counts(engine) == before
    review(engine, evaluation, accept=True)
    before = row_counts(engine)
    with pytest.raises(ConflictError) as caught:
        submit(engine, evaluation, faulty, now=berlin(2, 15))
    assert str(caught.value) == (
        "Die Kennzahlenmeldung 2027 von Fachbereich Umwelt ist bereits angenommen; sie kann "
        "nicht mehr geändert werden."
    )
    assert row_counts(engine) == before


def test_before_the_evaluation_opens_nothing_can_be_submitted(engine, loerrach) -> None:
    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="test")
    data = fill(template(engine, loerrach))
    with pytest.raises(ConflictError, match="Phase ist noch nicht eröffnet"):
        submit(engine, loerrach, data, now=berlin(1, 20))


def test_returning_needs_a_comment_and_something_submitted(engine, evaluation) -> None:
    with pytest.raises(ConflictError, match="keine eingereichte Meldung"):
        review(engine, evaluation, accept=True)
    submit(engine, evaluation, fill(template(engine, evaluation)))
    with pytest.raises(KreislaufError, match="Rückgabe braucht einen Kommentar"):
        review(engine, evaluation, accept=False, comment="  ")
    assert task_status(engine) == TaskStatus.submitted


# --------------------------------------------------------------------------- command line


def test_cli_template_submit_review_and_list(engine, evaluation, cli, tmp_path) -> None:
    path = tmp_path / "umwelt.xlsx"
    result = cli("template", "2027", "--department", "Fachbereich Umwelt", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert "Berichtsjahr 2026" in result.output
    path.write_bytes(fill(path.read_bytes(), {**FILLED, "pv-leistung": "viel"}))
    result = cli("submit", "2027", str(path), "--on", "2027-02-10")
    assert result.exit_code == 2
    assert "Kennzahlen Zeile 4, Spalte F (Ist 2026): „viel“ ist keine Zahl" in result.stderr
    path.write_bytes(fill(path.read_bytes()))
    result = cli("submit", "2027", str(path), "--on", "2027-02-10")
    assert result.exit_code == 0, result.stderr
    assert "eingereicht (Versuch 1)" in result.output
    result = cli("review", "2027", "--department", "umwelt", "--return", "--on", "2027-02-11")
    assert result.exit_code == 2 and "Kommentar" in result.stderr
    result = cli("review", "2027", "--department", "umwelt", "--accept", "--on", "2027-02-11")
    assert result.exit_code == 0, result.stderr
    result = cli("submissions", "2027", "--json")
    umwelt = [
        row for row in __import__("json").loads(result.output) if row["department"] == "umwelt"
    ]
    assert umwelt == [
        {
            "department": "umwelt",
            "task_status": "accepted",
            "attempt": 1,
            "status": "accepted",
            "submitted_at": "2027-02-10T11:00:00+00:00",
            "submitted_by": umwelt[0]["submitted_by"],
            "review_comment": None,
        }
    ]


def test_no_template_where_nothing_can_be_submitted(engine, evaluation, cli, tmp_path) -> None:
    path = tmp_path / "x.xlsx"
    result = cli("template", "2031", "--department", "umwelt", "-o", str(path))
    assert result.exit_code == 2
    assert (
        "Keine Vorlage: Für 2031 gibt es noch keinen Steuerungskreislauf: "
        "`kreislauf cycle create 2031`." in " ".join(result.stderr.split())
    )
    result = cli("template", "2027", "--department", "controlling", "-o", str(path))
    assert result.exit_code == 2
    assert "Keine Vorlage: Zentrales Controlling / Strategische Steuerung hat im " in " ".join(
        result.stderr.split()
    )
    assert not path.exists()


def test_a_department_without_figures_and_measures_fulfils_its_task(engine, evaluation) -> None:
    data = template(engine, evaluation, "finanzen")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["Kennzahlen"].max_row == 3 and book["Maßnahmen"].max_row == 3  # headers only
    submit(engine, evaluation, data, filename="finanzen.xlsx")
    assert task_status(engine, "finanzen") == TaskStatus.submitted
    with session_scope(engine) as session:
        command = ReviewFigures(2027, "finanzen", accept=True)
        handle(command, session=session, body=evaluation, now=berlin(2, 12), actor="c")
    assert task_status(engine, "finanzen") == TaskStatus.accepted


def test_cli_csv_template_by_suffix(engine, evaluation, cli, tmp_path) -> None:
    path = tmp_path / "umwelt.csv"
    assert cli("template", "2027", "--department", "umwelt", "-o", str(path)).exit_code == 0
    assert path.read_bytes().startswith("\ufeffBlatt;".encode())


# --------------------------------------------------------------------------- pure parsing


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1.234,5", 1234.5),
        ("1234,5", 1234.5),
        ("1234.5", 1234.5),
        ("17.45", 17.45),
        ("1.234.567", 1234567),
        ("-3,25", -3.25),
        ("64 %", 64),
        (" 2\u00a0050 ", 2050),
        (2050, 2050),
        (17.4, 17.4),
    ],
)
def test_german_notation(text, number) -> None:  # type: ignore[no-untyped-def]
    from models.workbook_number import parse_number

    assert parse_number(text, "kWp") == number


@pytest.mark.parametrize("text", ["1.234", "1,234.5", "12,3,4", "zwölf", "1e5"])
def test_not_a_number_or_ambiguous(text) -> None:  # type: ignore[no-untyped-def]
    from models.workbook_number import parse_number

    with pytest.raises(ValueError, match="keine Zahl|mehrdeutig"):
        parse_number(text, "kWp")


def test_a_cell_formatted_as_percent_counts_in_percent() -> None:
    from models.workbook_layout import Percent
    from models.workbook_number import parse_number
    from models.workbook_read import _is_percent_format

    assert parse_number(Percent(0.645), "%") == 64.5
    assert parse_number(Percent(0.57), "%") == 57.0  # not 56.99999999999999
    with pytest.raises(ValueError, match="^Zelle ist als Prozent formatiert, die Einheit ist kWp$"):
        parse_number(Percent(0.5), "kWp")
    assert _is_percent_format("0.0%") and not _is_percent_format('0.0" %"')


def test_percent_typed_into_the_workbook_is_read_as_percent() -> None:
    from models.workbook import write_xlsx
    from models.workbook_check import check_report
    from models.workbook_layout import FigureRow, Template
    from models.workbook_read import read_sheets
    from models.workbook_report import Expected, FigureSpec
    from models.workbook_sheets import read_info

    template = Template(
        "lk",
        "Landkreis",
        2027,
        "jugend",
        "FB Jugend",
        [FigureRow("quote", "Quote", "%", 68, 65.1)],
        [],
    )
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(template)))
    book["Kennzahlen"]["F4"] = 0.664
    book["Kennzahlen"]["F4"].number_format = "0.0%"  # Excel, after someone typed "66,4 %"
    out = io.BytesIO()
    book.save(out)
    sheets = read_sheets(out.getvalue(), "jugend.xlsx")
    expected = Expected("lk", 2027, "jugend", [FigureSpec("quote", "Quote", "%", 0, 100)], [])
    report = check_report(sheets, read_info(sheets), expected)
    assert report.problems == []
    assert report.figures[0].actual == 66.4


def checked(value, unit="kWp", low=0.0, high=20000.0, number_format=None):  # type: ignore[no-untyped-def]
    """Problems and actuals of a one-figure workbook whose actual cell holds `value`."""
    from models.workbook import write_xlsx
    from models.workbook_check import check_report
    from models.workbook_layout import FigureRow, Template
    from models.workbook_read import read_sheets
    from models.workbook_report import Expected, FigureSpec
    from models.workbook_sheets import read_info

    template = Template("lk", "Landkreis", 2027, "u", "U", [FigureRow("k", "K", unit, 1, 1)], [])
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(template)))
    book["Kennzahlen"]["F4"] = value
    if number_format:
        book["Kennzahlen"]["F4"].number_format = number_format
    out = io.BytesIO()
    book.save(out)
    sheets = read_sheets(out.getvalue(), "u.xlsx")
    expected = Expected("lk", 2027, "u", [FigureSpec("k", "K", unit, low, high)], [])
    report = check_report(sheets, read_info(sheets), expected)
    return report.problems, [figure.actual for figure in report.figures]


CELL = "Kennzahlen Zeile 4, Spalte F (Ist 2026): "


def test_percent_cells_are_exact_and_need_a_percent_unit() -> None:
    assert checked(0.57, "%", 0, 100, "0%") == ([], [57.0])
    assert checked(0.5, number_format="0%") == (
        [CELL + "Zelle ist als Prozent formatiert, die Einheit ist kWp"],
        [],
    )


def test_cells_that_are_not_numbers_say_what_they_are() -> None:
    assert checked("=1+1") == (
        [CELL + "Formel ohne berechneten Wert (Datei in Excel speichern oder Wert eintragen)"],
        [],
    )
    assert checked(dt.date(2026, 12, 31)) == ([CELL + "Datum statt Zahl"], [])
    assert checked(True) == ([CELL + "Wahrheitswert statt Zahl"], [])


def test_huge_numbers_are_short_and_refused() -> None:
    assert checked(1e300) == (
        [CELL + "1,0e300 liegt außerhalb des plausiblen Bereichs 0 bis 20.000 kWp"],
        [],
    )
    assert checked(1e300, low=None, high=None) == (
        [CELL + "1,0e300 ist unplausibel groß (Betrag ab 1,0e15)"],
        [],
    )
    assert checked(-2.5e15, low=0, high=None) == (
        [CELL + "-2,5e15 liegt außerhalb des plausiblen Bereichs 0 bis – kWp"],
        [],
    )
    assert checked(99999, low=None, high=None) == ([], [99999.0])


def test_infinite_number_is_refused() -> None:
    from models.workbook_layout import Sheet
    from models.workbook_place import Place
    from models.workbook_report import FigureSpec
    from models.workbook_rows import _actual

    problems: list[str] = []
    place = Place(Sheet("Kennzahlen", []), ["a", "b", "c", "d", "e", "Ist 2026", "g"])
    spec = FigureSpec("k", "K", "kWp", None, None)
    cells = (None, None, None, None, None, float("inf"))
    assert _actual(cells, 4, spec, place, problems) is None
    assert problems == [CELL + "unendlich ist keine gültige Zahl"]


def test_report_year_is_cycle_year_minus_one() -> None:
    from models.workbook_layout import Template

    assert Template("lk", "Landkreis", 2027, "u", "U", [], []).report_year == 2026
    assert dt.date(2027, 2, 19).weekday() == 4  # the due day in these tests is a Friday


# --------------------------------------------------------------------------- bounded input


def test_a_file_over_the_size_limit_is_refused_before_parsing(engine, evaluation) -> None:
    from models.workbook_read import MAX_FILE_BYTES

    message = refused(engine, evaluation, b"PK" + b"\0" * MAX_FILE_BYTES)
    assert message.startswith("Die Datei umwelt.xlsx ist größer als 5 MB und wurde nicht gelesen")


def test_a_sheet_over_the_row_limit_is_refused_with_one_message(engine, evaluation) -> None:
    def long_sheet(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"].cell(row=5_001, column=1).value = "zu weit unten"

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=long_sheet))
    assert message.startswith(
        "Die Datei umwelt.xlsx wurde nicht übernommen: das Blatt „Kennzahlen“ hat mehr als "
        "5.000 Zeilen; nichts wurde gespeichert."
    )
    data = template(engine, evaluation, fmt="csv") + b"Kennzahlen;x\r\n" * 5_001
    message = refused(engine, evaluation, data, "umwelt.csv")
    assert "das Blatt „Kennzahlen“ hat mehr als 5.000 Zeilen" in message


def test_more_than_200_problems_are_listed_as_200_and_a_count(engine, evaluation) -> None:
    def unknown_rows(book) -> None:  # type: ignore[no-untyped-def]
        sheet = book["Kennzahlen"]
        for number in range(300):
            sheet.append([f"unbekannt-{number}"])

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=unknown_rows))
    lines = message.splitlines()
    assert lines[0].startswith("umwelt.xlsx wurde nicht übernommen (300 Probleme)")
    assert len(lines) == 1 + 200 + 1
    assert lines[-1] == "  - … und 100 weitere Probleme"


def test_a_comment_over_the_limit_is_refused_with_its_place(engine, evaluation) -> None:
    def comment(length: int):  # type: ignore[no-untyped-def]
        def edit(book) -> None:  # type: ignore[no-untyped-def]
            book["Kennzahlen"].cell(row=FIRST_ROW, column=7).value = "x" * length

        return edit

    data = fill(template(engine, evaluation), edit=comment(2_001))
    message = refused(engine, evaluation, data)
    assert (
        f"Kennzahlen Zeile {FIRST_ROW}, Spalte G (Kommentar): der Kommentar ist 2.001 Zeichen "
        "lang, erlaubt sind höchstens 2.000"
    ) in message
    assert submit(engine, evaluation, fill(template(engine, evaluation), edit=comment(2_000)))


def test_cli_refuses_an_over_large_file_with_exit_code_2(engine, evaluation, cli, tmp_path) -> None:
    path = tmp_path / "umwelt.xlsx"
    path.write_bytes(b"PK" + b"\0" * (5 * 1024 * 1024))
    before = row_counts(engine)
    result = cli("submit", "2027", str(path), "--on", "2027-02-10")
    assert result.exit_code == 2
    assert "größer als 5 MB" in result.stderr
    assert row_counts(engine) == before


def test_a_long_sheet_without_a_declared_size_is_refused_while_reading() -> None:
    """Without a <dimension> (other software than Excel) the rows are counted as read."""
    import re
    import zipfile

    from models.workbook_read import read_sheets

    book = openpyxl.Workbook()
    book.active.title = "Kennzahlen"
    for number in range(5_001):
        book.active.append([f"k{number}"])
    out = io.BytesIO()
    book.save(out)
    stripped = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(stripped, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb"<dimension [^>]*/>", b"", content)
            target.writestr(item, content)
    with pytest.raises(SubmissionInvalid, match="„Kennzahlen“ hat mehr als 5.000 Zeilen"):
        read_sheets(stripped.getvalue(), "ohne-groesse.xlsx")
