"""`kreislauf paper`: the council paper (Beschlussvorlage) for the strategy resolution.

Word (.docx) is the draft the administration edits further; PDF is the tagged document for
reading. The file is written atomically: a temporary file beside it, renamed when complete,
so that an open or earlier version is never left half written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, body_session, console, now, user_errors
from models.german import os_error

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


def write_atomically(output: Path, data: bytes) -> None:
    from models.errors import KreislaufError

    directory = output.parent if str(output.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{output.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise KreislaufError(
            f"--output: {output} kann nicht geschrieben werden: {os_error(error)}."
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, output)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise KreislaufError(
            f"--output: {output} kann nicht geschrieben werden: {os_error(error)}."
        ) from None


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
    write_atomically(output, data)
    console().print(f"Beschlussvorlage {year} gespeichert: {output}", markup=False)
