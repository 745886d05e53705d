"""`kreislauf council sync`: council and committee dates from the council information system
(OParl), and the deadlines that follow them (services.council_sync)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.app import (
    HIDDEN_ON,
    actor,
    app,
    body_session,
    console,
    engine,
    err_console,
    now,
    user_errors,
)

if TYPE_CHECKING:
    from services.council_sync import SyncResult

council_app = typer.Typer(
    help="Sitzungstermine des Kreistags und der Ausschüsse (OParl).", no_args_is_help=True
)
app.add_typer(council_app, name="council")


@council_app.command("sync")
@user_errors
def sync(on: HIDDEN_ON = None) -> None:
    """Sitzungen aus dem Ratsinformationssystem (OParl) lesen und Fristen nachführen.

    Liest die in body.toml, \\[oparl] eingerichtete Schnittstelle (System > Körperschaft >
    Gremien > Sitzungen; ab dem zweiten Lauf nur Geändertes), übernimmt die Sitzungstermine
    von Kreistag und Ausschüssen und verschiebt die davon abhängigen Fristen der laufenden
    Kreisläufe; wer betroffen ist, erhält eine Nachricht. Ist die Schnittstelle nicht
    erreichbar oder antwortet fehlerhaft, wird nichts geändert.
    Beispiel: kreislauf --body loerrach council sync
    """
    from services.council_sync import sync_council

    with body_session() as (_, body):
        moment = now(body.timezone, on)
    result = sync_council(engine(), body=body, now=moment, actor=actor())
    print_sync(result, body.name)


def print_sync(result: SyncResult, body_name: str) -> None:
    from models.german import german_datetime

    out = console()
    since = f" (geändert seit {german_datetime(result.since)})" if result.since is not None else ""
    out.print(
        f"{body_name}: {result.read} Sitzungen gelesen{since}: {result.new} neu, "
        f"{result.changed} geändert, {result.cancelled} abgesagt.",
        markup=False,
    )
    if not result.moves:
        out.print("Keine Frist verschoben.", markup=False)
    for line in result.moves:
        out.print(f"  Verschoben: {line}", markup=False)
    if result.messages:
        out.print(f"{result.messages} Nachrichten an die Betroffenen im Postausgang.", markup=False)
    for warning in result.warnings:
        err_console().print(f"Achtung: {warning}", markup=False)
