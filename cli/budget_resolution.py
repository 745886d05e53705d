"""`kreislauf budget adopt`: the council's budget resolution (Haushaltsbeschluss).

Builds `RecordBudgetResolution` and hands it to the one decision pipeline (services.commands);
the amendments come from a TOML file. The next `kreislauf tick` closes the budget phase and
the cycle, and creates the next cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import console, user_errors
from cli.budget import budget_app
from cli.decisions import YEAR, decide, print_events


@budget_app.command("adopt")
@user_errors(options={"adopted_on": "--on", "amendments": "--amendments"})
def adopt(
    year: YEAR,
    number: Annotated[
        str,
        typer.Option("--number", metavar="NUMMER", help="Beschlussnummer, z. B. HH/2027/012."),
    ],
    on: Annotated[
        str,
        typer.Option(
            "--on",
            metavar="DATUM",
            help="Tag des Beschlusses (JJJJ-MM-TT oder TT.MM.JJJJ); festgehalten mit diesem "
            "Tag, 12:00 Uhr.",
        ),
    ],
    amendments: Annotated[
        Path | None,
        typer.Option(
            "--amendments",
            metavar="DATEI",
            help="Änderungen des Kreistags je Produktgruppe (TOML: \\[\\[amendments]] mit "
            "product_group, income, expenses, note).",
        ),
    ] = None,
) -> None:
    """Haushaltsbeschluss des Kreistags festhalten: Nummer, Tag und Änderungen je Produktgruppe.

    Erst wenn alle Planungen angenommen sind. Der nächste Abgleich (kreislauf tick) beendet
    die Phase und den Kreislauf.

    Beispiel: kreislauf budget adopt 2027 --number HH/2027/012 --on 2027-12-15
    --amendments aenderungen.toml
    """
    from models.commands import RecordBudgetResolution
    from models.errors import KreislaufError
    from models.german import german_date, plural
    from models.inputs import check_year, parse_day
    from services.budget_resolution import load_amendments

    check_year(year)
    day = parse_day(on, "adopted_on")
    changes = load_amendments(amendments) if amendments is not None else ()
    try:
        outcome = decide(RecordBudgetResolution(year, number, day, changes), on)
    except KreislaufError as error:
        if amendments is None or not (error.field or "").startswith("amendments["):
            raise
        # an amendment the database refuses (an unknown product group): named in the file
        raise type(error)(
            f"{amendments.name}, {error.field}: {error.message}", field="amendments"
        ) from None
    resolution = outcome.record
    console().print(
        f"Haushaltsbeschluss Nr. {resolution.number} vom {german_date(resolution.adopted_on)} "
        f"festgehalten (Haushalt {resolution.plan_year}, "
        f"{plural(len(changes), 'Änderung', 'Änderungen')}):",
        markup=False,
    )
    print_events(outcome.events)
