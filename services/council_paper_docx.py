"""The council paper as a Word document (python-docx): what the administration edits further.

Headings use Word's own heading styles (the navigation pane and a later PDF export see the
structure), the synopsis is a table whose header row repeats on every page, and the document
and its styles say German (de-DE) so that spelling and hyphenation work.
"""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt
from docx.table import Table

from services.council_paper import CouncilPaper, session_line

LANGUAGE = "de-DE"


def word_document(paper: CouncilPaper, now: dt.datetime | None = None) -> bytes:
    """`now`: the document's creation time (else python-docx's template's)."""
    document = Document()
    properties = document.core_properties
    properties.comments = "Entwurf aus kreislauf (Steuerungskreislauf)"
    if now is not None:
        instant = now.astimezone(dt.UTC).replace(tzinfo=None)
        properties.created = properties.modified = instant
    properties.title = paper.title
    properties.subject = paper.subject
    properties.language = LANGUAGE
    properties.author = paper.body_name
    properties.keywords = "Beschlussvorlage; Zukunftsstrategie; Synopse"
    _german_styles(document.styles.element)
    document.styles["Normal"].font.size = Pt(11)

    document.add_heading(paper.subject, level=0)
    meta = f"{paper.body_name} · {paper.council} · Steuerungskreislauf {paper.year}"
    if paper.paper_reference:
        meta += f" · Vorlage {paper.paper_reference}"
    document.add_paragraph(meta)

    document.add_heading("Beschlussvorschlag", level=1)
    for point in paper.proposal:
        document.add_paragraph(point, style="List Number")
    if paper.resolution:
        document.add_paragraph(f"Beschlossen: {paper.resolution}.")

    document.add_heading("Sachverhalt", level=1)
    document.add_heading("Befragung der Fraktionsvorsitzenden", level=2)
    document.add_paragraph(paper.survey_total)
    if paper.survey:
        survey = document.add_table(rows=1, cols=3)
        survey.style = "Table Grid"
        _header(survey, ("Fraktion", "Vorsitz", "Antwort"))
        for line in paper.survey:
            answer = line.answer + (f" ({line.comment})" if line.comment else "")
            _row(survey, (line.faction, line.leader, answer))

    document.add_heading(paper.session.kind.label, level=2)
    document.add_paragraph(session_line(paper.session) + ".")
    if paper.session.summary:
        document.add_paragraph(f"Ergebnis: {paper.session.summary}")
    if paper.session.participants:
        document.add_paragraph("Teilnehmende: " + ", ".join(paper.session.participants) + ".")

    document.add_heading("Anlage: Synopse", level=1)
    document.add_paragraph(
        "Die strategischen Schwerpunkte in der bisherigen und der neuen Fassung; ein "
        "Schwerpunkt ist nach Handlungsfeld und seiner Nummer darin benannt."
    )
    synopsis = document.add_table(rows=1, cols=5)
    synopsis.style = "Table Grid"
    _header(synopsis, ("Handlungsfeld", "Gegenstand", "Änderung", "bisher", "neu"))
    for entry in paper.synopsis:
        _row(synopsis, (entry.field, entry.priority, entry.change, entry.before, entry.after))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _german_styles(styles: BaseOxmlElement) -> None:
    """<w:lang w:val="de-DE"/> in the document defaults and on every style's run properties."""
    targets: list[BaseOxmlElement] = list(
        styles.findall(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    )
    targets += [style.get_or_add_rPr() for style in styles.findall(qn("w:style"))]
    for rpr in targets:
        lang = rpr.find(qn("w:lang"))
        if lang is None:  # in schema order: only these three may follow w:lang
            lang = OxmlElement("w:lang")
            rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)


def _header(table: Table, titles: tuple[str, ...]) -> None:
    """The first row as the table's header: bold, repeated at the top of every page."""
    row = table.rows[0]
    for cell, title in zip(row.cells, titles, strict=True):
        cell.paragraphs[0].add_run(title).bold = True
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _row(table: Table, values: tuple[str, ...]) -> None:
    row = table.add_row()  # type: ignore[no-untyped-call]  # python-docx leaves it untyped
    for cell, value in zip(row.cells, values, strict=True):
        cell.text = value
