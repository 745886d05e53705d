"""`kreislauf tick`: bring the cycle up to a day, as the daily deployments would, without
Prefect (services.daily)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import actor, app, body_session, console, engine, now, user_errors

if TYPE_CHECKING:
    from services.daily import Tick


@app.command()
@user_errors
def tick(
    year_text: Annotated[
        str | None,
        typer.Argument(
            metavar="JAHR", show_default=False, help="Nur dieser Kreislauf (Standard: alle)."
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="DATUM",
            help="Tag (JJJJ-MM-TT oder TT.MM.JJJJ), Standard: heute.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Ereignisse als JSON-Liste.")] = False,
) -> None:
    """Den Tag abarbeiten wie die täglichen Läufe, hier im Prozess, ohne Prefect-Server.

    06:00 Abgleich: öffnet, was an dem Tag beginnt, schließt, was erledigt
    oder abgelaufen ist. 07:00: Erinnerungen festlegen und versenden; ohne
    Versandweg (KREISLAUF_EMAIL_URL, KREISLAUF_NOTIFY_CONFIG) warten sie im
    Postausgang. Ein zweiter Aufruf für denselben Tag ändert nichts.
    Beispiel: kreislauf tick 2027 --on 2027-02-01
    """
    from models.inputs import parse_day, parse_year
    from services.cycles import get_cycle
    from services.daily import day_instants
    from services.daily import tick as run_tick

    year = parse_year(year_text) if year_text is not None else None
    day = parse_day(on, "on") if on else None
    with body_session() as (session, body):
        if year is not None:
            get_cycle(session=session, body=body, year=year)  # none: refused, nothing written
        if day is None:
            moment = now(body.timezone)  # today: everything at the one clock read
            reconcile_at = remind_at = moment
        else:
            reconcile_at, remind_at = day_instants(day, body.timezone)
    result = run_tick(
        engine(),
        body=body,
        year=year,
        reconcile_at=reconcile_at,
        remind_at=remind_at,
        actor=actor(),
    )
    if as_json:
        sys.stdout.write(json.dumps(result.events, ensure_ascii=False, indent=2) + "\n")
        return
    _print_tick(result, body.name)


def _print_tick(result: Tick, body_name: str) -> None:
    import datetime as dt

    from cli.orchestration import PHASE_SHORT
    from models.german import german_date, plural, weekday_name

    out = console()
    out.print(f"{weekday_name(result.day)}, {german_date(result.day)} – {body_name}")
    if not result.events:
        out.print("  Abgleich: nichts fällig.")
    for event in result.events:
        day = dt.date.fromisoformat(event["date"])
        out.print(
            f"  {german_date(day)}  {PHASE_SHORT[event['phase']]}: {event['detail']}",
            markup=False,
        )
    reminded, delivered = result.reminded, result.delivered
    if reminded.reminders:
        summary = (
            f"Erinnerungen: {reminded.reminders} neu festgelegt, "
            f"{plural(reminded.messages, 'Nachricht', 'Nachrichten')} (eine je Empfänger)."
        )
    else:
        summary = "Erinnerungen: keine neuen fällig."
    if delivered.channel:
        summary += (
            f" Versand: {delivered.sent} gesendet, {delivered.retrying} werden wiederholt, "
            f"{delivered.failed} endgültig fehlgeschlagen."
        )
    elif reminded.reminders:
        summary += (
            " Kein Versandweg eingerichtet (KREISLAUF_EMAIL_URL, KREISLAUF_NOTIFY_CONFIG): "
            "sie warten im Postausgang (kreislauf reminders log)."
        )
    out.print(summary, markup=False)
    for error in delivered.errors:
        out.print(f"  • {error}", markup=False)
