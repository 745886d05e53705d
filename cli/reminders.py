"""Reminders from the command line: preview a day, send now, read the log; absences."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import HIDDEN_ON, app, body_session, console, engine, now, user_errors

reminders_app = typer.Typer(help="Erinnerungen und Eskalationen.", no_args_is_help=True)
absence_app = typer.Typer(help="Abwesenheiten (Vertretung bei Erinnerungen).", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")
app.add_typer(absence_app, name="absence")


@reminders_app.command("preview")
@user_errors
def preview(
    year: Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs")],
    on: Annotated[
        str | None, typer.Option("--on", metavar="DATUM", help="Tag (JJJJ-MM-TT), Standard: heute.")
    ] = None,
) -> None:
    """Zeigen, was an einem Tag gesendet würde, an wen – ohne zu senden.

    Beispiel: kreislauf reminders preview 2027 --on 2027-02-10
    """
    from rich.table import Table

    from models.german import german_date
    from models.inputs import check_year, parse_day
    from notifications.preview import preview_day

    check_year(year)
    with body_session() as (session, body):
        day = parse_day(on, "on") if on else now(body.timezone).date()
        result = preview_day(session=session, body=body, year=year, day=day)
    out = console()
    if result.closed_day:
        out.print(
            f"{german_date(day)}: kein Arbeitstag – an diesem Tag wird nichts gesendet; "
            "Fälliges geht am nächsten Arbeitstag hinaus."
        )
        return
    if not result.rows:
        out.print(f"{german_date(day)}: keine Erinnerungen fällig.")
        return
    table = Table(
        title=f"Erinnerungen am {german_date(day)} – {body.name} "
        f"({len(result.messages)} Nachrichten, {len(result.rows)} Hinweise)"
    )
    for column in ("Empfänger", "in Vertretung für", "Art", "Aufgabe", "fällig", "Zuständig"):
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(
            f"{row.name} <{row.address}>",
            row.covering_for or "–",
            row.kind_label,
            row.title,
            german_date(row.due),
            row.assignee,
        )
    out.print(table)


@reminders_app.command("send")
@user_errors
def send(
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=32,
            help="Höchstens so viele Prozesse versenden gleichzeitig (je ein "
            "Prozessorkern; ein weiterer je 500 fällige Nachrichten).",
        ),
    ] = 1,
    on: HIDDEN_ON = None,
) -> None:
    """Die Erinnerungen des Tages jetzt festlegen und versenden (wie der Lauf um 07:00).

    Beispiel: KREISLAUF_EMAIL_URL="mailtos://..." kreislauf reminders send --workers 2
    """
    from config.settings import Settings
    from models.db import require_current_schema, session_scope
    from notifications.channels import channels_from
    from notifications.dispatcher import dispatch
    from notifications.sweep import sweep

    moment = now(on=on)
    settings = Settings()
    channels = channels_from(settings)
    if not channels.describe():
        from models.errors import KreislaufError

        raise KreislaufError(
            "Kein Versandweg eingerichtet: KREISLAUF_EMAIL_URL (E-Mail an die "
            "Empfänger) oder KREISLAUF_NOTIFY_CONFIG (apprise-Konfiguration)."
        )
    current = engine()
    require_current_schema(current)
    with session_scope(current) as session:
        decided = sweep(session=session, now=moment)
    report = dispatch(
        engine=current,
        channels=channels,
        now=moment,
        base_url=settings.base_url,
        processes=workers,
    )
    out = console()
    out.print(
        f"{decided.reminders} Erinnerungen in {decided.messages} Nachrichten festgelegt; "
        f"{report.sent} gesendet, {report.retrying} werden wiederholt, "
        f"{report.failed} endgültig fehlgeschlagen."
    )
    for error in report.errors:
        out.print(f"  • {error}", markup=False)


@reminders_app.command("retry")
@user_errors(options={"ids": "--id", "failed_since": "--failed-since"})
def retry(
    ids: Annotated[
        list[int] | None,
        typer.Option(
            "--id",
            metavar="NR",
            min=1,
            max=2**31 - 1,  # an integer column on PostgreSQL
            help="Diese Nachricht (mehrfach möglich).",
        ),
    ] = None,
    failed_since: Annotated[
        str | None,
        typer.Option(
            "--failed-since", metavar="DATUM", help="Alle seit diesem Tag fehlgeschlagenen."
        ),
    ] = None,
    on: HIDDEN_ON = None,
) -> None:
    """Endgültig fehlgeschlagene Nachrichten erneut einplanen (der nächste Lauf sendet sie).

    Beispiel: kreislauf reminders retry --failed-since 2027-02-05
    """
    from cli.app import actor
    from models.inputs import parse_day
    from notifications.retry import retry_failed

    since = parse_day(failed_since, "failed_since") if failed_since is not None else None
    moment = now(on=on)
    with body_session() as (session, body):
        report = retry_failed(
            session=session,
            body=body,
            now=moment,
            actor=actor(),
            ids=ids,
            failed_since=since,
        )
    labels = {"pending": "wartet", "sent": "gesendet", "failed": "fehlgeschlagen"}
    out = console()
    for number, status in report.untouched:
        out.print(
            f"Nachricht {number} ist nicht fehlgeschlagen ({labels.get(status, status)}) "
            "– unverändert."
        )
    out.print(f"{len(report.requeued)} Nachrichten erneut eingeplant.")


@reminders_app.command("log")
@user_errors
def log(
    status: Annotated[
        str | None, typer.Option("--status", metavar="STAND", help="Nur pending, sent oder failed.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Höchstens so viele Zeilen.")] = 50,
) -> None:
    """Was gesendet wurde, fehlschlug oder auf eine Wiederholung wartet.

    Beispiel: kreislauf reminders log --status failed
    """
    from rich.table import Table
    from sqlmodel import col, select

    from models.errors import KreislaufError
    from models.german import german_datetime
    from models.outbox import OutboxMessage, OutboxStatus

    if status and status not in {s.value for s in OutboxStatus}:
        raise KreislaufError(f"--status: {status!r}; erlaubt: pending, sent, failed.")
    labels = {"pending": "wartet", "sent": "gesendet", "failed": "fehlgeschlagen"}
    with body_session() as (session, body):
        query = select(OutboxMessage).where(OutboxMessage.body_id == body.id)
        if status:
            query = query.where(OutboxMessage.status == status)
        rows = session.exec(query.order_by(col(OutboxMessage.id).desc()).limit(limit)).all()
    table = Table(title=f"Nachrichten – {body.name}")
    for column in ("Nr", "angelegt", "Stand", "Art", "Empfänger", "Betreff", "Versuche", "Fehler"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            german_datetime(row.created_at, "UTC"),
            labels[row.status],
            row.kind,
            row.address,
            row.subject or "(wird beim Senden erstellt)",
            str(row.attempts),
            row.last_error or "–",
        )
    console().print(table)


@absence_app.command("add")
@user_errors
def absence_add(
    contact: Annotated[str, typer.Argument(metavar="KONTAKT", help="Kürzel des Kontakts.")],
    start: Annotated[str, typer.Option("--from", metavar="DATUM", help="erster Tag")],
    end: Annotated[str, typer.Option("--to", metavar="DATUM", help="letzter Tag")],
    note: Annotated[str | None, typer.Option("--note", help="Hinweis, z. B. Urlaub")] = None,
) -> None:
    """Abwesenheit eintragen: Erinnerungen gehen in der Zeit an die Vertretung.

    Beispiel: kreislauf absence add umwelt-controlling --from 2027-02-01 --to 2027-02-12
    """
    from cli.app import actor
    from models.inputs import parse_day
    from services.absences import add_absence

    with body_session() as (session, body):
        row, deputy = add_absence(
            session=session,
            body=body,
            contact_key=contact,
            starts_on=parse_day(start, "from"),
            ends_on=parse_day(end, "to"),
            note=note,
            now=now(body.timezone),
            actor=actor(),
        )
    console().print(f"Abwesenheit eingetragen; Vertretung: {deputy or 'keine hinterlegt'}.")


@absence_app.command("list")
@user_errors
def absence_list() -> None:
    """Eingetragene Abwesenheiten mit Vertretung."""
    from rich.table import Table

    from models.german import german_date
    from services.absences import list_absences

    with body_session() as (session, body):
        rows = list_absences(session=session, body=body)
    table = Table(title=f"Abwesenheiten – {body.name}")
    for column in ("Kontakt", "von", "bis", "Vertretung", "Hinweis"):
        table.add_column(column, overflow="fold")
    for name, starts, ends, deputy, note in rows:
        table.add_row(name, german_date(starts), german_date(ends), deputy or "–", note or "–")
    console().print(table)
