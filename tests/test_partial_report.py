"""The partial budget report (Teilhaushaltsbericht): the draft goes out with the money, the
figures and their lights, comes back with the department's texts, is checked whole, reviewed
by the controlling office and shown in the evaluation report.

Fachbereich Umwelt answers for Teilhaushalt 8 (groups 55.40 and 56.10). In the report year
2026, 56.10 had a plan of 1.650.000 € and a result of 1.531.000 € (−119.000 €, −7,2 %); the
tests lower Lörrach's thresholds to 5 % and 100.000 € so that this deviation needs an
explanation, and record 500 climate consultations (target 1.000): a red figure.
"""

from __future__ import annotations

import io

import openpyxl
import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.body import Body
from models.commands import ReviewPartialReport, ReviewTask, SubmitPartialReport
from models.cycle import Task, TaskStatus
from models.db import session_scope
from models.errors import ConflictError, KreislaufError
from models.partial_report import PartialReport, PartialReportStatus
from models.strategy import KeyFigure, KeyFigureValue
from services.commands import handle
from services.cycles import create_cycle
from services.partial_report_draft import partial_report_task, write_draft
from services.reconcile import reconcile
from services.submission_task import find_department
from tests.conftest import NOW, row_counts
from tests.money_data import insert_budget_lines
from tests.test_web_access import web as web  # noqa: F401  (the fixture)

MARCH = pendulum.datetime(2027, 3, 10, 9, tz="Europe/Berlin")
GROUP_ROWS = {"55.40": 4, "56.10": 5}  # rows of the Produktgruppen sheet
ASSESSMENTS = {
    "55.40": "Naturschutz planmäßig; Pflegeverträge verlängert.",
    "56.10": "Die PV-Ziele wurden fast erreicht, die Beratungen blieben zurück.",
}
DEVIATION = "Weniger Personalaufwand durch unbesetzte Stellen."
RED = "Die Beratungsstelle war sechs Monate unbesetzt."


@pytest.fixture
def world(engine: sa.Engine, loerrach):  # type: ignore[no-untyped-def]
    """Lörrach's 2027 cycle with its evaluation open, money, a red figure, lower thresholds."""
    prepare(engine, loerrach)
    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="test")
    with session_scope(engine) as session:
        body = session.get_one(Body, loerrach.id)
        reconcile(session=session, body=body, year=2027, now=MARCH.subtract(days=37), actor="flow")
        return body


def prepare(engine: sa.Engine, loerrach: Body) -> None:
    """Money, lower thresholds, and 500 climate consultations in 2026 (target 1.000): red."""
    insert_budget_lines(engine, loerrach)
    with session_scope(engine) as session:
        body = session.get_one(Body, loerrach.id)
        body.partial_reports = {"deviation_percent": "5", "deviation_euro": "100000"}
        figure = session.exec(select(KeyFigure).where(KeyFigure.key == "klimaberatungen")).one()
        value = session.exec(
            select(KeyFigureValue).where(
                KeyFigureValue.key_figure_id == figure.id, KeyFigureValue.year == 2026
            )
        ).one()
        value.actual = 500


def draft(engine: sa.Engine, body: Body, department: str = "umwelt") -> bytes:
    with session_scope(engine) as session:
        found = find_department(session=session, body=body, name=department)
        return write_draft(session=session, body=body, year=2027, department=found)


