"""The partial budget report (Teilhaushaltsbericht): `kreislauf partial-report template`,
`submit` and `review`.

openpyxl and the services are imported inside the commands (bench/cli_startup).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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

partial_report_app = typer.Typer(
    help="Teilhaushaltsbericht: Vorlage mit Geld, Kennzahlen und Zielen; Einreichen; Prüfen.",
    no_args_is_help=True,
)
app.add_typer(partial_report_app, name="partial-report")

YEAR = Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs, z. B. 2027")]
DEPARTMENT = Annotated[
    str,
    typer.Option("--department", metavar="FACHBEREICH", help="Fachbereich (Name oder Kürzel)."),
]


@partial_report_app.command("template")
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
            help="Zieldatei (Standard: teilhaushaltsbericht-<fachbereich>-<jahr>.xlsx).",
        ),
    ] = None,
) -> None:
    """Vorlage des Teilhaushaltsberichts schreiben (.xlsx).

    Je Produktgruppe der Teilhaushalte des Fachbereichs: Plan, Ergebnis und Abweichung des
    Berichtsjahrs JAHR-1, Kennzahlen mit Soll, Ist und Ampel, Ziele und Maßnahmen; gelbe
    Zellen für die Bewertung und die nötigen Erläuterungen.

    Beispiel: kreislauf partial-report template 2027 --department umwelt -o bericht.xlsx
    """
    from models.inputs import check_year
    from services.partial_report_draft import write_draft
    from services.submission_task import find_department

    check_year(year)
    with body_session() as (session, body):
        found = find_department(session=session, body=body, name=department)
        data = write_draft(session=session, body=body, year=year, department=found)
    target = output or Path(f"teilhaushaltsbericht-{found.key}-{year}.xlsx")
    write_file(target, data)
    console().print(
        f"Vorlage des Teilhaushaltsberichts für {found.name} geschrieben: {target} "
        f"(Kreislauf {year}, Berichtsjahr {year - 1})",
        markup=False,
    )


@partial_report_app.command("submit")
@user_errors
def submit(
    year: YEAR,
    file: Annotated[Path, typer.Argument(metavar="DATEI", help="Ausgefüllter Bericht (.xlsx).")],
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
    """Ausgefüllten Teilhaushaltsbericht einreichen; nur ein vollständiger wird übernommen.

    Beispiel: kreislauf partial-report submit 2027 bericht.xlsx
    """
    from models.commands import SubmitPartialReport
    from models.inputs import check_year
    from services.commands import handle

    check_year(year)
    data = read_workbook(file)
    command = SubmitPartialReport(year, department, file.name, data)
    with body_session() as (session, body):
        outcome = handle(
            command, session=session, body=body, now=now(body.timezone, on), actor=actor()
        )
        attempt = outcome.record.attempt
    console().print(
        f"Teilhaushaltsbericht {year} eingereicht (Versuch {attempt}). Das Controlling prüft "
        f"ihn (kreislauf partial-report review {year} --department ...).",
        markup=False,
    )


@partial_report_app.command("review")
@user_errors
def review(
    year: YEAR,
    department: DEPARTMENT,
    accept: Annotated[
        bool | None,
        typer.Option(
            "--accept/--return",
            help="Annehmen oder mit Kommentar zurückgeben.",
            show_default=False,
        ),
    ] = None,
    comment: Annotated[
        str | None, typer.Option("--comment", metavar="TEXT", help="Kommentar des Controllings.")
    ] = None,
    on: ON = None,
) -> None:
    """Eingereichten Teilhaushaltsbericht prüfen: annehmen oder zurückgeben.

    Beispiel: kreislauf partial-report review 2027 --department umwelt --accept
    """
    from models.commands import ReviewPartialReport
    from models.errors import KreislaufError
    from services.commands import handle

    if accept is None:
        raise KreislaufError("Bitte --accept oder --return angeben.")
    command = ReviewPartialReport(year, department, accept, comment)
    with body_session() as (session, body):
        outcome = handle(
            command, session=session, body=body, now=now(body.timezone, on), actor=actor()
        )
        attempt = outcome.record.attempt
    what = "angenommen" if accept else "zurückgegeben; die Aufgabe ist wieder offen"
    console().print(f"Teilhaushaltsbericht {year} (Versuch {attempt}) {what}.", markup=False)
