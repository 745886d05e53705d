"""The committees' evaluation report in xlsx, HTML and PDF, and the strategy-version diff.

Lörrach's figures.toml (example data) has actuals up to 2025: the cycle 2026 reports
Berichtsjahr 2025 with real colours, worked out by hand from the file (tolerance 5 % unless
the figure says otherwise):

- Photovoltaik: higher is better, target 2400, actual 2050, band 120 -> red ("verfehlt").
- Eingliederungshilfe: lower is better, target 220, actual 231, band 11 -> exactly on the
  band's edge -> yellow ("knapp verfehlt").
- Wärmeverbrauch der Schulgebäude: lower is better, target 112, actual 110 -> green.
- ÖPNV passengers 17.4 after 17.6: 1.1 % fewer -> trend "verschlechtert".
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from models.body import Body
from models.db import session_scope
from models.strategy import KeyFigure, KeyFigureValue
from services.cycles import create_cycle
from services.reports import render_report, render_version_diff
from tests.conftest import NOW, Cli
from tests.test_transitions import MOORE, at, create, resolution_adopted

PV = "Installierte Photovoltaik-Leistung auf Kreisgebäuden"
TEILHABE = "Zuschussbedarf Eingliederungshilfe je Einwohner"
WAERME = "Wärmeverbrauch der Schulgebäude je m² Bruttogrundfläche"
OEPNV = "Fahrgäste im straßengebundenen ÖPNV"
FIELDS = (
    "Bildung",
    "Digitale Verwaltung",
    "Gesundheit",
    "Klima & Biodiversität",
    "Mobilität",
    "Soziales & Familie",
    "Wirtschafts- und Strukturpolitik",
)


@pytest.fixture
def year_2026(engine: sa.Engine, loerrach: Body) -> Body:
    """Lörrach with its 2026 cycle (nothing run: every task still planned, now overdue)."""
    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2026, now=NOW, actor="test")
    return loerrach


def render(engine: sa.Engine, body: Body, year: int, fmt: str, now: dt.datetime = NOW) -> bytes:
    with session_scope(engine) as session:
        return render_report(session, body, year, fmt, now)


def pdf_text(data: bytes) -> str:
    """The PDF's text with whitespace collapsed (table cells wrap their lines) and words
    hyphenated at a line's end (U+2010, not a compound's "-") joined again."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    return text.replace("\u2010 ", "")


