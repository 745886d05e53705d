"""Page 1 of the evaluation report, "Auf einen Blick": who delivered, the lights per field of
action, the money of the report year, one lead sentence.

Hand-counted from Lörrach's figures.toml (tolerance 5 % unless the figure says otherwise):

- Berichtsjahr 2025 (cycle 2026), Klima & Biodiversität: Treibhausgas 9310 vs. 9200 (lower is
  better, band 460) yellow; Wärme 110 vs. 112 green; PV 2050 vs. 2400 red; Beratungen 990 vs.
  950 green; Ausgleichsflächen 149 vs. 155 (band 7,75) yellow -> 2 green, 2 yellow, 1 red.
  The 17 figures: 5 Klima, 3 Mobilität, 2 Digitale Verwaltung, 4 Soziales & Familie, one each
  in Bildung, Gesundheit, Wirtschaft; all 17 with a value (3 green, 10 yellow, 4 red).
- Berichtsjahr 2026 (cycle 2027) has no actuals until a delivery is accepted: Umwelt's
  PV 2980 vs. 3000 (band 150) yellow, Beratungen 1012 vs. 1000 green, Ausgleichsflächen 163,5
  vs. 170 (band 8,5) yellow.
- Money (tests/money_data.py), 2026: plan 15.750.000 €, result 15.951.000 €, +201.000 €
  (+1,3 %); deviations 54.20 +520.000 €, 61.20 −200.000 €, 56.10 −119.000 €.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from models.body import Body
from models.commands import ReviewFigures, SubmitFigures
from models.db import session_scope
from models.organisation import Department
from models.workbook import write_csv
from services.commands import handle
from services.evaluation import evaluate
from services.money import money_overview
from services.report_summary import Delivery, DeliveryState, deliveries, summarize
from services.scripted_deliveries import scripted_actual
from services.submissions import build_template
from tests.conftest import NOW
from tests.money_data import insert_budget_lines
from tests.test_documents import assert_tagged
from tests.test_reports import render, rows_of
from tests.test_submissions import berlin, evaluation, fill, review, submit, template  # noqa: F401  (fixture)

ARTIFACTS = Path(__file__).parent / "artifacts"
FIGURES_PER_FIELD = {
    "Klima & Biodiversität": 5,
    "Mobilität": 3,
    "Digitale Verwaltung": 2,
    "Soziales & Familie": 4,
    "Bildung": 1,
    "Gesundheit": 1,
    "Wirtschafts- und Strukturpolitik": 1,
}
LEAD_2025 = "Für das Haushaltsjahr 2025 liegen 17 von 17 Kennzahlen vor; 3 grün, 10 gelb, 4 rot."
LEAD_2026 = "Für das Haushaltsjahr 2026 liegen 3 von 17 Kennzahlen vor; 1 grün, 2 gelb, 0 rot."


@pytest.fixture
def year_2026(engine: sa.Engine, loerrach: Body) -> Body:
    from services.cycles import create_cycle

    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2026, now=NOW, actor="test")
    return loerrach


def summary_of(engine: sa.Engine, body: Body, year: int):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return summarize(
            evaluate(session=session, body=body, year=year, now=NOW),
            deliveries(session=session, body=body, year=year),
            money_overview(session=session, body=body, year=year),
        )


def deliver(engine: sa.Engine, body: Body, key: str, accept: bool | None, day: int) -> None:
    """Department `key` hands in its filled template on `day` February 2027; the controlling
    office reviews it the next day (accept True/False) or not yet (None)."""
    with session_scope(engine) as session:
        department = session.exec(
            select(Department).where(Department.key == key, Department.body_id == body.id)
        ).one()
        found = build_template(session=session, body=body, year=2027, department=department)
        figures = [replace(row, actual=scripted_actual(row, 2026)) for row in found.figures]
        content = write_csv(replace(found, figures=figures))
        handle(
            SubmitFigures(2027, None, f"{key}.csv", content),
            session=session,
            body=body,
            now=berlin(2, day),
            actor=f"fb-{key}",
        )
        name = department.name
    if accept is not None:
        comment = None if accept else "Bitte prüfen"
        with session_scope(engine) as session:
            handle(
                ReviewFigures(2027, name, accept, comment),
                session=session,
                body=body,
                now=berlin(2, day + 1),
                actor="ctrl",
            )


def page_one(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join((reader.pages[0].extract_text() or "").split()).replace("\u2010 ", "")


def look(name: str, data: bytes) -> None:
    """Page 1 as PNG in tests/artifacts/ (gitignored), for a look."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)],
        check=True,
    )


