"""Recording people's decisions: survey answers, a forum's outcome, the council's resolution.

Each command builds a decision command (models.commands) and hands it to the one pipeline
(services.commands.handle); `--on` records it as of a day instead of now. No Prefect import:
the next run of the daily tick, or `kreislauf serve`, carries the cycle on.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.app import ON, actor, app, body_session, console, now, user_errors

if TYPE_CHECKING:
    from models.commands import Command
    from models.transitions import Event
    from services.commands import Outcome

survey_app = typer.Typer(help="Befragung der Fraktionsvorsitzenden.", no_args_is_help=True)
forum_app = typer.Typer(help="Forum Zukunftsstrategie bzw. Klausurtagung.", no_args_is_help=True)
resolution_app = typer.Typer(help="Beschlüsse des Kreistags.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")
app.add_typer(forum_app, name="forum")
app.add_typer(resolution_app, name="resolution")

YEAR = Annotated[int, typer.Argument(metavar="JAHR", help="Jahr des Kreislaufs, z. B. 2027")]


def print_events(events: Iterable[Event]) -> None:
    out = console()
    for event in events:
        out.print(f"  • {event.detail}", markup=False)


def decide(command: Command, on: str | None) -> Outcome:
    """Hand `command` to the decision pipeline at `on` (or now); returns its Outcome."""
    from services.commands import handle

    with body_session() as (session, body):
        return handle(
            command, session=session, body=body, now=now(body.timezone, on), actor=actor()
        )


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
    on: ON = None,
) -> None:
    """Antwort einer Fraktion auf die Befragung festhalten (einmal je Fraktion).

    Beispiel: kreislauf survey answer 2027 --faction cdu --need yes --comment "Klimaschutz"
    """
    from models.commands import AnswerSurvey
    from models.inputs import parse_yes_no

    outcome = decide(AnswerSurvey(year, faction, parse_yes_no(need), comment), on)
    console().print(f"Antwort in der Befragung {year} festgehalten:")
    print_events(outcome.events)


@forum_app.command("record")
@user_errors(options={"change_set": "--changes", "session": "--session"})
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
    number: Annotated[
        int | None,
        typer.Option(
            "--session", metavar="NR", help="Nummer der Sitzung, wenn mehrere einberufen sind."
        ),
    ] = None,
    on: ON = None,
) -> None:
    """Forum bzw. Klausurtagung festhalten: Tag, Teilnehmende, vereinbarte Änderungen.

    Die Änderungen gelten erst mit dem Beschluss (kreislauf resolution record).
    Beispiel: kreislauf forum record 2027 --held-on 2027-05-20 --changes changes.toml
    """
    from models.commands import RecordSession
    from models.inputs import check_year, parse_day
    from services.decisions import load_change_set

    check_year(year)
    day = parse_day(held_on, "held_on")
    outcome = decide(RecordSession(year, day, load_change_set(changes), number), on)
    console().print("Festgehalten; die Änderungen gelten erst mit dem Beschluss:")
    print_events(outcome.events)


@resolution_app.command("record")
@user_errors(options={"adopted_on": "--date", "paper_reference": "--paper"})
def resolution_record(
    year: YEAR,
    date: Annotated[
        str, typer.Option("--date", metavar="DATUM", help="Tag des Beschlusses (JJJJ-MM-TT).")
    ],
    number: Annotated[
        str, typer.Option("--number", metavar="NUMMER", help="Beschlussnummer, z. B. KT/2027/045.")
    ],
    on: ON = None,
    paper: Annotated[
        str | None,
        typer.Option(
            "--paper",
            metavar="AKTENZEICHEN",
            help="Aktenzeichen der Beschlussvorlage im Ratsinformationssystem, z. B. 2027/0123.",
        ),
    ] = None,
) -> None:
    """Beschluss festhalten: die vereinbarten Änderungen werden eine neue Strategieversion.

    Beispiel: kreislauf resolution record 2027 --date 2027-07-21 --number "KT/2027/045"
    --paper 2027/0123
    """
    from models.commands import RecordResolution
    from models.inputs import check_year, parse_day

    check_year(year)
    day = parse_day(date, "adopted_on")
    outcome = decide(RecordResolution(year, number, day, paper), on)
    console().print(f"Beschluss {outcome.record.number} festgehalten:")
    print_events(outcome.events)
    print_diff(outcome.record.diff)


def print_diff(diff: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from models.strategy_diff import DIFF_LABELS, diff_element

    table = Table(title="Änderungen gegenüber der vorigen Version", show_lines=True)
    for column in ("Änderung", "Handlungsfeld", "Gegenstand", "bisher", "neu"):
        table.add_column(column, overflow="fold")
    for change in diff:
        table.add_row(
            DIFF_LABELS[change["change"]],
            change["field"] or "–",
            change["priority"] or diff_element(change),
            change["before"] or "–",
            change["after"] or "–",
        )
    console().print(table)
