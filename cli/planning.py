"""Operational planning: `kreislauf plan template|submit|review|draft|list` and
`kreislauf budget ceilings`.

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
from cli.budget import budget_app, euro

plan_app = typer.Typer(
    help="Operative Planung je Teilhaushalt: Vorlage, Einreichung, Prüfung, Haushaltsentwurf.",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")

YEAR = Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs, z. B. 2027")]
THH = Annotated[str, typer.Option("--thh", metavar="NR", help="Teilhaushalt (Nummer, z. B. 3).")]


@budget_app.command("ceilings")
@user_errors
def ceilings(
    year: Annotated[int, typer.Argument(metavar="JAHR", help="Planjahr, z. B. 2028")],
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="DATEI", help="Haushaltserlass als CSV (Teilhaushalt;Jahr;Zuschussbedarf)."
        ),
    ] = None,
    on: ON = None,
) -> None:
    """Eckwerte je Teilhaushalt aus dem Haushaltserlass übernehmen oder (ohne DATEI) zeigen.

    Zuschussbedarf = Aufwendungen minus Erträge. Nur eine fehlerfreie Datei wird übernommen.

    Beispiel: kreislauf budget ceilings 2028 eckwerte.csv
    """
    from rich.table import Table

    from models.inputs import check_year
    from services.planning_ceilings import import_ceilings, list_ceilings

    check_year(year)
    with body_session() as (session, body):
        if file is not None:
            found = import_ceilings(
                session=session,
                body=body,
                year=year,
                data=read_workbook(file),
                filename=file.name,
                now=now(body.timezone, on),
                actor=actor(),
            )
            console().print(f"{len(found)} Eckwerte für {year} übernommen.", markup=False)
            return
        rows = [
            (thh.number, thh.name, net)
            for thh, net in list_ceilings(session=session, body=body, year=year)
        ]
    if not rows:
        console().print(f"Für {year} sind keine Eckwerte gespeichert.", markup=False)
        return
    table = Table(title=f"Eckwerte {year} (Zuschussbedarf je Teilhaushalt)")
    table.add_column("THH")
    table.add_column("Teilhaushalt")
    table.add_column("Eckwert", justify="right")
    for number, name, net in rows:
        table.add_row(number, name, euro(net))
    console().print(table)


@plan_app.command("template")
@user_errors
def template(
    year: YEAR,
    thh: THH,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="DATEI",
            help="Zieldatei (Standard: planung-thh<nr>-<jahr>.xlsx).",
        ),
    ] = None,
) -> None:
    """Planungsvorlage eines Teilhaushalts schreiben (Planjahr JAHR+1 und Finanzplanung).

    Vorbelegt mit den aktuellen Zielen, Maßnahmen, Soll-Werten und der Finanzplanung.

    Beispiel: kreislauf plan template 2027 --thh 3 -o planung.xlsx
    """
    from models.inputs import check_year
    from services.planning import write_plan_template

    check_year(year)
    with body_session() as (session, body):
        data, found = write_plan_template(session=session, body=body, year=year, thh=thh)
        number, name = found.number, found.name
    target = output or Path(f"planung-thh{number}-{year}.xlsx")
    write_file(target, data)
    console().print(
        f"Planungsvorlage für Teilhaushalt {number} {name} geschrieben: {target} "
        f"(Kreislauf {year}, Planjahr {year + 1})",
        markup=False,
    )


@plan_app.command("submit")
@user_errors
def submit(
    file: Annotated[
        Path, typer.Argument(metavar="DATEI", help="Ausgefüllte Planungsvorlage (.xlsx).")
    ],
    year: Annotated[
        int | None,
        typer.Option("--year", metavar="JAHR", help="Kreislauf (Standard: aus der Datei)."),
    ] = None,
    on: ON = None,
) -> None:
    """Ausgefüllte Planungsvorlage einreichen; nur eine fehlerfreie Datei wird übernommen.

    Beispiel: kreislauf plan submit planung.xlsx
    """
    from models.commands import SubmitPlan
    from services.commands import handle

    data = read_workbook(file)
    command = SubmitPlan(year or _year_of(data, file.name), None, file.name, data)
    with body_session() as (session, body):
        outcome = handle(
            command, session=session, body=body, now=now(body.timezone, on), actor=actor()
        )
        plan = outcome.record
        text = (
            f"Planung {plan.plan_year} eingereicht (Versuch {plan.attempt}). Das Controlling "
            f"prüft sie (kreislauf plan review {command.year} --thh ...)."
        )
    console().print(text, markup=False)


def _year_of(data: bytes, filename: str) -> int:
    """The cycle year the workbook names (Info sheet), so that `submit` needs only the file."""
    from models.errors import KreislaufError
    from models.planning_workbook import INFO, INFO_CYCLE
    from models.workbook_place import cell_text
    from models.workbook_read import read_sheets

    sheets = read_sheets(data, filename)
    info = sheets.get(INFO)
    for _, cells in info.rows if info is not None else []:
        text = cell_text(cells, 0)
        value = cell_text(cells, 1) or ""
        if text == INFO_CYCLE and value.isdigit() and len(value) == 4:
            return int(value)
    raise KreislaufError(
        f"{filename}: das Blatt „{INFO}“ nennt keinen Kreislauf – ist das die Planungsvorlage?",
        field="year",
    )


@plan_app.command("review")
@user_errors
def review(
    year: YEAR,
    thh: THH,
    accept: Annotated[
        bool | None,
        typer.Option(
            "--accept/--return", help="Annehmen oder mit Kommentar zurückgeben.", show_default=False
        ),
    ] = None,
    comment: Annotated[
        str | None, typer.Option("--comment", metavar="TEXT", help="Kommentar des Controllings.")
    ] = None,
    on: ON = None,
) -> None:
    """Eingereichte Planung eines Teilhaushalts prüfen: annehmen oder zurückgeben.

    Beispiel: kreislauf plan review 2027 --thh 3 --return --comment "Kosten belegen"
    """
    from models.commands import ReviewPlan
    from models.errors import KreislaufError
    from services.commands import handle

    if accept is None:
        raise KreislaufError("Bitte --accept oder --return angeben.")
    command = ReviewPlan(year, thh, accept, comment)
    with body_session() as (session, body):
        outcome = handle(
            command, session=session, body=body, now=now(body.timezone, on), actor=actor()
        )
        attempt = outcome.record.attempt
    verb = "angenommen" if accept else "zurückgegeben"
    console().print(
        f"Planung {year + 1} des Teilhaushalts {thh} (Versuch {attempt}) {verb}.", markup=False
    )


@plan_app.command("draft")
@user_errors
def draft(
    plan_year: Annotated[int, typer.Argument(metavar="PLANJAHR", help="Planjahr, z. B. 2028")],
    output: Annotated[
        Path, typer.Option("-o", "--output", metavar="DATEI", help="Ziel: .html, .pdf oder .xlsx.")
    ],
) -> None:
    """Entwurf des Haushaltsplans, Teil Ziele und Kennzahlen, je Teilhaushalt schreiben.

    Beispiel: kreislauf plan draft 2028 -o entwurf.pdf
    """
    import datetime as dt

    from models.errors import KreislaufError
    from models.inputs import check_year
    from services.planning_draft import FORMATS, build_draft, draft_bytes

    check_year(plan_year)
    fmt = output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise KreislaufError(f"-o: Endung .{fmt} unbekannt; erwartet .html, .pdf oder .xlsx.")
    with body_session() as (session, body):
        today: dt.date = body.local_date(now(body.timezone))
        view = build_draft(session=session, body=body, plan_year=plan_year, today=today)
    write_file(output, draft_bytes(view, fmt))
    console().print(
        f"Haushaltsentwurf {plan_year} (Ziele und Kennzahlen) geschrieben: {output}", markup=False
    )


@plan_app.command("list")
@user_errors
def list_(
    year: YEAR,
    as_json: Annotated[
        bool, typer.Option("--json", help="Als JSON für Werkzeuge ausgeben.")
    ] = False,
) -> None:
    """Planungen eines Kreislaufs je Teilhaushalt: letzter Versuch, Stand, Eckwert.

    Beispiel: kreislauf plan list 2027 --json
    """
    import json

    from rich.table import Table

    from models.inputs import check_year
    from services.planning import plan_overview

    check_year(year)
    with body_session() as (session, body):
        rows = plan_overview(session=session, body=body, year=year)
    if as_json:
        payload = [
            {
                "partial_budget": row.number,
                "name": row.name,
                "attempt": row.attempt,
                "status": row.status.value if row.status else None,
                "ceiling": str(row.ceiling) if row.ceiling is not None else None,
                "review_comment": row.comment,
            }
            for row in rows
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Planungen {year + 1} (Kreislauf {year})")
    for column in ("THH", "Teilhaushalt", "Versuch", "Stand", "Eckwert", "Kommentar"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.number,
            row.name,
            str(row.attempt or "–"),
            row.status.label if row.status else "keine",
            euro(row.ceiling) if row.ceiling is not None else "–",
            row.comment or "",
        )
    console().print(table)
