"""Personal survey links on the command line: print each faction's link for a letter, revoke
and reissue one (a typed command, audited like the admin page's "Link neu ausstellen")."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import actor, body_session, console, now, user_errors
from cli.decisions import YEAR, print_events, survey_app


@survey_app.command("links")
@user_errors
def survey_links(year: YEAR) -> None:
    """Persönliche Links der Fraktionsvorsitzenden für die Befragung (für einen Brief).

    Die Links stehen unter KREISLAUF_BASE_URL; fehlende werden dabei ausgestellt.
    Beispiel: kreislauf survey links 2027
    """
    from rich.table import Table

    from config.settings import Settings
    from models.errors import KreislaufError
    from models.inputs import check_year
    from services.survey_links import link_url, links_of

    check_year(year)
    base_url = Settings().base_url
    if not base_url:
        raise KreislaufError(
            "KREISLAUF_BASE_URL ist nicht gesetzt: ohne die Adresse der Website sind die Links "
            "nicht vollständig.",
            field="KREISLAUF_BASE_URL",
            hint="Zum Beispiel KREISLAUF_BASE_URL=https://kreislauf.example.de",
        )
    with body_session() as (session, body):
        rows = links_of(
            session=session, body=body, year=year, now=now(body.timezone), actor=actor()
        )
    table = Table(title=f"Persönliche Links zur Befragung {year}")
    for column in ("Nr.", "Fraktion", "Vorsitz", "Stand"):
        table.add_column(column, overflow="fold")
    for number, row in enumerate(rows, start=1):
        state = "gesperrt" if row.revoked else ("beantwortet" if row.answered else "offen")
        table.add_row(str(number), row.faction.name, row.faction.leader, state)
    out = console()
    out.print(table)
    # the links whole, one a line (a table would fold them), to copy into the letters
    out.print("Links (je Zeile vollständig):")
    for number, row in enumerate(rows, start=1):
        out.print(f"{number}. {row.faction.name}: {link_url(base_url, row.token)}", markup=False)


@survey_app.command("revoke-link")
@user_errors
def survey_revoke_link(
    year: YEAR,
    faction: Annotated[
        str, typer.Argument(metavar="FRAKTION", help="Fraktion (Name oder Kürzel).")
    ],
    reissue: Annotated[
        bool,
        typer.Option(
            "--reissue/--no-reissue",
            help="Gleich einen neuen Link ausstellen (Standard) oder den Link nur sperren.",
        ),
    ] = True,
) -> None:
    """Persönlichen Link einer Fraktion sperren und neu ausstellen; der alte gilt nicht mehr.

    Beispiel: kreislauf survey revoke-link 2027 cdu
    """
    from models.commands import ReissueSurveyLink
    from services.commands import handle

    with body_session() as (session, body):
        outcome = handle(
            ReissueSurveyLink(year, faction, revoke_only=not reissue),
            session=session,
            body=body,
            now=now(body.timezone),
            actor=actor(),
        )
    print_events(outcome.events)
    if reissue:
        console().print(f"Den neuen Link zeigt: kreislauf survey links {year}")
