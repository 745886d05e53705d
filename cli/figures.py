"""Key-figure reporting: the department's workbook, its submission and the review.

openpyxl is imported only inside the commands (through services.submissions' helpers), so
that `kreislauf status` starts as fast as before (bench/cli_startup).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from cli.app import (
    ON,
    actor,
    app,
    body_session,
    console,
    now,
    read_workbook,
    user_errors,
    write_file,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from models.submissions import SubmissionFigure, SubmissionMeasure
    from services.submission_template import Format

YEAR = Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs, z. B. 2027")]
DEPARTMENT = Annotated[
    str,
    typer.Option("--department", metavar="FACHBEREICH", help="Fachbereich (Name oder Kürzel)."),
]


@app.command("template")
@user_errors
def template(
    year: YEAR,
    department: DEPARTMENT,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="DATEI",
            help="Zieldatei (Standard: <fachbereich>-<jahr>.xlsx).",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", metavar="xlsx|csv", help="Dateiformat (Standard: nach der Dateiendung)."
        ),
    ] = None,
) -> None:
    """Meldevorlage eines Fachbereichs schreiben: Kennzahlen und Maßnahmen zum Ausfüllen.

    Kennzahlen mit Soll und Ist des Vorjahres, leere Zellen für Ist und Kommentar;
    Maßnahmen mit Status.

    Im Kreislauf JAHR wird das Berichtsjahr JAHR-1 gemeldet.
    Beispiel: kreislauf template 2027 --department "Fachbereich Umwelt" -o umwelt.xlsx
    """
    from models.errors import KreislaufError
    from models.inputs import check_year
    from services.submissions import find_department, write_template

    check_year(year)
    chosen = (fmt or (output.suffix.lstrip(".") if output and output.suffix else "xlsx")).lower()
    if chosen not in ("xlsx", "csv"):
        raise KreislaufError(f"--format: {chosen!r} unbekannt; erwartet xlsx oder csv.")
    with body_session() as (session, body):
        found = find_department(session=session, body=body, name=department)
        data = write_template(session, body, year, found.key, cast("Format", chosen))  # checked
    target = output or Path(f"{found.key}-{year}.{chosen}")
    write_file(target, data)
    console().print(
        f"Vorlage für {found.name} geschrieben: {target} "
        f"(Kreislauf {year}, Berichtsjahr {year - 1})",
        markup=False,
    )


@app.command("submit")
@user_errors
def submit(
    year: YEAR,
    file: Annotated[
        Path, typer.Argument(metavar="DATEI", help="Ausgefüllte Vorlage (.xlsx/.csv).")
    ],
    department: Annotated[
        str | None,
        typer.Option(
            "--department",
            metavar="FACHBEREICH",
            help="Nur annehmen, wenn die Datei zu diesem Fachbereich gehört.",
        ),
    ] = None,
    on: ON = None,
) -> None:
    """Ausgefüllte Meldevorlage einreichen; nur eine fehlerfreie Datei wird übernommen.

    Die Aufgabe gilt dann als eingereicht.

    Beispiel: kreislauf submit 2027 umwelt.xlsx
    """
    from models.commands import SubmitFigures
    from models.german import plural
    from models.inputs import check_year
    from services.commands import handle

    check_year(year)
    data = read_workbook(file)
    command = SubmitFigures(year, department, file.name, data)
    with body_session() as (session, body):
        outcome = handle(
            command, session=session, body=body, now=now(body.timezone, on), actor=actor()
        )
        counts = _counts(session=session, submission_id=outcome.record.id)
        attempt = outcome.record.attempt
    console().print(
        f"Meldung {year} eingereicht (Versuch {attempt}): "
        f"{plural(counts[0], 'Kennzahl', 'Kennzahlen')}, "
        f"{plural(counts[1], 'Maßnahme', 'Maßnahmen')}. Das Controlling prüft sie "
        f"(kreislauf review {year} --department ...).",
        markup=False,
    )


def _counts(*, session: Session, submission_id: int) -> tuple[int, int]:
    import sqlalchemy as sa
    from sqlmodel import col

    from models.submissions import SubmissionFigure, SubmissionMeasure

    def count(table: type[SubmissionFigure] | type[SubmissionMeasure]) -> int:
        return session.execute(
            sa.select(sa.func.count()).where(col(table.submission_id) == submission_id)
        ).scalar_one()

    return count(SubmissionFigure), count(SubmissionMeasure)


@app.command("review")
@user_errors
def review(
    year: YEAR,
    department: DEPARTMENT,
    accept: Annotated[
        bool | None,
        typer.Option(
            "--accept/--return",
            help="Annehmen (die Ist-Werte gelten) oder mit Kommentar zurückgeben.",
            show_default=False,
        ),
    ] = None,
    comment: Annotated[
        str | None, typer.Option("--comment", metavar="TEXT", help="Kommentar des Controllings.")
    ] = None,
    on: ON = None,
) -> None:
    """Eingereichte Meldung prüfen: annehmen oder mit Kommentar zurückgeben.

    Nach einer Rückgabe ist die Aufgabe wieder offen und wird wieder erinnert.

    Beispiel: kreislauf review 2027 --department umwelt --return --comment "Ist PV fehlt"
    """
    from models.commands import ReviewFigures
    from models.errors import KreislaufError
    from services.commands import handle

    if accept is None:
        raise KreislaufError("Bitte --accept oder --return angeben.")
    command = ReviewFigures(year, department, accept, comment)
    with body_session() as (session, body):
        outcome = handle(
            command, session=session, body=body, now=now(body.timezone, on), actor=actor()
        )
        attempt = outcome.record.attempt
    if accept:
        text = f"Meldung {year} (Versuch {attempt}) angenommen; die Ist-Werte {year - 1} gelten."
    else:
        text = f"Meldung {year} (Versuch {attempt}) zurückgegeben; die Aufgabe ist wieder offen."
    console().print(text, markup=False)


@app.command("submissions")
@user_errors
def submissions(
    year: YEAR,
    as_json: Annotated[
        bool, typer.Option("--json", help="Als JSON für Werkzeuge ausgeben.")
    ] = False,
) -> None:
    """Kennzahlenmeldungen eines Kreislaufs: je Fachbereich Aufgabe, letzte Meldung, Prüfung.

    Beispiel: kreislauf submissions 2027
    """
    import json
    import sys

    from rich.table import Table

    from models.german import german_date
    from models.inputs import check_year
    from services.submissions import list_submissions

    check_year(year)
    with body_session() as (session, body):
        views = list_submissions(session=session, body=body, year=year)
        timezone = body.timezone
    if as_json:
        sys.stdout.write(json.dumps([v.as_dict() for v in views], ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return
    table = Table(title=f"Kennzahlenmeldungen {year} (Berichtsjahr {year - 1})")
    for column in ("Fachbereich", "Aufgabe", "Versuch", "Meldung", "eingereicht", "Kommentar"):
        table.add_column(column, overflow="fold")
    for view in views:
        table.add_row(
            view.department,
            view.task_status.label,
            str(view.attempt or "–"),
            view.status.label if view.status else "–",
            german_date(_local(view.submitted_at, timezone)) if view.submitted_at else "–",
            view.review_comment or "",
        )
    console().print(table)


def _local(moment: dt.datetime, timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).date()