def fill(data: bytes, *, assessments=ASSESSMENTS, deviation=DEVIATION, red=RED, edit=None) -> bytes:  # type: ignore[no-untyped-def]
    """What the department does in Excel: write its texts into the yellow cells."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    groups = book["Produktgruppen"]
    for number, row in GROUP_ROWS.items():
        assert groups.cell(row=row, column=1).value == number
        groups.cell(row=row, column=9).value = assessments.get(number)
    groups.cell(row=GROUP_ROWS["56.10"], column=10).value = deviation
    figures = book["Kennzahlen"]
    for row in range(4, figures.max_row + 1):
        if figures.cell(row=row, column=2).value == "klimaberatungen":
            figures.cell(row=row, column=9).value = red
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def submit(engine: sa.Engine, body: Body, data: bytes, **options):  # type: ignore[no-untyped-def]
    command = SubmitPartialReport(
        options.get("year", 2027), options.get("department"), "bericht.xlsx", data
    )
    with session_scope(engine) as session:
        return handle(command, session=session, body=body, now=MARCH, actor="umwelt").record.id


def task_status(engine: sa.Engine, body: Body) -> TaskStatus:
    with session_scope(engine) as session:
        department = find_department(session=session, body=body, name="umwelt")
        task = partial_report_task(session=session, body=body, year=2027, department=department)
        return TaskStatus(task.status)


def refused(engine: sa.Engine, body: Body, data: bytes, **options) -> str:  # type: ignore[no-untyped-def]
    before = row_counts(engine)
    with pytest.raises(KreislaufError) as caught:
        submit(engine, body, data, **options)
    assert row_counts(engine) == before  # nothing written
    return str(caught.value)


@pytest.mark.both_databases
def test_the_draft_shows_plan_result_deviation_and_the_red_figure(engine, world) -> None:
    book = openpyxl.load_workbook(io.BytesIO(draft(engine, world)))
    groups = book["Produktgruppen"]
    row = [cell.value for cell in groups[GROUP_ROWS["56.10"]]]
    assert row[:3] == ["56.10", "Umweltschutzmaßnahmen", "8 Umwelt"]
    assert (float(row[3]), float(row[4]), float(row[5])) == (1_650_000, 1_531_000, -119_000)
    assert row[7] == "ja (Pflicht)"  # above 5 % and above 100.000 €
    assert groups.protection.sheet
    assert groups.cell(row=4, column=9).protection.locked is False  # the assessment: open
    assert groups.cell(row=4, column=4).protection.locked is True  # the money: locked
    figures = {r[1]: r for r in book["Kennzahlen"].iter_rows(min_row=4, values_only=True)}
    assert figures["klimaberatungen"][4:8] == (1000, 500, "verfehlt", "ja (Pflicht)")
    assert figures["pv-leistung"][7] == "nein"
    goals = [r[1] for r in book["Ziele"].iter_rows(min_row=4, values_only=True)]
    assert any("3.000 kWp Photovoltaik" in text for text in goals)


@pytest.mark.both_databases
def test_a_filled_report_is_submitted_then_accepted(engine, world) -> None:
    report_id = submit(engine, world, fill(draft(engine, world)))
    assert task_status(engine, world) == TaskStatus.submitted
    with session_scope(engine) as session:
        outcome = handle(
            ReviewPartialReport(2027, "umwelt", True),
            session=session,
            body=world,
            now=MARCH,
            actor="controlling",
        )
        assert outcome.record.id == report_id
    assert task_status(engine, world) == TaskStatus.accepted
    with session_scope(engine) as session:
        report = session.get_one(PartialReport, report_id)
        assert PartialReportStatus(report.status) == PartialReportStatus.accepted
    assert "bereits angenommen" in refused(engine, world, fill(draft(engine, world)))


def test_missing_texts_are_named_by_sheet_row_and_column(engine, world) -> None:
    data = fill(draft(engine, world), assessments={"55.40": "Gut."}, deviation=None, red=" ")
    message = refused(engine, world, data)
    assert "bericht.xlsx wurde nicht übernommen (3 Probleme)" in message
    assert (
        "Produktgruppen Zeile 5, Spalte I (Bewertung der Zielerreichung): Bewertung der "
        "Zielerreichung (Produktgruppe 56.10 Umweltschutzmaßnahmen) fehlt" in message
    )
    assert "Produktgruppen Zeile 5, Spalte J (Erläuterung der Abweichung)" in message
    assert "Spalte I (Erläuterung): Erläuterung der verfehlten Kennzahl „Energie- und" in message


def test_a_file_of_another_department_year_or_body_is_refused(engine, world) -> None:
    data = fill(draft(engine, world))
    message = refused(engine, world, data, department="soziales")
    assert (
        "Info Zeile 10, Spalte B (Wert): Fachbereich: die Datei ist für den Fachbereich „umwelt“"
        in message
    )

    def other(book) -> None:  # type: ignore[no-untyped-def]
        book["Info"]["B8"] = 2026
        book["Info"]["B6"] = "musterstadt"

    message = refused(engine, world, fill(draft(engine, world), edit=other))
    assert "den Steuerungskreislauf „2026“, erwartet „2027“" in message
    assert "die Körperschaft „musterstadt“, erwartet „loerrach“" in message


def test_a_report_before_the_phase_opens_is_refused(engine, loerrach) -> None:
    insert_budget_lines(engine, loerrach)
    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="test")
    data = fill(draft(engine, loerrach), deviation=None, red=None)
    with pytest.raises(ConflictError, match="noch nicht fällig"):
        submit(engine, loerrach, data)


def test_review_task_reviews_the_waiting_report(engine, world) -> None:
    with session_scope(engine) as session:
        department = find_department(session=session, body=world, name="umwelt")
        task_id = partial_report_task(
            session=session, body=world, year=2027, department=department
        ).id
    report_id = submit(engine, world, fill(draft(engine, world)))
    with session_scope(engine) as session:
        handle(
            ReviewTask(task_id, False, "Bitte die Abweichung genauer begründen."),
            session=session,
            body=world,
            now=MARCH,
            actor="controlling",
        )
    with session_scope(engine) as session:
        report = session.get_one(PartialReport, report_id)
        assert PartialReportStatus(report.status) == PartialReportStatus.returned
        assert report.review_comment == "Bitte die Abweichung genauer begründen."
        assert TaskStatus(session.get_one(Task, task_id).status) == TaskStatus.returned
    assert submit(engine, world, fill(draft(engine, world))) != report_id  # attempt 2


def test_template_submit_and_review_on_the_command_line(engine, world, cli, tmp_path) -> None:
    target = tmp_path / "bericht.xlsx"
    result = cli("partial-report", "template", "2027", "--department", "umwelt", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Berichtsjahr 2026" in result.output
    empty = cli("partial-report", "submit", "2027", str(target), "--on", "2027-03-10")
    assert empty.exit_code == 2
    assert "Bewertung der Zielerreichung (Produktgruppe 55.40" in empty.output
    target.write_bytes(fill(target.read_bytes()))
    good = cli("partial-report", "submit", "2027", str(target), "--on", "2027-03-10")
    assert good.exit_code == 0, good.output
    assert "Teilhaushaltsbericht 2027 eingereicht (Versuch 1)" in good.output
    again = cli("partial-report", "submit", "2027", str(target), "--on", "2027-03-10")
    assert again.exit_code == 1
    assert "wartet auf Prüfung" in again.output
    no_comment = cli("partial-report", "review", "2027", "--department", "umwelt", "--return")
    assert no_comment.exit_code == 2
    accepted = cli(
        "partial-report",
        "review",
        "2027",
        "--department",
        "umwelt",
        "--accept",
        "--on",
        "2027-03-11",
    )
    assert accepted.exit_code == 0, accepted.output
    assert "(Versuch 1) angenommen" in accepted.output
    assert task_status(engine, world) == TaskStatus.accepted


@pytest.mark.both_databases
def test_the_evaluation_report_shows_the_accepted_assessment(engine, world) -> None:
    from services.reports import render_report

    submit(engine, world, fill(draft(engine, world)))
    with session_scope(engine) as session:
        before = render_report(session, world, 2027, "html", MARCH).decode()
    assert "Noch kein Teilhaushaltsbericht angenommen." in before
    assert ASSESSMENTS["56.10"] not in before  # waiting for review: not yet
    with session_scope(engine) as session:
        handle(
            ReviewPartialReport(2027, "umwelt", True),
            session=session,
            body=world,
            now=MARCH,
            actor="controlling",
        )
    with session_scope(engine) as session:
        html = render_report(session, world, 2027, "html", MARCH).decode()
        workbook = render_report(session, world, 2027, "xlsx", MARCH)
    assert "Fachbereich Umwelt – Teilhaushalt 8 Umwelt" in html
    assert ASSESSMENTS["56.10"] in html
    assert DEVIATION in html
    assert f"Energie- und Klimaschutzberatungen für Bürgerinnen und Bürger:</strong> {RED}" in html
    sheet = openpyxl.load_workbook(io.BytesIO(workbook))["Teilhaushaltsberichte"]
    texts = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ASSESSMENTS["55.40"] in texts and RED in texts


def test_the_report_is_typed_into_the_web_form_and_accepted_there(web) -> None:  # type: ignore[no-untyped-def]
    from tests.test_web_access import form_token
    from tests.webworld import visible_text

    with session_scope(web.engine) as session:
        body = session.exec(select(Body)).one()
    prepare(web.engine, body)
    page = "/cycles/2027/departments/umwelt"
    department = web.login("umwelt")
    text = visible_text(department.get(page).text)
    assert "Teilhaushaltsbericht 2027 (Berichtsjahr 2026)" in text
    assert "Erläuterung der Abweichung (Pflicht)" in text
    workbook = department.get(f"{page}/partial-report.xlsx")
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    before = row_counts(web.engine)
    unfilled = department.post(
        f"{page}/partial-report/upload",
        data={"csrf_token": form_token(department, page)},
        files={"report": ("bericht.xlsx", workbook.content, "application/octet-stream")},
    )
    assert unfilled.status_code == 400
    assert "Produktgruppen Zeile 4, Spalte I (Bewertung der Zielerreichung)" in visible_text(
        unfilled.text
    )
    texts = {
        "assessment:55.40": ASSESSMENTS["55.40"],
        "assessment:56.10": ASSESSMENTS["56.10"],
        "deviation:56.10": DEVIATION,
        "figure:56.10:klimaberatungen": RED,
    }
    partial = department.post(
        f"{page}/partial-report/form",
        data={
            "csrf_token": form_token(department, page),
            "assessment:55.40": texts["assessment:55.40"],
        },
    )
    assert partial.status_code == 400
    shown = visible_text(partial.text)
    assert (
        "Formular: Bewertung der Zielerreichung (Produktgruppe 56.10 Umweltschutzmaßnahmen) fehlt"
        in shown
    )
    assert (
        "Formular: Erläuterung der verfehlten Kennzahl „Energie- und Klimaschutzberatungen" in shown
    )
    assert ASSESSMENTS["55.40"] in partial.text  # what was typed stays
    assert (
        'name="assessment:56.10" rows="3" maxlength="5000" required aria-required="true"'
        in partial.text
    )
    assert row_counts(web.engine) == before

    done = department.post(
        f"{page}/partial-report/form", data={"csrf_token": form_token(department, page), **texts}
    )
    assert "Teilhaushaltsbericht 2027 eingereicht (Versuch 1)" in visible_text(done.text)
    controlling = web.login("controlling")
    assert RED in visible_text(controlling.get(page).text)  # the reviewer reads the texts
    screen = f"{page}/partial-report/review"
    assert f'href="{screen}"' in controlling.get(page).text  # the department page links there
    reviewed = controlling.post(
        f"{screen}/decision",
        data={
            "csrf_token": form_token(controlling, screen),
            "decision": "accept",
            "checked": "yes",
            "attempt": "1",
        },
    )
    assert "Teilhaushaltsbericht 2027 (Versuch 1) angenommen" in visible_text(reviewed.text)
    with session_scope(web.engine) as session:
        report = session.exec(select(PartialReport)).one()
        assert (report.source, PartialReportStatus(report.status)) == (
            "web",
            PartialReportStatus.accepted,
        )


def test_a_deviation_needs_an_explanation_above_both_thresholds() -> None:
    from decimal import Decimal as D

    from models.money import Deviation
    from models.partial_report_rules import PartialReportRules, needs_explanation

    rules = PartialReportRules.of({})  # 10 % and 50.000 €
    assert (rules.deviation_percent, rules.deviation_euro) == (D("10"), D("50000"))
    assert needs_explanation(Deviation(D("-60000"), D("-12.0")), rules)  # savings count too
    assert not needs_explanation(Deviation(D("60000"), D("10.0")), rules)  # not above 10 %
    assert not needs_explanation(Deviation(D("3000"), D("12.0")), rules)  # a small amount
    assert needs_explanation(Deviation(D("60000"), None), rules)  # a plan of 0: euros only
    assert not needs_explanation(None, rules)  # no result yet


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("deviation_percent = -1", "partial_reports.deviation_percent: Zahl ab 0 erwartet"),
        ("deviation_percent = 1001", "partial_reports.deviation_percent: Zahl bis 1000 erwartet"),
        ("deviation_percent = true", "partial_reports.deviation_percent: Zahl erwartet"),
        ("deviation_euro = 'viel'", "partial_reports.deviation_euro: Zahl erwartet, nicht 'viel'"),
        ("deviation_euro = 10.005", "deviation_euro: höchstens 2 Nachkommastellen"),
        ("schwelle = 5", "partial_reports.schwelle: unbekannter Schlüssel"),
    ],
)
def test_bad_thresholds_in_body_toml_are_named(body_dir, line, problem) -> None:
    from config.loader import load_body_config

    toml = body_dir / "body.toml"
    wanted = "deviation_euro = 50000" if "euro" in line else "deviation_percent = 10"
    toml.write_text(toml.read_text().replace(wanted, line))
    with pytest.raises(KreislaufError) as caught:
        load_body_config(body_dir)
    assert problem in str(caught.value)
    assert "body.toml" in str(caught.value)


def test_thresholds_are_stored_on_the_body_and_default_when_absent(
    engine, loerrach, body_dir
) -> None:
    from config.loader import load_body_config
    from services.bodies import update_body
    from services.partial_report_draft import rules_of

    assert rules_of(loerrach).deviation_euro == 50000
    toml = body_dir / "body.toml"
    toml.write_text(toml.read_text().replace("deviation_euro = 50000", "deviation_euro = 75000.5"))
    with session_scope(engine) as session:
        body, changes = update_body(load_body_config(body_dir), session=session, now=NOW, actor="t")
        assert (
            "Schwellen der Teilhaushaltsberichte geändert (body.toml, [partial_reports])" in changes
        )
        assert str(rules_of(body).deviation_euro) == "75000.5"