def rows_of(data: bytes, sheet: str) -> list[dict[str, object]]:
    book = load_workbook(io.BytesIO(data))
    rows = list(book[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_xlsx_has_a_sheet_per_area_and_the_lights_as_text(engine, year_2026) -> None:
    data = render(engine, year_2026, 2026, "xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Auf einen Blick",
        "Übersicht",
        "Strategie und Geld",
        "Teilhaushalte",
        "Produktgruppen",
        "Schlüsselpositionen",
        "Handlungsfelder",
        "Verlauf",
        "Fachbereiche",
        "Offene Aufgaben",
    ]
    trends = {row["Kennzahl"]: row for row in rows_of(data, "Verlauf")}
    assert (trends[PV]["2022"], trends[PV]["2025"]) == (1100, 2050)
    charts = book["Verlauf"]._charts  # openpyxl reads the charts back
    assert len(charts) == 17
    overview = {row[0]: row[1] for row in book["Übersicht"].iter_rows(values_only=True)}
    assert overview["Berichtsjahr"] == 2025
    assert overview["Kennzahlen"] == "3 erreicht, 10 knapp verfehlt, 4 verfehlt, 0 ohne Wert"
    figures = {row["Kennzahl"]: row for row in rows_of(data, "Handlungsfelder")}
    assert len(figures) == 17
    assert (figures[PV]["Ampel"], figures[PV]["Ampel (Text)"]) == ("✗", "verfehlt")
    assert (figures[PV]["Soll"], figures[PV]["Ist"]) == (2400, 2050)
    assert figures[PV]["Ist 2022"] == 1100
    assert figures[TEILHABE]["Ampel (Text)"] == "knapp verfehlt"
    assert figures[WAERME]["Ampel (Text)"] == "erreicht"
    assert figures[OEPNV]["Trend"] == "↓ verschlechtert"
    assert figures[PV]["Handlungsfeld"] == "Klima & Biodiversität"
    rules = book["Handlungsfelder"].conditional_formatting
    assert any(str(rule.sqref).startswith("M2") for rule in rules)
    key_positions = rows_of(data, "Schlüsselpositionen")
    assert key_positions[0]["Produkt"] == "11.20.04"
    assert {row["Gesamt"] for row in key_positions if row["Produkt"] == "56.10.10"} == {"verfehlt"}


def test_xlsx_departments_summarise_their_partial_budget_report(engine, year_2026) -> None:
    data = render(engine, year_2026, 2026, "xlsx")
    departments = {row["Fachbereich"]: row for row in rows_of(data, "Fachbereiche")}
    umwelt = departments["Fachbereich Umwelt"]
    # PV red, consultations green, compensation areas (149 of 155, band 7.75) yellow
    assert (umwelt["erreicht"], umwelt["knapp verfehlt"], umwelt["verfehlt"]) == (1, 1, 1)
    assert umwelt["Gesamt"] == "verfehlt"
    assert umwelt["Meldung 2026"] == "keine Meldung"
    tasks = rows_of(data, "Offene Aufgaben")
    assert tasks and all(row["Tage überfällig"] > 0 for row in tasks)


def test_html_is_accessible_and_puts_strategy_and_money_first(engine, year_2026) -> None:
    html = render(engine, year_2026, 2026, "html").decode()
    assert "Berichtsjahr 2025" in html
    order = [
        '<h2 class="first">Strategie und Geld</h2>',
        '<h2 class="flow">Teilhaushalte: Geld und Zielerreichung</h2>',
        "<h2>Schlüsselpositionen (ab Haushaltsjahr 2022)</h2>",
        "<h2>Handlungsfelder</h2>",
        "<h2>Produktgruppen-Steckbriefe</h2>",
        "<h2>Meldungen der Fachbereiche</h2>",
    ]
    assert [html.index(heading) for heading in order] == sorted(
        html.index(heading) for heading in order
    )
    for name in FIELDS:
        assert f"<h3>Handlungsfeld {name.replace('&', '&amp;')}</h3>" in html
    assert '<span class="light light-red">✗ verfehlt</span>' in html
    assert '<th scope="col">Ampel</th>' in html and "<caption>" in html
    assert 'role="img" aria-label="Verlauf der Ist-Werte: 2022: 1.100; 2023: 1.450' in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_pdf_names_the_fields_the_figures_and_their_status(engine, year_2026) -> None:
    data = render(engine, year_2026, 2026, "pdf")
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4
    text = pdf_text(data)
    assert "Berichtsjahr 2025" in text
    assert "Seite 1 von" in text
    assert text.index("Schlüsselpositionen") < text.index("Handlungsfeld Bildung")
    for name in FIELDS:
        assert f"Handlungsfeld {name}" in text
    teilhabe = text[text.index(TEILHABE) :][:200]
    assert "knapp verfehlt" in teilhabe
    pv = text[text.index("Installierte Photovoltaik") :][:200]
    assert "verfehlt" in pv and "knapp" not in pv and "2.050" in pv
    assert "erreicht" in text[text.index("Wärmeverbrauch der") :][:200]
    assert "Offene und verspätete Aufgaben" in text and "verspätet" in text


def test_report_of_a_year_without_actuals_is_grey_not_red(engine, year_2026) -> None:
    """2027 reports 2026, which has targets but no actuals yet; one figure is delivered."""
    with session_scope(engine) as session:
        value = session.exec(
            select(KeyFigureValue)
            .join(KeyFigure, KeyFigureValue.key_figure_id == KeyFigure.id)
            .where(KeyFigure.key == "pv-leistung", KeyFigureValue.year == 2026)
        ).one()
        value.actual = 3100
    data = render(engine, year_2026, 2027, "xlsx")
    figures = {row["Kennzahl"]: row for row in rows_of(data, "Handlungsfelder")}
    assert figures[PV]["Ampel (Text)"] == "erreicht"
    assert figures[PV]["Trend"] == "↑ verbessert"
    assert figures[TEILHABE]["Ampel (Text)"] == "keine Angabe"
    assert "verfehlt" not in {row["Ampel (Text)"] for row in figures.values()}
    html = render(engine, year_2026, 2027, "html").decode()
    assert "Berichtsjahr 2026" in html
    assert "Für 2027 ist noch kein Steuerungskreislauf angelegt." in html
    text = pdf_text(render(engine, year_2026, 2027, "pdf"))
    assert "keine Angabe" in text and "Berichtsjahr 2026" in text


def test_cli_writes_the_report_with_the_format_from_the_suffix(cli: Cli, tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    assert cli("cycle", "create", "2026").exit_code == 0
    target = tmp_path / "bericht.xlsx"
    result = cli("report", "2026", "-o", str(target), "--on", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert "Berichtsjahr 2025" in result.output
    assert rows_of(target.read_bytes(), "Übersicht")[3] == {"Angabe": "Stand", "Wert": "25.11.2026"}
    html = tmp_path / "bericht.html"
    assert cli("report", "2026", "-o", str(html)).exit_code == 0
    assert "Bericht zur Zielerreichung" in html.read_text(encoding="utf-8")
    wrong = cli("report", "2026", "-o", str(tmp_path / "bericht.docx"))
    assert wrong.exit_code == 2 and "--format" in wrong.output


def test_version_diff_shows_what_the_resolution_changed(
    engine, loerrach, cli: Cli, tmp_path
) -> None:
    create(engine, loerrach, 2027)
    resolution_adopted(engine, loerrach)
    with session_scope(engine) as session:
        html = render_version_diff(session, loerrach, 3, 4, "html").decode()
        pdf = render_version_diff(session, loerrach, 3, 4, "pdf")
        xlsx = render_version_diff(session, loerrach, 3, 4, "xlsx")
    assert "KT/2027/045" in html and "3 Änderungen" in html
    text = pdf_text(pdf)
    # the changed wording (HITZE) is marked word by word: tests/test_reports_word_diff.py
    shown = ("neu", "geändert", "entfällt", MOORE, "Infektionen", "vor Hitze.")
    for words in (*shown, "Schwerpunkt 2", "Version 4"):
        assert words in text
    assert "bildung.2" not in text and "21.07.2027, 21.07.2027" not in text
    for words in ("Von Version 3 (Beschluss des Kreistags vom 21.07.2021) zu Version 4",):
        assert words in text
    book = load_workbook(io.BytesIO(xlsx))
    changes = [row for row in book.active.iter_rows(min_row=4, values_only=True)]
    assert {row[0] for row in changes} == {"neu", "geändert", "entfällt"}
    # the report of 2027 in July: the evaluation's deliveries were missed when it ended
    # (30 April); they are listed as such, no longer counted overdue
    missed = render(engine, loerrach, 2027, "html", at(2027, 7, 22)).decode()
    assert "versäumt" in missed and "Tage verspätet" not in missed
    target = tmp_path / "aenderungen.pdf"
    result = cli("strategy", "diff", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Version 3 zu 4" in result.output and MOORE in pdf_text(target.read_bytes())
    missing = cli("strategy", "diff", "--from", "7", "-o", str(target))
    assert missing.exit_code == 1 and "Strategieversion 7" in missing.output


def test_report_at_a_day_counts_late_days_from_that_day(engine, year_2026) -> None:
    early = render(engine, year_2026, 2026, "xlsx", pendulum.datetime(2026, 1, 2, tz="UTC"))
    late = render(engine, year_2026, 2026, "xlsx")
    assert len(rows_of(early, "Offene Aufgaben")) < len(rows_of(late, "Offene Aufgaben"))


def test_long_unbroken_comments_get_break_chances_and_stay_escaped() -> None:
    from services.reports import breakable

    assert breakable(None) == "" and breakable("") == ""
    words = "Energie- und Klimaschutzberatungen <b>für</b> Bürgerinnen"
    assert breakable(words) == (
        "Energie- und Klimaschutzberatungen &lt;b&gt;für&lt;/b&gt; Bürgerinnen"
    )
    broken = breakable("siehe " + "x" * 45 + "<")
    assert broken == "siehe " + "\u200b".join(["x" * 20, "x" * 20, "x" * 5 + "&lt;"])
