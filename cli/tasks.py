"""Tasks fulfilled without a workbook: list them, confirm one, upload its document, review.

Each action builds a decision command (models.commands) for the one pipeline; the figures,
the partial budget report and the plan have commands of their own, and a task list says
which path fulfils each task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import ON, actor, app, body_session, console, now, user_errors
from models.german import os_error

task_app = typer.Typer(
    help="Aufgaben: anzeigen, Erledigung bestätigen, Dokument hochladen, prüfen.",
    no_args_is_help=True,
)
app.add_typer(task_app, name="task")

TASK = Annotated[int, typer.Argument(metavar="NR", help="Nummer der Aufgabe (kreislauf task list)")]


def _decide(command: object, on: str | None) -> object:
    from services.commands import handle

    with body_session() as (session, body):
        outcome = handle(
            command,  # type: ignore[arg-type]
            session=session,
            body=body,
            now=now(body.timezone, on),
            actor=actor(),
        )
    for event in outcome.events:
        console().print(f"  • {event.detail}", markup=False)
    return outcome


@task_app.command("list")
@user_errors
def list_tasks(
    year: Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs")],
    department: Annotated[
        str | None,
        typer.Option("--department", metavar="FB", help="Nur dieser Fachbereich (Kürzel)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Als JSON für Skripte ausgeben.")] = False,
) -> None:
    """Aufgaben eines Kreislaufs mit Nummer, Stand und womit sie erfüllt werden.

    Beispiel: kreislauf task list 2027 --department umwelt
    """
    import json
    import sys

    from rich.table import Table

    from models.german import german_date
    from models.inputs import check_year
    from services.cycle_views import cycle_view

    check_year(year)
    with body_session() as (session, body):
        today = now(body.timezone).date()
        view = cycle_view(session=session, body=body, year=year, today=today)
        if department is not None:
            from services.submission_task import find_department

            key = find_department(session=session, body=body, name=department).key
    tasks = [t for t in view.tasks if department is None or t.assignee_key == key]
    if as_json:
        sys.stdout.write(json.dumps([t.as_dict() for t in tasks], ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return
    table = Table(title=f"Aufgaben {year}")
    for column in ("Nr.", "Zuständig", "Aufgabe", "fällig", "Stand", "erfüllt durch"):
        table.add_column(column, overflow="fold")
    for task in tasks:
        table.add_row(
            str(task.task_id),
            task.assignee,
            task.deadline_title,
            german_date(task.due),
            task.status.label,
            task.delivers.label,
        )
    console().print(table)


@task_app.command("confirm")
@user_errors(options={"done_on": "--done-on", "note": "--note", "task_id": "NR"})
def confirm(
    task_id: TASK,
    note: Annotated[
        str, typer.Option("--note", metavar="TEXT", help="Vermerk: was wurde erledigt?")
    ],
    done_on: Annotated[
        str | None,
        typer.Option(
            "--done-on", metavar="DATUM", help="Erledigt am (JJJJ-MM-TT), Standard: heute."
        ),
    ] = None,
    on: ON = None,
) -> None:
    """Eine Aufgabe als erledigt bestätigen, mit Datum und Vermerk.

    Aufgaben des Controllings gelten damit als angenommen, die der Fachbereiche prüft das
    Controlling (kreislauf task accept).

    Beispiel: kreislauf task confirm 42 --done-on 2027-07-08 --note "Vorlage eingebracht"
    """
    from models.commands import ConfirmTask
    from models.inputs import parse_day

    with body_session() as (_, body):
        today = now(body.timezone, on).date()
    day = parse_day(done_on, "done_on") if done_on else today
    _decide(ConfirmTask(task_id, day, note), on)


@task_app.command("upload")
@user_errors(options={"content": "DATEI", "note": "--note", "task_id": "NR"})
def upload(
    task_id: TASK,
    path: Annotated[Path, typer.Argument(metavar="DATEI", help="Dokument (PDF, DOCX, ODT, …)")],
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="Vermerk zum Dokument.")
    ] = None,
    on: ON = None,
) -> None:
    """Das Dokument einer Aufgabe hochladen (z. B. die Beschlussvorlage als PDF).

    Beispiel: kreislauf task upload 42 beschlussvorlage.pdf
    """
    from models.commands import DeliverDocument
    from models.errors import KreislaufError
    from models.task_delivery import MAX_DOCUMENT_BYTES

    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        raise KreislaufError(
            f"Die Datei {path} kann nicht gelesen werden ({os_error(error)}).", field="content"
        ) from None
    _decide(DeliverDocument(task_id, path.name, content, note), on)


@task_app.command("document")
@user_errors
def document(
    task_id: TASK,
    output: Annotated[
        Path, typer.Option("-o", "--output", metavar="DATEI", help="Wohin das Dokument soll.")
    ],
) -> None:
    """Das zuletzt hochgeladene Dokument einer Aufgabe speichern.

    Beispiel: kreislauf task document 42 -o vorlage.pdf
    """
    from services.task_delivery import delivered_document

    with body_session() as (session, body):
        filename, content = delivered_document(session=session, body=body, task_id=task_id)
    output.write_bytes(content)
    console().print(f"{filename} gespeichert als {output}.", markup=False)


@task_app.command("accept")
@user_errors(options={"task_id": "NR"})
def accept(task_id: TASK, on: ON = None) -> None:
    """Eine erledigt gemeldete Aufgabe annehmen.

    Beispiel: kreislauf task accept 42
    """
    from models.commands import ReviewTask

    _decide(ReviewTask(task_id, accept=True), on)


@task_app.command("return")
@user_errors(options={"task_id": "NR", "comment": "--comment"})
def return_(
    task_id: TASK,
    comment: Annotated[str, typer.Option("--comment", metavar="TEXT", help="Was ist zu ändern?")],
    on: ON = None,
) -> None:
    """Eine erledigt gemeldete Aufgabe mit Kommentar zurückgeben; sie ist dann wieder offen.

    Beispiel: kreislauf task return 42 --comment "Vorlage ohne Anlage"
    """
    from models.commands import ReviewTask

    _decide(ReviewTask(task_id, accept=False, comment=comment), on)