# --------------------------------------------------------------------------- the numbers


def test_the_matrix_counts_each_fields_figures_per_light(engine, year_2026) -> None:
    s = summary_of(engine, year_2026, 2026)
    rows = {row.name: row.counts for row in s.rows}
    assert {name: c.total for name, c in rows.items()} == FIGURES_PER_FIELD
    assert all(c.without_value == 0 for c in rows.values())
    klima = rows["Klima & Biodiversität"]
    assert (klima.green, klima.yellow, klima.red) == (2, 2, 1)
    assert (s.total.green, s.total.yellow, s.total.red, s.total.without_value) == (3, 10, 4, 0)
    assert sum(c.total for c in rows.values()) == s.total.total == 17
    assert s.lead == LEAD_2025
    assert s.money is None  # no budget lines


@pytest.mark.both_databases
def test_deliveries_say_who_is_accepted_waiting_returned_or_missing(engine, evaluation) -> None:  # noqa: F811
    submit(engine, evaluation, fill(template(engine, evaluation)))  # Umwelt, 10 February
    review(engine, evaluation, accept=True, when=berlin(2, 12))
    deliver(engine, evaluation, "digitalisierung", None, day=15)
    deliver(engine, evaluation, "soziales", False, day=16)
    s = summary_of(engine, evaluation, 2027)
    by_name = {d.department: d for d in s.deliveries}
    umwelt = by_name["Fachbereich Umwelt"]
    assert (umwelt.state, umwelt.when) == (DeliveryState.accepted, "am 12.02.2027")
    digital = by_name["Fachbereich Digitalisierung und IT"]
    assert (digital.state, digital.when) == (DeliveryState.submitted, "am 15.02.2027")
    soziales = by_name["Fachbereich Soziales"]
    assert (soziales.state, soziales.when) == (DeliveryState.returned, "am 17.02.2027")
    missing = by_name["Fachbereich Gesundheit"]
    assert missing.state == DeliveryState.missing and missing.when.startswith("fällig ")
    assert "Zentrales Controlling / Strategische Steuerung" not in by_name
    total = len(s.deliveries)
    assert total == 10
    assert s.delivery_text == (
        f"1 von {total} Fachbereichen angenommen; 1 eingereicht, Prüfung offen; "
        f"1 zurückgegeben; {total - 3} keine Meldung"
    )
    # only the accepted figures count: Umwelt's three of Berichtsjahr 2026
    klima = {row.name: row.counts for row in s.rows}["Klima & Biodiversität"]
    assert (klima.green, klima.yellow, klima.red, klima.without_value) == (1, 2, 0, 2)
    assert s.lead == LEAD_2026


def test_lead_sentence_in_singular_and_without_figures() -> None:
    from models.achievement import Rollup
    from services.report_summary import lead_sentence

    assert lead_sentence(2026, Rollup(green=1, without_value=1)) == (
        "Für das Haushaltsjahr 2026 liegt 1 von 2 Kennzahlen vor; 1 grün, 0 gelb, 0 rot."
    )
    assert lead_sentence(2026, Rollup(without_value=3)) == (
        "Für das Haushaltsjahr 2026 liegen 0 von 3 Kennzahlen vor."
    )
    assert lead_sentence(2026, Rollup()) == (
        "Für das Haushaltsjahr 2026 sind keine Kennzahlen erfasst."
    )


def test_money_totals_and_the_three_largest_deviations(engine, loerrach) -> None:
    insert_budget_lines(engine, loerrach)
    s = summary_of(engine, loerrach, 2027)
    assert s.money is not None
    assert (s.money.planned, s.money.result) == (Decimal(15_750_000), Decimal(15_951_000))
    assert s.money.deviation is not None
    assert (s.money.deviation.amount, s.money.deviation.pct) == (Decimal(201_000), Decimal("1.3"))
    assert [(g.number, g.deviation.amount) for g in s.money.largest] == [
        ("54.20", Decimal(520_000)),
        ("61.20", Decimal(-200_000)),
        ("56.10", Decimal(-119_000)),
    ]
    assert all(isinstance(g.planned, Decimal) for g in s.money.largest)
    # a year with only Finanzplanung has no money block
    assert summary_of(engine, loerrach, 2030).money is None


