"""Accessible documents (BITV 2.0 / EN 301 549 chapter 10): every PDF the system writes is
tagged (PDF/UA-1: structure tree, marked content), says its language is German and carries
a title; the documents speak of priorities by number and text, never by internal key."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models.body import Body
from models.db import session_scope
from services.cycles import create_cycle
from services.reports import render_report, render_version_diff
from services.scripted_deliveries import small_pdf
from tests.conftest import NOW
from tests.test_transitions import create, resolution_adopted


def keep(name: str, data: bytes) -> None:
    """With DOCUMENTS_OUT=<dir> the documents are kept there for a look (pdftoppm)."""
    folder = os.environ.get("DOCUMENTS_OUT")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(data)


def assert_tagged(data: bytes, title: str) -> PdfReader:
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert str(root["/Lang"]).startswith("de")
    assert str(root["/MarkInfo"]["/Marked"]) in ("True", "true")
    assert "/StructTreeRoot" in root
    assert reader.metadata is not None and title in (reader.metadata.title or "")
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]) in ("True", "true")
    return reader


@pytest.fixture
def year_2026(engine: sa.Engine, loerrach: Body) -> Body:
    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2026, now=NOW, actor="test")
    return loerrach


def test_evaluation_report_pdf_is_tagged_german_and_titled(engine, year_2026) -> None:
    with session_scope(engine) as session:
        pdf = render_report(session, year_2026, 2026, "pdf", NOW)
        html = render_report(session, year_2026, 2026, "html", NOW).decode()
    keep("bericht.pdf", pdf)
    reader = assert_tagged(pdf, "Bericht zur Zielerreichung 2025")
    assert '<html lang="de">' in html
    tags = structure(reader.trailer["/Root"]["/StructTreeRoot"])
    kinds = {kind for kind, _ in tags}
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Caption", "/Figure"} <= kinds
    charts = [alt for kind, alt in tags if kind == "/Figure"]
    assert charts and all(alt and alt.startswith("Verlauf der Ist-Werte") for alt in charts[:5])
    assert any("2022: " in alt and "2025: " in alt for alt in charts if alt)


def structure(node: object) -> list[tuple[str, str | None]]:
    """(tag, alternative text) of every element of a PDF structure tree, depth first."""
    found: list[tuple[str, str | None]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        if not isinstance(item, dict):
            continue
        if "/S" in item:
            alt = item.get("/Alt")
            found.append((str(item["/S"]), str(alt) if alt is not None else None))
        kids = item.get("/K")
        stack.extend(reversed(kids) if isinstance(kids, list) else [kids] if kids else [])
    return found


def test_strategy_diff_pdf_is_tagged_german_and_titled(engine, loerrach) -> None:
    create(engine, loerrach, 2027)
    resolution_adopted(engine, loerrach)
    with session_scope(engine) as session:
        pdf = render_version_diff(session, loerrach, 3, 4, "pdf")
    keep("aenderungen.pdf", pdf)
    assert_tagged(pdf, "Änderungen der Strategie")


def test_plan_draft_pdf_is_tagged_german_and_titled(engine, loerrach) -> None:
    import datetime as dt

    from services.planning_draft import build_draft, draft_bytes
    from tests.test_planning_adoption import accepted

    accepted(engine, loerrach)
    with session_scope(engine) as session:
        draft = build_draft(
            session=session, body=loerrach, plan_year=2028, today=dt.date(2027, 10, 1)
        )
    pdf = draft_bytes(draft, "pdf")
    keep("entwurf.pdf", pdf)
    assert_tagged(pdf, "Entwurf Haushaltsplan 2028")
    html = draft_bytes(draft, "html").decode()
    assert "<td>Klima &amp; Biodiversität, Schwerpunkt 1</td>" in html
    assert "klima-biodiversitaet.1" not in html


def test_simulated_upload_pdf_is_tagged_too() -> None:
    assert_tagged(small_pdf("Beschlussvorlage <Haushalt>"), "Beschlussvorlage <Haushalt>")


def test_report_names_priorities_by_number_and_charts_their_years(engine, year_2026) -> None:
    import re

    from services.report_format import sparkline_svg

    with session_scope(engine) as session:
        html = render_report(session, year_2026, 2026, "html", NOW).decode()
        book = render_report(session, year_2026, 2026, "xlsx", NOW)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Schwerpunkt 2: Der Landkreis gestaltet die digitale" in text
    assert "Kennzahlen zu Digitale Verwaltung, Schwerpunkt 2" in text
    assert not re.findall(r"\b[a-z][a-z-]+\.\d+\b", text)  # no key like digitale-verwaltung.2
    from openpyxl import load_workbook

    cells = [
        str(value)
        for sheet in load_workbook(io.BytesIO(book)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert not [cell for cell in cells if re.fullmatch(r"[a-z][a-z-]+\.\d+", cell)]
    assert any(cell.startswith("Schwerpunkt 1: Der Landkreis senkt") for cell in cells)
    # every sparkline names its first and last year, and its text alternative every value
    chart = sparkline_svg([(2022, 3.0), (2023, None), (2024, 2.5)], target=2.0)
    assert ">2022</text>" in chart and ">2024</text>" in chart
    assert 'aria-label="Verlauf der Ist-Werte: 2022: 3; 2024: 2,5"' in chart
    assert ">2022</text>" in html and "hyphens: auto" in html
    assert 'class="num"' in html and "td.num" in html  # numbers are not hyphenated


def test_strategy_diff_names_each_date_once_and_no_keys(engine, loerrach) -> None:
    create(engine, loerrach, 2027)
    resolution_adopted(engine, loerrach)
    with session_scope(engine) as session:
        html = render_version_diff(session, loerrach, 3, 4, "html").decode()
    assert "Von Version 3 (Beschluss des Kreistags vom 21.07.2021)" in html
    assert html.count("21.07.2027") == 1 and "bildung.2" not in html
    assert ">Schwerpunkt 2</td>" in html  # the removed priority, numbered as it stood


def assert_prints_well(data: bytes, kind: str) -> None:
    """Every sheet prints landscape, fit to one page wide; sheets with a frozen header row
    repeat it on every printed page."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        where = f"{kind}, Blatt {sheet.title}"
        assert sheet.page_setup.orientation == "landscape", where
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0, where
        if sheet.freeze_panes:
            header = int(sheet.freeze_panes[1:]) - 1
            assert sheet.print_title_rows == f"${header}:${header}", where


