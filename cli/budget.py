"""Money per product group: `kreislauf budget import` and `kreislauf budget show`.

openpyxl and the services are imported inside the commands, so that other commands start as
fast as before (bench/cli_startup).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import actor, app, body_session, console, now, user_errors
from models.german import NBSP, german_euro, german_percent, os_error

if TYPE_CHECKING:
    from services.budget_import import Totals

budget_app = typer.Typer(
    help="Haushaltszahlen je Produktgruppe: Import aus dem Finanzverfahren, Plan und Ergebnis.",
    no_args_is_help=True,
)
app.add_typer(budget_app, name="budget")

KINDS = ("ansatz", "fortgeschrieben", "ergebnis", "plan")


def euro(value: Decimal | None, *, signed: bool = False) -> str:
    """1234567.891 -> "1.234.567,89 €" (a plain space: a terminal's table); None -> "–"."""
    return german_euro(value, cents=True, signed=signed).replace(NBSP, " ")


def percent(value: Decimal | None) -> str:
    return german_percent(value, signed=True).replace(NBSP, " ")


@budget_app.command("import")
@user_errors(options={"year": "--year", "kind": "--kind"})
def import_(
    file: Annotated[
        Path,
        typer.Argument(metavar="DATEI", help="Export des Finanzverfahrens (.csv oder .xlsx)."),
    ],
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            metavar="JAHR",
            help="Nur dieses Haushaltsjahr übernehmen (nötig, wenn die Datei keine Spalte "
            "für das Jahr hat).",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar="ansatz|fortgeschrieben|ergebnis|plan",
            help="Nur diese Art übernehmen (nötig, wenn die Datei keine Spalte für die Art hat).",
        ),
    ] = None,
) -> None:
    """Haushaltszahlen aus dem Finanzverfahren übernehmen; nur eine fehlerfreie Datei.

    Jedes Jahr und jede Art der Datei ersetzt, was dafür gespeichert ist (nie addiert).

    Beispiel: kreislauf budget import haushalt-2026.csv --year 2026 --kind ansatz
    """
    from models.budget import BudgetKind
    from models.budget_file import MAX_FILE_BYTES
    from models.errors import KreislaufError
    from models.german import plural
    from services.budget_import import import_budget

    chosen = None
    if kind is not None:
        if kind.strip().lower() not in KINDS:
            raise KreislaufError(
                f"„{kind}“ ist keine Art; erwartet {', '.join(KINDS)}.", field="kind"
            )
        chosen = BudgetKind(kind.strip().lower())
    try:
        if file.stat().st_size > MAX_FILE_BYTES:  # not even read into memory
            raise KreislaufError(
                f"Die Datei {file.name} ist größer als {MAX_FILE_BYTES // (1024 * 1024)} MB "
                "und wurde nicht gelesen; nichts wurde gespeichert."
            )
        data = file.read_bytes()
    except OSError as error:
        raise KreislaufError(f"{file}: kann nicht gelesen werden ({os_error(error)}).") from None
    with body_session() as (session, body):
        result = import_budget(
            session,
            body,
            data,
            file.name,
            year=year,
            kind=chosen,
            actor=actor(),
            now=now(body.timezone),
        )
        name = body.name
    out = console()
    out.print(f"{result.file_name} übernommen für {name}:", markup=False)
    for part in result.slices:
        out.print(
            f"  {part.kind.label} {part.year}: {plural(part.rows, 'Zeile', 'Zeilen')}, "
            f"gespeichert als {plural(part.lines, 'Summe', 'Summen')} je Produkt, "
            f"Kontengruppe und Seite (vorher {part.lines_before})",
            markup=False,
        )
        for label, before, after in _changes(part.before, part.after):
            out.print(f"    {label}: {euro(before)} → {euro(after)}", markup=False)
    skipped = []
    if result.payments:
        skipped.append(
            f"{plural(result.payments, 'Zeile', 'Zeilen')} mit Zahlungen des Finanzhaushalts "
            "(außer Investitionen)"
        )
    if result.other_slice:
        skipped.append(f"{plural(result.other_slice, 'Zeile', 'Zeilen')} anderer Jahre oder Arten")
    if skipped:
        out.print(f"  Nicht übernommen: {'; '.join(skipped)}.", markup=False)


