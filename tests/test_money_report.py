"""Money in the evaluation report: Strategie und Geld, Teilhaushalte, Produktgruppen-Steckbriefe.

Budget lines from tests/money_data.py (hand-computed there). The cycle 2027 reports 2026:
54.20 Kreisstraßen plan 9.100.000 €, result 9.620.000 €, deviation +520.000 € (+5,7 %);
the cycle 2026 reports 2025, where 54.20's plan is the fortgeschriebener Ansatz 9.350.000 €.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from models.body import Body
from tests.conftest import MUSTERSTADT, install
from tests.money_data import insert_budget_lines
from tests.test_reports import pdf_text, render, rows_of

NBSP = "\u00a0"


@pytest.fixture
def with_money(engine: sa.Engine, loerrach: Body) -> Body:
    insert_budget_lines(engine, loerrach)
    return loerrach


def test_pdf_shows_a_group_and_its_amounts_in_german_notation(engine, with_money) -> None:
    text = pdf_text(render(engine, with_money, 2027, "pdf"))
    assert (
        "Zuschussbedarf 2026: Plan 15.750.000 €, Ergebnis 15.951.000 €, Abweichung +201.000 €"
        in text
    )
    assert text.index("Strategie und Geld") < text.index("Teilhaushalte: Geld und Zielerreichung")
    assert text.index("Teilhaushalte: Geld") < text.index("Produktgruppen-Steckbriefe")
    profile = text[text.index("54.20 Kreisstraßen Teilhaushalt 9") :][:1600]
    for amount in ("9.100.000 €", "9.620.000 €", "+520.000 €", "+5,7 %", "3.000.000 €"):
        assert amount in profile, amount
    assert "Finanzplanung: 2027: 9.300.000 €; 2028: 9.450.000 €" in profile
    assert "Mobilität, Schwerpunkt 2 (2; Plan 6.066.667 €)" in profile
    environment = text[text.index("56.10 Umweltschutzmaßnahmen Teilhaushalt") :][:700]
    for amount in ("1.650.000 €", "1.531.000 €", "-119.000 €", "-7,2 %"):
        assert amount in environment, amount
    assert "keinem Schwerpunkt zugeordnet Produktgruppen 61.20 1 5.000.000 € 4.800.000 €" in text
    assert "Zuschussbedarf insgesamt 3 15.750.000 € 15.951.000 €" in text
    assert "im Verhältnis ihrer Anzahl je Schwerpunkt" in text
    assert "61.20 Sonstige allgemeine Finanzwirtschaft: 4.800.000 €" in text  # blind spot


def test_the_plan_of_2025_is_the_updated_plan_and_says_so(engine, with_money) -> None:
    html = render(engine, with_money, 2026, "html").decode()
    profile = html[html.index("<h3>54.20 Kreisstraßen</h3>") :][:3000]
    assert "Zuschussbedarf 2025 (Plan: fortgeschriebener Ansatz)" in profile
    assert f"9.350.000{NBSP}€" in profile and f"8.935.250{NBSP}€" in profile
    assert f"-414.750{NBSP}€" in profile and f"-4,4{NBSP}%" in profile
    assert 'aria-label="Zuschussbedarf je Jahr (Plan / Ergebnis): 2024:' in profile
    assert ">2024</text>" in profile and ">2026</text>" in profile  # year labels in the chart


def test_html_has_the_sections_the_rule_and_the_blind_spots(engine, with_money) -> None:
    html = render(engine, with_money, 2027, "html").decode()
    for heading in (
        '<h2 class="first">Strategie und Geld</h2>',
        "<h3>Blinde Flecken</h3>",
        "<h3>Schlüsselpositionen und ihr Geld</h3>",
        '<h2 class="flow">Teilhaushalte: Geld und Zielerreichung</h2>',
        "<h2>Produktgruppen-Steckbriefe</h2>",
    ):
        assert heading in html
    assert "Cent-Beträge werden nach dem Verfahren der größten Reste verteilt" in html
    assert "Schwerpunkte ohne Produktgruppe, Kennzahl oder Leistungsziel" in html
    blind_spots = html[html.index("<h3>Blinde Flecken</h3>") :]
    assert "Mobilität, Schwerpunkt 4:" in blind_spots and "mobilitaet." not in blind_spots
    assert "THH 9 Mobilität und Straßen" in html
    assert "Produktgruppe 56.10" in html  # the key position 56.10.10 shows its group's money
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_xlsx_has_numbers_with_a_euro_format(engine, with_money) -> None:
    data = render(engine, with_money, 2027, "xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[:5] == [
        "Auf einen Blick",
        "Übersicht",
        "Strategie und Geld",
        "Teilhaushalte",
        "Produktgruppen",
    ]
    groups = {row["Produktgruppe"]: row for row in rows_of(data, "Produktgruppen")}
    roads = groups["54.20"]
    assert roads["Zuschussbedarf Plan 2026"] == 9100000
    assert roads["Zuschussbedarf Ergebnis 2026"] == 9620000
    assert (roads["Abweichung"], roads["Abweichung %"]) == (520000, 5.7)
    assert roads["Zuschussbedarf 2025 (Ergebnis, sonst Plan)"] == 8935250
    assert roads["Planbasis"] == "Ansatz"
    assert groups["57.50"]["Zuschussbedarf Plan 2026"] is None
    assert (roads["Finanzplanung 2027"], roads["Finanzplanung 2029"]) == (9300000, 9600000)
    overview = {row[0]: row[1] for row in book["Übersicht"].iter_rows(values_only=True)}
    assert overview["Zuschussbedarf Plan 2026"] == 15750000
    assert overview["Abweichung"] == 201000  # 15.951.000 − 15.750.000
    sheet = book["Produktgruppen"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "54.20")
    cell = row[header.index("Zuschussbedarf Plan 2026")]
    assert cell.data_type == "n" and "€" in cell.number_format
    money = rows_of_strategy(data)
    assert money["Mobilität, Schwerpunkt 2"] == 6066666.67
    assert money["keinem Schwerpunkt zugeordnet"] == 5000000
    budgets = {row["Teilhaushalt"]: row for row in rows_of(data, "Teilhaushalte")}
    assert budgets["9"]["Plan 2026"] == 9100000 and budgets["9"]["Abweichung %"] == 5.7


def rows_of_strategy(data: bytes) -> dict[str, object]:
    """Plan per priority ("field, Schwerpunkt n"; else the text) of 'Strategie und Geld'."""
    sheet = load_workbook(io.BytesIO(data))["Strategie und Geld"]
    rows = list(sheet.iter_rows(values_only=True))
    found = {}
    for row in rows[1:]:
        if row and len(row) > 5 and row[5] is not None:
            found[f"{row[0]}, {row[1]}" if row[1] else row[2]] = row[5]
    return found


def test_a_body_without_budget_lines_says_so(engine, loerrach) -> None:
    html = render(engine, loerrach, 2027, "html").decode()
    assert "Für 2026 liegen keine Haushaltsdaten vor" in html
    assert "Schwerpunkte ohne Produktgruppe, Kennzahl oder Leistungsziel" in html
    assert "0\u00a0€" not in html  # no money is not 0 €
    text = pdf_text(render(engine, loerrach, 2027, "pdf"))
    assert "keine Haushaltsdaten" in text and "Produktgruppen-Steckbriefe" in text
    data = render(engine, loerrach, 2027, "xlsx")
    roads = {row["Produktgruppe"]: row for row in rows_of(data, "Produktgruppen")}["54.20"]
    assert roads["Planbasis"] == "keine Haushaltsdaten"


def test_a_body_without_product_plan_renders(engine: sa.Engine) -> None:
    body = install(engine, MUSTERSTADT)
    html = render(engine, body, 2027, "html").decode()
    assert "kein Produktplan hinterlegt: keine Haushaltsdaten" in html
    assert render(engine, body, 2027, "pdf").startswith(b"%PDF")
    book = load_workbook(io.BytesIO(render(engine, body, 2027, "xlsx")))
    assert book["Produktgruppen"].max_row == 1


def test_a_report_year_without_lines_says_so_though_other_years_have_some(
    engine, with_money
) -> None:
    """2029 has only Finanzplanung: no plan or result of the year, so no sums of 0 €."""
    html = render(engine, with_money, 2030, "html").decode()
    assert "Für 2029 liegen keine Haushaltsdaten vor" in html
    assert "Zuschussbedarf 2029: Plan" not in html
    assert "Finanzplanung: 2027: 9.300.000" in html  # the profile still shows its years
