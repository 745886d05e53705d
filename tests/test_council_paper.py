"""The council paper (Beschlussvorlage) for the strategy resolution: composed from the recorded
survey, forum and change set; written as Word (read back with python-docx) and as a tagged
German PDF; `kreislauf paper` refuses what it cannot write; the resolution keeps the paper's
reference and shows it.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn
from sqlmodel import select

from models.body import Body
from models.change_set import FieldContent, StrategyContent
from models.commands import RecordResolution
from models.db import session_scope
from models.decisions import Resolution, SessionKind, SessionTrigger
from models.errors import ConflictError, KreislaufError
from services.council_paper import SessionFacts, compose_paper, council_paper
from services.council_paper_files import render_council_paper
from services.cycle_views import decision_lines
from services.cycles import get_cycle
from tests.conftest import Cli, row_counts
from tests.test_decisions_cli import ON, YEAR, town  # noqa: F401  (fixture)
from tests.test_documents import assert_tagged, keep
from tests.test_transitions import (
    HITZE,
    MOORE,
    at,
    create,
    decide,
    forum_held,
    run,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
KEYS = ("klima-biodiversitaet.", "gesundheit.1", "bildung.2")  # internal keys: never shown


# --------------------------------------------------------------------------- pure part


def content(*fields: tuple[str, str, list[tuple[str, str]]]) -> StrategyContent:
    return StrategyContent(tuple(FieldContent(key, name, (), tuple(p)) for key, name, p in fields))


def test_the_paper_is_composed_from_survey_session_and_changes() -> None:
    old = content(
        ("verkehr", "Mobilität", [("verkehr.1", "Mehr Busse."), ("verkehr.2", "Radwege.")]),
        ("wohnen", "Wohnen", [("wohnen.1", "Bauland.")]),
    )
    new = content(
        ("verkehr", "Mobilität", [("verkehr.2", "Radwege überall.")]),
        ("wohnen", "Wohnen", [("wohnen.1", "Bauland."), ("wohnen.2", "Geförderte Wohnungen.")]),
    )
    session = SessionFacts(
        SessionKind.forum,
        dt.date(2027, 5, 20),
        SessionTrigger.survey,
        None,
        ("Landrätin", "Liste A"),
        "Mehr Radverkehr",
    )
    paper = compose_paper(
        body_name="Musterstadt",
        council="Gemeinderat",
        year=2027,
        answers=[("Liste A", "A. Alpha", True, "Radwege!"), ("Liste B", "B. Beta", None, None)],
        session=session,
        old=old,
        new=new,
    )
    assert paper.subject == "Fortschreibung der Zukunftsstrategie – Beschluss"
    assert paper.proposal[0].startswith("Der Gemeinderat beschließt die Fortschreibung")
    assert "wie in der Anlage (Synopse) dargestellt (3 Änderungen" in paper.proposal[0]
    assert paper.survey_total == (
        "1 von 2 Fraktionen sehen Bedarf für eine Aktualisierung; 1 ohne Antwort."
    )
    assert [line.answer for line in paper.survey] == ["Bedarf", "keine Antwort"]
    retreat = compose_paper(
        body_name="Musterstadt",
        council="Gemeinderat",
        year=2029,
        answers=[("Liste A", "A. Alpha", None, None)],
        session=session,
        old=old,
        new=new,
        survey_held=False,
    )
    assert retreat.survey == () and "keine Befragung" in retreat.survey_total
    rows = [(r.field, r.priority, r.change, r.before, r.after) for r in paper.synopsis]
    assert rows == [
        ("Mobilität", "Schwerpunkt 1", "entfällt", "Mehr Busse.", "–"),
        ("Mobilität", "Schwerpunkt 1", "geändert", "Radwege.", "Radwege überall."),
        ("Wohnen", "Schwerpunkt 2", "neu", "–", "Geförderte Wohnungen."),
    ]


# --------------------------------------------------------------------------- from the database


@pytest.fixture
def forum_2027(engine: sa.Engine, loerrach: Body) -> Body:
    create(engine, loerrach, 2027)
    forum_held(engine, loerrach)
    return loerrach


def render(engine: sa.Engine, body: Body, fmt: str) -> bytes:
    with session_scope(engine) as session:
        return render_council_paper(session, body, 2027, fmt, at(2027, 5, 22, 10))


def test_the_word_paper_has_headings_a_repeated_header_and_the_synopsis_by_name(
    engine: sa.Engine, forum_2027: Body
) -> None:
    data = render(engine, forum_2027, "docx")
    keep("vorlage.docx", data)
    document = Document(io.BytesIO(data))
    assert document.core_properties.title.startswith("Beschlussvorlage 2027")
    assert document.core_properties.language == "de-DE"
    assert document.core_properties.created == dt.datetime(2027, 5, 22, 8, 0, tzinfo=dt.UTC)
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings == [
        ("Title", "Fortschreibung der Zukunftsstrategie – Beschluss"),
        ("Heading 1", "Beschlussvorschlag"),
        ("Heading 1", "Sachverhalt"),
        ("Heading 2", "Befragung der Fraktionsvorsitzenden"),
        ("Heading 2", "Forum Zukunftsstrategie"),
        ("Heading 1", "Anlage: Synopse"),
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Der Kreistag beschließt die Fortschreibung der Zukunftsstrategie" in text
    assert "wie in der Anlage (Synopse) dargestellt" in text
    assert "2 von 6 Fraktionen sehen Bedarf" in text
    assert "Forum Zukunftsstrategie am 20.05.2027" in text
    assert "Ergebnis: Klimaanpassung und Gesundheitsschutz stärken" in text
    assert "Teilnehmende: Landrätin" in text
    survey, synopsis = document.tables
    assert len(survey.rows) == 7  # header and six factions
    rows = [[cell.text for cell in row.cells] for row in synopsis.rows]
    assert rows[0] == ["Handlungsfeld", "Gegenstand", "Änderung", "bisher", "neu"]
    body_rows = {row[2]: row for row in rows[1:]}
    assert set(body_rows) == {"neu", "geändert", "entfällt"}
    assert body_rows["neu"][0] == "Klima & Biodiversität" and body_rows["neu"][4] == MOORE
    assert body_rows["neu"][3] == "–"
    assert body_rows["geändert"][0] == "Gesundheit" and body_rows["geändert"][4] == HITZE
    assert body_rows["geändert"][1] == "Schwerpunkt 1"
    assert body_rows["entfällt"][0] == "Bildung" and body_rows["entfällt"][4] == "–"
    assert body_rows["entfällt"][1] == "Schwerpunkt 2"
    everything = text + "".join(cell for row in rows for cell in row)
    assert not any(key in everything for key in KEYS)
    header = synopsis.rows[0]._tr.trPr
    assert header is not None and header.find(qn("w:tblHeader")) is not None
    normal = document.styles["Normal"].element.rPr
    lang = normal.find(qn("w:lang")) if normal is not None else None
    assert lang is not None and lang.get(qn("w:val")) == "de-DE"


def test_the_pdf_paper_is_tagged_german_and_holds_the_synopsis(
    engine: sa.Engine, forum_2027: Body
) -> None:
    data = render(engine, forum_2027, "pdf")
    keep("vorlage.pdf", data)
    reader = assert_tagged(data, "Beschlussvorlage 2027")
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Beschlussvorschlag" in text and "Synopse" in text
    assert "Klima & Biodiversität" in text and "Schwerpunkt 4" in text and MOORE in text
    assert not any(key in text for key in KEYS)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "vorlage.pdf").write_bytes(data)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "vorlage.pdf", "vorlage"],
            cwd=ARTIFACTS,
            check=True,
        )


def test_without_a_recorded_session_there_is_no_paper_and_it_says_what_to_record(
    engine: sa.Engine, loerrach: Body
) -> None:
    create(engine, loerrach, 2027)
    with session_scope(engine) as session, pytest.raises(ConflictError) as caught:
        council_paper(session=session, body=loerrach, year=2027)
    assert "noch kein Forum und keine Klausurtagung" in str(caught.value)
    assert "kreislauf forum record 2027" in (caught.value.hint or "")


def test_the_adopted_paper_carries_the_resolution_and_its_paper_reference(
    engine: sa.Engine, forum_2027: Body
) -> None:
    run(engine, forum_2027, at(2027, 5, 21, 11))
    run(engine, forum_2027, at(2027, 7, 1))
    command = RecordResolution(2027, "KT/2027/045", dt.date(2027, 7, 21), " 2027/0123 ")
    decide(engine, forum_2027, command, at(2027, 7, 21, 18), "erika")
    with session_scope(engine) as session:
        stored = session.exec(select(Resolution)).one()
        assert stored.paper_reference == "2027/0123"
        paper = council_paper(session=session, body=forum_2027, year=2027)
        cycle = get_cycle(session=session, body=forum_2027, year=2027)
        decisions = decision_lines(session=session, cycle=cycle)
    assert paper.paper_reference == "2027/0123"
    assert paper.resolution == "Beschluss KT/2027/045 vom 21.07.2027"
    assert len(paper.synopsis) == 3  # the adopted versions' difference, as before
    assert any(
        "Beschluss KT/2027/045 vom 21.07.2027 (Vorlage 2027/0123)" in line for line in decisions
    )
    text = "\n".join(
        p.text for p in Document(io.BytesIO(render(engine, forum_2027, "docx"))).paragraphs
    )
    assert "Vorlage 2027/0123" in text and "Beschlossen: Beschluss KT/2027/045" in text


@pytest.mark.parametrize("reference", ["x" * 41, "2027/\n0123"])
def test_a_bad_paper_reference_is_refused_naming_its_field(reference: str) -> None:
    with pytest.raises(KreislaufError) as caught:
        RecordResolution(2027, "KT/2027/045", dt.date(2027, 7, 21), reference)
    assert caught.value.field == "paper_reference"
    assert "Aktenzeichen der Vorlage" in str(caught.value)


# --------------------------------------------------------------------------- the command line


def test_the_cli_refuses_an_unknown_suffix_and_a_paper_without_a_session(
    town: Cli,  # noqa: F811
    tmp_path: Path,
    engine: sa.Engine,
) -> None:
    wrong = town("paper", str(YEAR), "-o", str(tmp_path / "vorlage.txt"))
    assert wrong.exit_code != 0 and "Traceback" not in wrong.output
    assert ".docx" in wrong.stderr and "vorlage.txt" in wrong.stderr
    early = town("paper", str(YEAR), "-o", str(tmp_path / "vorlage.docx"))
    assert early.exit_code == 1, early.output
    assert "noch kein Forum und keine Klausurtagung" in early.stderr
    assert "kreislauf forum record" in early.stderr
    assert not (tmp_path / "vorlage.docx").exists()
    assert list(tmp_path.glob(".vorlage*")) == []


def test_the_cli_writes_the_paper_and_the_resolution_records_its_reference(
    town: Cli,  # noqa: F811
    tmp_path: Path,
    engine: sa.Engine,
) -> None:
    assert town("forum", "convene", str(YEAR), "--reason", "Radverkehr", *ON).exit_code == 0
    changes = str(tmp_path / "changes.toml")
    held = town(
        "forum", "record", str(YEAR), "--held-on", f"{YEAR}-01-01", "--changes", changes, *ON
    )
    assert held.exit_code == 0, held.output
    for name in ("vorlage.docx", "vorlage.pdf"):
        written = town("paper", str(YEAR), "-o", str(tmp_path / name))
        assert written.exit_code == 0, written.output
        assert "Beschlussvorlage 2027 gespeichert" in written.stdout
    document = Document(str(tmp_path / "vorlage.docx"))
    rows = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    changed = [row for row in rows if row[2] == "geändert"]
    assert [row[1:] for row in changed] == [
        ["Schwerpunkt 1", "geändert", changed[0][3], "Der Radverkehrsanteil steigt auf 30 %."]
    ]
    assert any(
        row[2] == "neu" and row[4] == "Jede dritte neue Wohnung ist gefördert." for row in rows
    )
    assert not any("verkehr.1" in cell or "wohnen.2" in cell for row in rows for cell in row)
    assert_tagged((tmp_path / "vorlage.pdf").read_bytes(), "Beschlussvorlage 2027")
    before = row_counts(engine)
    too_long = town(
        "resolution", "record", str(YEAR), "--date", f"{YEAR}-01-01", "--number", "R/1",
        "--paper", "x" * 41, *ON,
    )  # fmt: skip
    assert too_long.exit_code == 2, too_long.output
    assert "--paper" in too_long.stderr and "Aktenzeichen" in too_long.stderr
    assert row_counts(engine) == before
    resolved = town(
        "resolution", "record", str(YEAR), "--date", f"{YEAR}-01-01", "--number", "R/1",
        "--paper", "2027/0123", *ON,
    )  # fmt: skip
    assert resolved.exit_code == 0, resolved.output
    assert "(Vorlage 2027/0123)" in resolved.stdout
    status = town("status", str(YEAR))
    assert "Beschluss R/1 vom 01.01.2027 (Vorlage 2027/0123)" in status.stdout
