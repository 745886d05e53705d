"""The strategy-version diff (HTML and PDF) marks a changed priority's words as the web page
/strategy does: struck words in <del>, inserted ones in <ins>, each said in words for screen
readers; added and removed priorities keep their before/after cells.

Lörrach's version 4 changes Gesundheit's priority 1 (config/bodies/loerrach/strategy.toml)
from "… vor übertragbaren Erkrankungen und gesundheitsschädigenden Umwelteinflüssen." to
"… vor Infektionen und vor Hitze." (tests.test_transitions.HITZE)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from models.db import session_scope
from services.reports import render_version_diff
from tests.test_documents import assert_tagged
from tests.test_reports import pdf_text
from tests.test_transitions import create, resolution_adopted


@pytest.fixture
def version_4(engine, loerrach) -> tuple[str, bytes]:
    """The diff of version 3 (2021; 2009 and 2012 are history) to 4 as (HTML, PDF)."""
    create(engine, loerrach, 2027)
    resolution_adopted(engine, loerrach)
    with session_scope(engine) as session:
        html = render_version_diff(session, loerrach, 3, 4, "html").decode()
        pdf = render_version_diff(session, loerrach, 3, 4, "pdf")
    return html, pdf


def test_the_changed_priority_shows_struck_and_inserted_words(version_4) -> None:
    html, pdf = version_4
    assert (
        'vor <del><span class="vh">gestrichen: </span>übertragbaren Erkrankungen</del>'
        ' <ins><span class="vh">eingefügt: </span>Infektionen</ins> und'
    ) in html
    assert '<del><span class="vh">gestrichen: </span>gesundheitsschädigenden' in html
    assert '<ins><span class="vh">eingefügt: </span>vor Hitze.</ins>' in html
    assert "Markierung:" in html and "durchgestrichen" in html and "unterstrichen" in html
    # the old wording is not repeated beside the marked one
    assert html.count("übertragbaren Erkrankungen") == 1
    # added and removed priorities keep their plain before/after cells
    assert "<td>–</td><td>Der Landkreis schützt Moore und Böden" in html
    assert "<td>Das Schulangebot" in html and "angepasst.</td><td>–</td>" in html
    text = pdf_text(pdf)
    for words in ("übertragbaren Erkrankungen", "Infektionen", "vor Hitze.", "gestrichen:"):
        assert words in text
    assert "gesundheitsschädigenden Umwelteinflüssen." in text.replace("\u2010", "")
    assert_tagged(pdf, "Änderungen der Strategie")


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler's pdfinfo is missing")
def test_a_screen_reader_hears_which_words_were_struck_and_inserted(version_4) -> None:
    """In the PDF's structure tree (what a screen reader reads) each marked run follows its
    German word, in reading order."""
    _, pdf = version_4
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "aenderungen.pdf"
        path.write_bytes(pdf)
        tree = subprocess.run(
            ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
        ).stdout
    quoted = [line.strip().strip('"') for line in tree.splitlines() if line.strip().startswith('"')]
    spoken = " ".join(" ".join(quoted).split())
    assert (
        "Der Landkreis schützt seine Bevölkerung vor gestrichen: übertragbaren Erkrankungen"
        " eingefügt: Infektionen und gestrichen:"
    ) in spoken
    assert "eingefügt: vor Hitze." in spoken
