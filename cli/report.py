"""Documents for the committees: the evaluation report and the strategy-version diff.

WeasyPrint and openpyxl are imported by the services only when a document is rendered, so
that `kreislauf status` and the other commands start as fast as before. The report is
rendered in this process without a time limit (unlike the web's, see web.report_worker):
whoever runs the command sees it working and can stop it with Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, body_session, console, now, user_errors, write_file
from cli.setup import strategy_app

SUFFIXES = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".pdf": "pdf"}

OUTPUT = Annotated[
    Path, typer.Option("--output", "-o", metavar="DATEI", help="Zieldatei (.xlsx, .html, .pdf).")
]
FORMAT = Annotated[
    str | None,
    typer.Option(
        "--format", metavar="xlsx|html|pdf", help="Dateiformat (Standard: nach der Endung)."
    ),
]


def output_format(output: Path, fmt: str | None) -> str:
    from models.errors import KreislaufError

    if fmt is not None:
        wanted = fmt.strip().lower()
        if wanted not in ("xlsx", "html", "pdf"):
            raise KreislaufError(f"--format: {fmt!r} ist unbekannt (möglich: xlsx, html, pdf).")
        return wanted
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise KreislaufError(
            f"--output: aus der Endung von {output.name!r} ergibt sich kein Format; "
            "bitte .xlsx, .html oder .pdf verwenden oder --format angeben."
        )
    return SUFFIXES[suffix]


def instant(day: dt.date | None, timezone: str) -> dt.datetime:
    """`now`, or noon of `day` in the body's time zone (the report reads only the day)."""
    if day is None:
        return now(timezone)
    import pendulum

    return pendulum.datetime(day.year, day.month, day.day, 12, tz=timezone)


@app.command("report")
@user_errors
def report(
    year: Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs, z. B. 2027")],
    output: OUTPUT,
    fmt: FORMAT = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="DATUM",
            help="Stand an einem anderen Tag (JJJJ-MM-TT), Standard: heute.",
        ),
    ] = None,
) -> None:
    """Bericht zur Zielerreichung für die Ausschüsse, als xlsx, HTML oder PDF.

    Schlüsselpositionen, Handlungsfelder mit Ampeln und Verlauf, Teilhaushaltsberichte,
    offene und verspätete Aufgaben.

    Der Kreislauf JAHR wertet das Berichtsjahr JAHR-1 aus.
    Beispiel: kreislauf report 2027 -o zielerreichung-2026.pdf
    """
    from models.inputs import check_year, parse_day
    from services.reports import render_report

    check_year(year)
    kind = output_format(output, fmt)
    day = parse_day(on, "on") if on else None
    with body_session() as (session, body):
        data = render_report(session, body, year, kind, instant(day, body.timezone))
    write_file(output, data)
    console().print(f"Bericht {year} (Berichtsjahr {year - 1}) gespeichert: {output}", markup=False)


@strategy_app.command("diff")
@user_errors
def strategy_diff(
    output: OUTPUT,
    from_number: Annotated[
        int | None,
        typer.Option("--from", metavar="VERSION", help="Frühere Version (Standard: die vorige)."),
    ] = None,
    to_number: Annotated[
        int | None,
        typer.Option("--to", metavar="VERSION", help="Spätere Version (Standard: die geltende)."),
    ] = None,
    fmt: FORMAT = None,
) -> None:
    """Was ein Beschluss geändert hat: Schwerpunkte zweier Strategieversionen im Vergleich.

    Beispiel: kreislauf strategy diff --from 1 --to 2 -o aenderungen.pdf
    """
    from models.errors import KreislaufError
    from services.bodies import current_strategy_version
    from services.reports import previous_number, render_version_diff

    kind = output_format(output, fmt)
    with body_session() as (session, body):
        newer = to_number or current_strategy_version(session=session, body=body).number
        older = from_number
        if older is None:  # the version it followed, not a number below (that may be history)
            older = previous_number(session=session, body=body, number=newer)
        if older is None:
            raise KreislaufError(
                f"Es gibt nur Version {newer} der Strategie: noch kein Beschluss hat sie "
                "geändert, also nichts zu vergleichen."
            )
        data = render_version_diff(session, body, older, newer, kind)
    write_file(output, data)
    console().print(
        f"Änderungen von Version {older} zu {newer} gespeichert: {output}", markup=False
    )