def test_every_workbook_prints_landscape_fit_to_width_with_its_header(engine, loerrach) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    from services.planning_draft import build_draft, draft_bytes
    from tests.planning_world import template as plan_template
    from tests.test_partial_report import draft as partial_draft
    from tests.test_partial_report import prepare
    from tests.test_submissions import template as figures_template

    prepare(engine, loerrach)
    create(engine, loerrach, 2027)
    resolution_adopted(engine, loerrach)
    with session_scope(engine) as session:
        report = render_report(session, loerrach, 2027, "xlsx", NOW)
        diff = render_version_diff(session, loerrach, 3, 4, "xlsx")
    assert_prints_well(report, "Bericht")
    assert_prints_well(diff, "Strategieänderungen")
    assert (
        load_workbook(io.BytesIO(diff)).active.print_title_rows == "$3:$3"
    )  # the header below the title
    assert_prints_well(figures_template(engine, loerrach), "Kennzahlenvorlage")
    assert_prints_well(partial_draft(engine, loerrach), "Teilhaushaltsbericht")
    assert_prints_well(plan_template(engine, loerrach), "Planungsvorlage")
    with session_scope(engine) as session:
        draft = build_draft(
            session=session, body=loerrach, plan_year=2028, today=dt.date(2027, 10, 1)
        )
    assert_prints_well(draft_bytes(draft, "xlsx"), "Planentwurf")
