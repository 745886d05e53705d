"""Recording people's decisions: survey answers, a forum's outcome, the council's resolution.

These commands only record (no Prefect import): the next run of the daily tick, or
`kreislauf serve`, carries the cycle on from the recorded facts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import actor, app, body_session, console, now, user_errors

survey_app = typer.Typer(help="Befragung der Fraktionsvorsitzenden.", no_args_is_help=True)
forum_app = typer.Typer(help="Forum Zukunftsstrategie bzw. Klausurtagung.", no_args_is_help=True)
resolution_app = typer.Typer(help="Beschlüsse des Kreistags.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")
app.add_typer(forum_app, name="forum")
app.add_typer(resolution_app, name="resolution")

YEAR = Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs, z. B. 2027")]


def print_events(events) -> None:  # type: ignore[no-untyped-def]
    out = console()
    for event in events:
        out.print(f"  • {event.detail}", markup=False)


def yes_or_no(value: str) -> bool:
    from models.errors import KreislaufError

    answer = value.strip().casefold()
    if answer in ("yes", "ja", "j", "y", "true"):
        return True
    if answer in ("no", "nein", "n", "false"):
        return False
    raise KreislaufError(f"--need: {value!r} ist weder yes/ja noch no/nein.")


@survey_app.command("answer")
@user_errors
def survey_answer(
    year: YEAR,
    faction: Annotated[
        str, typer.Option("--faction", metavar="FRAKTION", help="Fraktion (Name oder Kürzel).")
    ],
    need: Annotated[
        str,
        typer.Option(
            "--need", metavar="yes|no", help="Bedarf an einer Aktualisierung (yes/ja, no/nein)."
        ),
    ],
    comment: Annotated[
        str | None, typer.Option("--comment", metavar="TEXT", help="Begründung oder Hinweis.")
    ] = None,
) -> None:
    """Antwort einer Fraktion auf die Befragung festhalten (einmal je Fraktion).

    Beispiel: kreislauf survey answer 2027 --faction cdu --need yes --comment "Klimaschutz"
    """
    from cli.render import check_year
    from services.cycles import get_cycle
    from services.decisions import survey_answer as record

    check_year(year)
    needed = yes_or_no(need)
    with body_session() as (session, body):
        cycle = get_cycle(session=session, body=body, year=year)
        events = record(
            session=session,
            body=body,
            cycle=cycle,
            faction_name=faction,
            need=needed,
            comment=comment,
            now=now(body.timezone),
            actor=actor(),
        )
    console().print(f"Antwort in der Befragung {year} festgehalten:")
    print_events(events)


@forum_app.command("record")
@user_errors
def forum_record(
    year: YEAR,
    held_on: Annotated[
        str, typer.Option("--held-on", metavar="DATUM", help="Sitzungstag (JJJJ-MM-TT).")
    ],
    changes: Annotated[
        Path,
        typer.Option(
            "--changes", metavar="DATEI", help="Vereinbarte Änderungen (TOML, siehe README)."
        ),
    ],
) -> None:
    """Forum bzw. Klausurtagung festhalten: Tag, Teilnehmende, vereinbarte Änderungen.

    Die Änderungen gelten erst mit dem Beschluss (kreislauf resolution record).
    Beispiel: kreislauf forum record 2027 --held-on 2027-05-20 --changes changes.toml
    """
    from cli.render import check_year, parse_day
    from services.cycles import get_cycle
    from services.decisions import forum_record as record
    from services.decisions import load_change_set

    check_year(year)
    day = parse_day(held_on, "--held-on")
    change_set = load_change_set(changes)
    with body_session() as (session, body):
        cycle = get_cycle(session=session, body=body, year=year)
        events = record(
            session=session,
            body=body,
            cycle=cycle,
            held_on=day,
            change_set=change_set,
            now=now(body.timezone),
            actor=actor(),
        )
    console().print("Festgehalten; die Änderungen gelten erst mit dem Beschluss:")
    print_events(events)


@resolution_app.command("record")
@user_errors
def resolution_record(
    year: YEAR,
    date: Annotated[
        str, typer.Option("--date", metavar="DATUM", help="Tag des Beschlusses (JJJJ-MM-TT).")
    ],
    number: Annotated[
        str, typer.Option("--number", metavar="NUMMER", help="Beschlussnummer, z. B. KT/2027/045.")
    ],
) -> None:
    """Beschluss festhalten: die vereinbarten Änderungen werden eine neue Strategieversion.

    Beispiel: kreislauf resolution record 2027 --date 2027-07-21 --number "KT/2027/045"
    """
    from cli.render import check_year, parse_day
    from services.cycles import get_cycle
    from services.decisions import resolution_record as record

    check_year(year)
    day = parse_day(date, "--date")
    with body_session() as (session, body):
        cycle = get_cycle(session=session, body=body, year=year)
        events = record(
            session=session,
            body=body,
            cycle=cycle,
            number=number,
            adopted_on=day,
            now=now(body.timezone),
            actor=actor(),
        )
        diff = _diff_of(session=session, cycle=cycle)
    console().print(f"Beschluss {number} festgehalten:")
    print_events(events)
    print_diff(diff)


def _diff_of(*, session, cycle) -> list[dict]:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from models.decisions import Resolution

    return session.exec(select(Resolution.diff).where(Resolution.cycle_id == cycle.id)).one()


def print_diff(diff: list[dict]) -> None:  # type: ignore[type-arg]
    from rich.table import Table

    from models.change_set import DIFF_LABELS

    table = Table(title="Änderungen gegenüber der vorigen Version", show_lines=True)
    for column in ("Änderung", "Handlungsfeld", "Schwerpunkt", "bisher", "neu"):
        table.add_column(column, overflow="fold")
    for change in diff:
        table.add_row(
            DIFF_LABELS[change["change"]],
            change["field"],
            change["priority"],
            change["before"] or "–",
            change["after"] or "–",
        )
    console().print(table)