def _changes(before: Totals, after: Totals) -> list[tuple[str, Decimal, Decimal]]:
    return [
        ("Erträge", before.income, after.income),
        ("Aufwendungen", before.expenses, after.expenses),
        ("Zuschussbedarf", before.net, after.net),
    ]


@budget_app.command("show")
@user_errors
def show(
    year: Annotated[int, typer.Argument(metavar="JAHR", help="Haushaltsjahr, z. B. 2026")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Als JSON für Werkzeuge ausgeben.")
    ] = False,
) -> None:
    """Plan und Ergebnis je Produktgruppe eines Haushaltsjahres, mit Abweichung.

    Verglichen wird der Zuschussbedarf (Aufwendungen minus Erträge); Plan ist der
    fortgeschriebene Ansatz, wo es ihn gibt, sonst der Ansatz.

    Beispiel: kreislauf budget show 2026
    """
    from rich.table import Table

    from models.inputs import check_year
    from services.budget_overview import budget_overview

    check_year(year)
    with body_session() as (session, body):
        groups = budget_overview(session=session, body=body, year=year)
        name = body.name
    if as_json:
        payload = [
            {
                "number": group.number,
                "name": group.name,
                "partial_budget": {
                    "number": group.partial_budget_number,
                    "name": group.partial_budget_name,
                },
                "plan_kind": group.plan_kind.value if group.plan_kind else None,
                "plan": _text(group.plan),
                "result": _text(group.result),
                "deviation": _text(group.deviation),
                "deviation_percent": _text(group.deviation_percent),
            }
            for group in groups
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    out = console()
    if not groups:
        out.print(
            f"Für {year} sind bei {name} weder Ansatz noch Ergebnis gespeichert "
            "(kreislauf budget import DATEI).",
            markup=False,
        )
        return
    table = Table(title=f"Zuschussbedarf {year} je Produktgruppe – {name}")
    table.add_column("Nr.", no_wrap=True)
    table.add_column("Produktgruppe", min_width=16, overflow="fold")
    table.add_column("THH", no_wrap=True)  # the Teilhaushalt's number; its name below
    for column in ("Plan", "Ergebnis", "Abweichung", "Abw. %"):
        table.add_column(column, justify="right", no_wrap=True)
    for group in groups:
        updated = group.plan_kind is not None and group.plan_kind.value == "fortgeschrieben"
        table.add_row(
            group.number,
            group.name,
            group.partial_budget_number,
            euro(group.plan) + (" (f)" if updated else ""),
            euro(group.result),
            euro(group.deviation, signed=True),
            percent(group.deviation_percent),
        )
    plan = _total([group.plan for group in groups])
    result = _total([group.result for group in groups])
    both = [group.deviation for group in groups if group.deviation is not None]
    table.add_section()
    table.add_row(
        "",
        "Summe",
        "",
        euro(plan),
        euro(result),
        euro(sum(both, Decimal("0.00")) if both else None, signed=True),
        "",
    )
    # amounts are never cut: a narrow terminal gets the table wider than itself (each
    # column but the name as wide as its widest cell, plus borders and padding)
    widths = [
        max(len(str(cell)) for cell in [column.header, *column.cells]) for column in table.columns
    ]
    widths[1] = min(widths[1], 24)
    out.width = max(out.width, sum(widths) + 3 * len(widths) + 1)
    out.print(table)
    notes = ["Plan: Ansatz; (f): fortgeschriebener Ansatz, wo vorhanden"]
    budgets = {group.partial_budget_number: group.partial_budget_name for group in groups}
    notes.append("THH: " + ", ".join(f"{number} {name}" for number, name in budgets.items()))
    for note in notes:
        out.print(note, markup=False)


def _total(values: list[Decimal | None]) -> Decimal | None:
    known = [value for value in values if value is not None]
    return sum(known, Decimal("0.00")) if known else None


def _text(value: Decimal | None) -> str | None:
    """Exact amounts as strings in JSON (no binary floats for money)."""
    return None if value is None else str(value)
