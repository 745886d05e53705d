"""`kreislauf paper`: the council paper (Beschlussvorlage) for the strategy resolution.

Word (.docx) is the draft the administration edits further; PDF is the tagged document for
reading. The file is written atomically: a temporary file beside it, renamed when complete,
so that an open or earlier version is never left half written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, body_session, console, now, user_errors, write_file

SUFFIXES = {".docx": "docx", ".pdf": "pdf"}


def paper_format(output: Path) -> str:
    from models.errors import KreislaufError

    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise KreislaufError(
            f"--output: aus der Endung von {output.name!r} ergibt sich kein Format; "
            "bitte .docx (Word, zum Weiterbearbeiten) oder .pdf verwenden."
        )
    return SUFFIXES[suffix]


@app.command("paper")
@user_errors
def paper(
    year: Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs, z. B. 2027")],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="DATEI", help="Zieldatei (.docx oder .pdf)."),
    ],
) -> None:
    """Beschlussvorlage zur Fortschreibung der Strategie, als Word (.docx) oder PDF.

    Betreff, Sachverhalt (Befragung, Forum bzw. Klausurtagung, Teilnehmende), Beschlussvorschlag
    und die Synopse bisher/neu der strategischen Schwerpunkte.
    Beispiel: kreislauf paper 2027 -o vorlage.docx
    """
    from models.inputs import check_year
    from services.council_paper_files import render_council_paper

    check_year(year)
    kind = paper_format(output)
    with body_session() as (session, body):
        data = render_council_paper(session, body, year, kind, now(body.timezone))
    write_file(output, data)
    console().print(f"Beschlussvorlage {year} gespeichert: {output}", markup=False)