def test_a_summary_without_cycle_has_no_deliveries(engine, loerrach) -> None:
    s = summary_of(engine, loerrach, 2026)
    assert (s.has_cycle, s.deliveries) == (False, [])
    assert s.delivery_text == "Keine Kennzahlenmeldung angefordert."


def test_delivery_day_text() -> None:
    import datetime as dt

    due = dt.date(2027, 2, 19)
    assert Delivery("A", DeliveryState.missing, None, None, due).when == "fällig 19.02.2027"
    assert (
        Delivery("A", DeliveryState.accepted, dt.date(2027, 2, 3), 1, due).when == "am 03.02.2027"
    )


# --------------------------------------------------------------------------- the documents


def test_page_one_of_the_pdf_is_the_summary(engine, year_2026) -> None:
    data = render(engine, year_2026, 2026, "pdf")
    look("summary-2026", data)
    assert_tagged(data, "Bericht zur Zielerreichung 2025")
    first = page_one(data)
    assert "Auf einen Blick" in first
    assert LEAD_2025 in first
    for name in FIGURES_PER_FIELD:
        assert name in first, name
    assert "Insgesamt 3 10 4 0 17" in first
    assert "Klima & Biodiversität 2 2 1 0 5" in first
    assert "keine Meldung" in first and "0 von 10 Fachbereichen angenommen" in first
    assert "Geld 2025" not in first  # no budget data, no money block
    assert "Strategie und Geld" not in first  # the report proper starts on page 2
    reader = PdfReader(io.BytesIO(data))
    assert "Strategie und Geld" in (reader.pages[1].extract_text() or "")


def test_page_one_shows_the_money_where_budget_data_exist(engine, loerrach) -> None:
    insert_budget_lines(engine, loerrach)
    from services.cycles import create_cycle

    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="test")
    data = render(engine, loerrach, 2027, "pdf")
    look("summary-2027-money", data)
    first = page_one(data)
    assert "Auf einen Blick" in first and "Geld 2026" in first
    assert (
        "Zuschussbedarf 2026: Plan 15.750.000 €, Ergebnis 15.951.000 €, "
        "Abweichung +201.000 € (+1,3 %)" in first
    )
    assert first.index("54.20 Kreisstraßen") < first.index("61.20") < first.index("56.10")
    assert "+520.000 € (+5,7 %)" in first and "-119.000 € (-7,2 %)" in first
    assert "Strategie und Geld" not in first
    cells = [
        [c for c in row if c is not None]
        for row in load_workbook(io.BytesIO(render(engine, loerrach, 2027, "xlsx")))[
            "Auf einen Blick"
        ].iter_rows(values_only=True)
    ]
    assert ["Insgesamt", 15_750_000, 15_951_000, 201_000, 1.3] in cells
    assert ["54.20 Kreisstraßen", 9_100_000, 9_620_000, 520_000, 5.7] in cells


def test_html_summary_is_a_proper_table_before_the_report(engine, year_2026) -> None:
    html = render(engine, year_2026, 2026, "html").decode()
    start = html.index("Auf einen Blick")
    assert start < html.index('<h2 class="first">Strategie und Geld</h2>')
    block = html[start : html.index("</section>", start)]
    assert "<caption>Ampeln je Handlungsfeld" in block
    assert '<th scope="row">Klima &amp; Biodiversität</th>' in block
    assert block.count('<th scope="col"') >= 6
    assert "✓ grün" in block and "✗ rot" in block and "○ ohne Wert" in block


def test_xlsx_starts_with_the_summary_sheet(engine, year_2026) -> None:
    data = render(engine, year_2026, 2026, "xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "Auf einen Blick"
    cells = [
        [c for c in row if c is not None]
        for row in book["Auf einen Blick"].iter_rows(values_only=True)
    ]
    assert [LEAD_2025] in cells
    assert ["Klima & Biodiversität", 2, 2, 1, 0, 5] in cells
    assert ["Insgesamt", 3, 10, 4, 0, 17] in cells
    assert rows_of(data, "Übersicht")[2] == {"Angabe": "Berichtsjahr", "Wert": 2025}
    assert "Geld 2025: Zuschussbedarf" not in str(cells)  # no budget data, no money block
