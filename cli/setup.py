"""Setting up and reading a body's cycles: init, strategy, cycle create, calendar, status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.app import actor, app, body_session, console, engine, now, user_errors
from models.german import os_error

strategy_app = typer.Typer(help="Die Zukunftsstrategie (Zielsystem).", no_args_is_help=True)
cycle_app = typer.Typer(help="Steuerungskreisläufe anlegen.", no_args_is_help=True)
app.add_typer(strategy_app, name="strategy")
app.add_typer(cycle_app, name="cycle")


@app.command()
@user_errors
def init(
    body_dir: Annotated[
        Path | None,
        typer.Option(
            "--body-dir",
            metavar="VERZEICHNIS",
            help="Konfiguration einer anderen Körperschaft (body.toml, strategy.toml, "
            "organisation.toml, calendar.toml). Standard: der mitgelieferte Landkreis Lörrach.",
        ),
    ] = None,
) -> None:
    """Datenbank anlegen bzw. aktualisieren und eine Körperschaft einrichten.

    Beispiel: kreislauf init  ·  kreislauf init --body-dir ./musterstadt
    """
    from config.loader import load_body_config
    from config.settings import SHIPPED_BODIES
    from models.db import session_scope, upgrade_to_head
    from models.errors import ConflictError
    from services.bodies import install_body, update_body

    config = load_body_config(body_dir or SHIPPED_BODIES / "loerrach")  # validate before writing
    current = engine(create=True)
    out = console()
    out.print(f"Datenbank: {current.url.render_as_string(hide_password=True)}")
    upgrade_to_head(current)
    try:
        with session_scope(current) as session:
            body = install_body(config, session=session, now=now(), actor=actor())
    except ConflictError:
        with session_scope(current) as session:
            body, changes = update_body(config, session=session, now=now(), actor=actor())
        if not changes:
            out.print(f"{body.name} ist bereits eingerichtet und aktuell; nichts geändert.")
            return
        out.print(f"{body.name} aktualisiert:")
        for change in changes:
            out.print(f"  • {change}")
        out.print(
            "Die Strategie ändert sich nur durch einen Beschluss; angelegte Kreisläufe "
            "behalten ihre Termine."
        )
        return
    from models.german import plural

    counts = [
        plural(len(config.strategy.fields), "Handlungsfeld", "Handlungsfelder"),
        plural(len(config.strategy.key_positions), "Schlüsselposition", "Schlüsselpositionen"),
        plural(len(config.organisation.departments), "Fachbereich", "Fachbereiche"),
        plural(len(config.organisation.factions), "Fraktion", "Fraktionen"),
        plural(len(config.figures.key_figures), "Kennzahl", "Kennzahlen"),
    ]
    if config.products is not None:
        counts.append(plural(len(config.products.groups), "Produktgruppe", "Produktgruppen"))
    out.print(f"{body.name} eingerichtet: {', '.join(counts)}.")
    if config.organisation.example:
        out.print(
            "[yellow]Hinweis:[/] Fachbereiche, Kontakte und Fraktionsvorsitzende sind "
            "Beispieldaten (organisation.toml)."
        )
    if config.figures.example:
        out.print(
            "[yellow]Hinweis:[/] Kennzahlen, Ziele und Maßnahmen sind Beispieldaten (figures.toml)."
        )
    if config.products is not None and config.products.example:
        out.print(
            "[yellow]Hinweis:[/] Produktplan und Teilhaushalte sind Beispieldaten (products.toml)."
        )


@strategy_app.command("show")
@user_errors
def strategy_show() -> None:
    """Vision, Leitsätze, Handlungsfelder mit Leitgedanken und Schwerpunkten.

    Dazu die Schlüsselpositionen mit Produktnummer, Begründung und Seite im Haushaltsplan.
    """
    from rich.table import Table

    from models.german import german_date
    from services.strategy import strategy_view

    with body_session() as (session, body):
        view = strategy_view(session=session, body=body)
    out = console()
    version = view.version
    out.print(
        f"[bold]{body.name}: {version.label}[/]"
        + (f" – „{version.motto}“" if version.motto else "")
    )
    out.print(
        f"Version {version.number}: {version.resolution}"
        + (
            ""
            if german_date(version.adopted_on) in version.resolution
            else f", beschlossen am {german_date(version.adopted_on)}"
        )
        + (f"; Planungshorizont {version.horizon_year}" if version.horizon_year else "")
    )
    out.print("\n[bold]Vision[/]")
    out.print(version.vision)
    out.print(f"\n[bold]Übergreifende Leitsätze[/] ({len(view.principles)})")
    for number, text in enumerate(view.principles, start=1):
        out.print(f"{number:>2}. {text}")
    for number, field in enumerate(view.fields, start=1):
        out.print(f"\n[bold]Handlungsfeld {number}: {field.name}[/]")
        intro = version.guiding_thoughts_intro
        out.print(f"Leitgedanken – {intro} …" if intro else "Leitgedanken")
        for text in field.guiding_thoughts:
            out.print(f"  • {text}")
        out.print("Strategische Schwerpunkte")
        for code, text in field.priorities:
            out.print(f"  [{code}] {text}", markup=False)
    year = f" {version.key_positions_year}" if version.key_positions_year else ""
    out.print()
    table = Table(title=f"Schlüsselpositionen{year}", show_lines=True)
    for column in ("Produkt-Nr.", "Bezeichnung", "Begründung", "Seite", "Fachbereich"):
        table.add_column(column, overflow="fold")
    for key_position in view.key_positions:
        table.add_row(
            key_position.product,
            key_position.name,
            key_position.reason,
            str(key_position.page) if key_position.page else "–",
            key_position.department or "–",
        )
    out.print(table)


@cycle_app.command("create")
@user_errors
def cycle_create(
    year: Annotated[int, typer.Argument(help="Jahr des Kreislaufs, z. B. 2027")],
) -> None:
    """Den Kalender eines Jahres in Phasen, Fristen und Aufgaben ausrollen.

    Beispiel: kreislauf cycle create 2027
    """
    from models.commands import CreateCycle
    from models.inputs import check_year
    from services.commands import handle

    check_year(year)

    with body_session() as (session, body):
        outcome = handle(CreateCycle(year), session=session, body=body, now=now(), actor=actor())
        cycle = outcome.record
        kind = "Wahljahr: Klausurtagung statt Forum" if cycle.election_year else "reguläres Jahr"
    console().print(
        f"Steuerungskreislauf {year} für {body.name} angelegt ({kind}). "
        f"Überblick: kreislauf status {year}"
    )


@app.command()
@user_errors
def calendar(
    year: Annotated[int, typer.Argument(help="Jahr des Kreislaufs")],
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            metavar="DATEI",
            help="Fristen zusätzlich als iCalendar-Datei (RFC 5545) schreiben.",
        ),
    ] = None,
) -> None:
    """Alle Fristen eines Jahres mit Datum, Wochentag und Zuständigkeit.

    Beispiel: kreislauf calendar 2027 --ics fristen.ics
    """
    from rich.table import Table

    from models.german import german_date, weekday_name
    from models.inputs import check_year

    check_year(year)
    from services.committees import committee_dates
    from services.cycle_views import deadline_views

    with body_session() as (session, body):
        deadlines = deadline_views(session=session, body=body, year=year)
        committees = committee_dates(session=session, body=body, year=year)
    if ics is not None:
        from notifications.ics import CalendarEntry, deadlines_to_ics

        data = deadlines_to_ics(
            [CalendarEntry(d.key, d.title, d.due, d.phase_title, d.responsible) for d in deadlines],
            body_slug=body.slug,
            body_name=body.name,
            year=year,
            now=now(),
        )
        try:
            ics.write_bytes(data)
        except OSError as error:
            from models.errors import KreislaufError

            raise KreislaufError(
                f"Die Datei {ics} kann nicht geschrieben werden: {os_error(error)}."
            ) from None
    if ics is not None:
        console().print(f"{len(deadlines)} Fristen {year} als iCalendar in {ics} geschrieben.")
        return
    table = Table(title=f"Fristen {year} – {body.name}")
    for column in ("Datum", "Wochentag", "Frist", "Phase", "Zuständig"):
        table.add_column(column, overflow="fold")
    for deadline in deadlines:
        table.add_row(
            german_date(deadline.due),
            weekday_name(deadline.due),
            deadline.title,
            deadline.phase_title,
            _responsible(deadline.responsible_spec, deadline.responsible),
        )
    console().print(table)
    sessions = sorted(
        ((day, committee) for committee in committees for day in committee.sessions),
        key=lambda pair: (pair[0], pair[1].name),
    )
    if sessions:
        heard = Table(title=f"Sitzungen der Fachausschüsse {year}")
        for column in ("Datum", "Wochentag", "Ausschuss", "Fachbereiche"):
            heard.add_column(column, overflow="fold")
        for day, committee in sessions:
            heard.add_row(
                german_date(day),
                weekday_name(day),
                committee.name,
                ", ".join(name for _, name in committee.departments) or "–",
            )
        console().print(heard)


def _responsible(spec: str, names: list[str]) -> str:
    if spec == "departments":
        return f"alle Fachbereiche ({len(names)})"
    if spec == "factions":
        return f"alle Fraktionen ({len(names)})"
    return ", ".join(names) or "–"


@app.command()
@user_errors
def status(
    year: Annotated[int, typer.Argument(help="Jahr des Kreislaufs")],
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="DATUM",
            help="Stand an einem anderen Tag (JJJJ-MM-TT), Standard: heute.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Als JSON für Skripte ausgeben.")] = False,
) -> None:
    """Phasen mit Zeitfenster und Stand, Aufgaben je Fachbereich, Entscheidungen.

    Beispiel: kreislauf status 2027 --on 2027-03-01
    """
    from rich.table import Table

    from models.german import days, german_date
    from models.inputs import check_year, parse_day

    check_year(year)
    from services.cycle_views import cycle_view

    day = parse_day(on, "on") if on else None
    with body_session() as (session, body):
        today = day or now(body.timezone).date()
        view = cycle_view(session=session, body=body, year=year, today=today)
    if as_json:
        import json
        import sys

        sys.stdout.write(json.dumps(view.as_dict(today), ensure_ascii=False, indent=2) + "\n")
        return
    out = console()
    kind = "Wahljahr, Klausurtagung" if view.election_year else "reguläres Jahr"
    out.print(
        f"[bold]Steuerungskreislauf {year} – {view.body_name}[/] ({kind}; "
        f"Stand {german_date(today)}; Kreislauf {view.status_label})"
    )
    phases = Table(title="Phasen")
    phases.add_column("Phase", min_width=16)  # long German words: room before folding
    for column in ("von", "bis", "Stand", "zeitlich", "Ergebnis"):
        phases.add_column(column, overflow="fold")
    for phase in view.phases:
        phases.add_row(
            phase.title,
            german_date(phase.opens),
            german_date(phase.closes),
            phase.status_label,
            phase.timing.label,
            phase.outcome or "–",
        )
    out.print(phases)
    if view.decisions:
        out.print("[bold]Entscheidungen[/]")
        for line in view.decisions:
            out.print(f"  • {line}", markup=False)
    tasks = Table(title="Aufgaben je Fachbereich und Fraktion")
    tasks.add_column("Zuständig", min_width=14)
    tasks.add_column("Aufgabe", min_width=18)
    for column in ("fällig", "Stand", "überfällig"):
        tasks.add_column(column, overflow="fold")
    previous = None
    for task in sorted(view.tasks, key=lambda t: (t.assignee, t.due)):
        tasks.add_row(
            task.assignee if task.assignee != previous else "",
            task.deadline_title,
            german_date(task.due),
            task.status.label,
            days(task.days_overdue) if task.days_overdue else "–",
            end_section=False,
        )
        previous = task.assignee
    out.print(tasks)


@app.command()
@user_errors
def departments(
    as_json: Annotated[
        bool, typer.Option("--json", help="Als JSON für Werkzeuge ausgeben.")
    ] = False,
) -> None:
    """Fachbereiche mit Ansprechpersonen und Vertretungen.

    Beispiel: kreislauf departments --json
    """
    import json

    from rich.table import Table

    from models.organisation import ContactRole
    from services.organisation import departments_view

    with body_session() as (session, body):
        rows = departments_view(session=session, body=body)
        example = body.organisation_is_example
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Fachbereiche – {body.name}" + (" (Beispieldaten)" if example else ""))
    for column in ("Fachbereich", "Rolle", "Name", "E-Mail", "Vertretung"):
        table.add_column(column, overflow="fold")
    for department in rows:
        name = department["name"] + (
            " (Zentrales Controlling)" if department["controlling_office"] else ""
        )
        for index, contact in enumerate(department["contacts"]):
            deputy = contact["deputy"]
            table.add_row(
                name if index == 0 else "",
                ContactRole(contact["role"]).label,
                contact["name"],
                contact["email"],
                f"{deputy['name']} <{deputy['email']}>" if deputy else "–",
            )
        if not department["contacts"]:
            table.add_row(name, "–", "–", "–", "–")
    console().print(table)


@app.command()
@user_errors
def products(
    as_json: Annotated[
        bool, typer.Option("--json", help="Als JSON für Werkzeuge ausgeben.")
    ] = False,
) -> None:
    """Produktplan: Produktbereiche, Produktgruppen mit Teilhaushalt, Produkte.

    Beispiel: kreislauf products --json
    """
    import dataclasses
    import json

    from rich.markup import escape
    from rich.table import Table

    from services.product_plan import product_plan

    with body_session() as (session, body):
        plan = product_plan(session=session, body=body)
        example = body.product_plan_is_example
    if as_json:
        rows = [dataclasses.asdict(area) for area in plan]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    out = console()
    if not plan:
        out.print(
            f"{body.name} hat keinen Produktplan (products.toml); Produktgruppen ergeben sich "
            "nur aus den Produktnummern."
        )
        return
    table = Table(title=f"Produktplan – {body.name}" + (" (Beispieldaten)" if example else ""))
    for column in ("Nummer", "Bezeichnung", "Teilhaushalt", "Verantwortlich"):
        table.add_column(column, overflow="fold")
    for area in plan:
        table.add_row(f"[bold]{area.number}[/]", f"[bold]{escape(area.name)}[/]", "", "")
        for group in area.groups:
            budget = group.partial_budget
            table.add_row(
                group.number,
                escape(group.name),
                escape(f"{budget.number} {budget.name}"),
                escape(", ".join(budget.departments)),
            )
            for product in group.products:
                table.add_row(
                    f"  {product.number}",
                    "  " + escape(product.name),
                    "",
                    escape(product.department or ""),
                )
    out.print(table)
