"""Commands around Prefect: serve the deployments, deploy to a work pool, convene a forum,
simulate a year (in-process by default, through real flows with --prefect). Prefect's
environment is set before prefect is imported (it costs ~1 s)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import (
    ON,
    actor,
    app,
    body_session,
    console,
    database_url,
    engine,
    err_console,
    fail,
    now,
    user_errors,
)
from cli.decisions import YEAR, forum_app, print_events
from cli.signals import STOPPING, stop_on_signals

if TYPE_CHECKING:
    from config.loader import BodyConfig
    from services.simulation import SimulationScript


def _data_dir() -> Path:
    from config.settings import Settings

    return Settings().resolved_data_dir


def _prefect_env(*, quiet: bool = False) -> None:
    """Prefect's defaults for this machine; what the user set stays."""
    from flows.server import prefect_environment

    for name, value in prefect_environment(_data_dir()).items():
        os.environ.setdefault(name, value)
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    if quiet:  # an in-process temporary server for one command: keep it lean and silent
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED", "false")
        os.environ.setdefault("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED", "false")


@app.command()
@user_errors
def serve(
    port: Annotated[int, typer.Option("--port", help="Port des lokalen Prefect-Servers.")] = 4200,
    host: Annotated[
        str, typer.Option("--host", help="Adresse des lokalen Prefect-Servers.")
    ] = "127.0.0.1",
    web: Annotated[
        bool, typer.Option("--web", help="Daneben die Weboberfläche starten (kreislauf web).")
    ] = False,
    web_host: Annotated[
        str, typer.Option("--web-host", help="Adresse der Weboberfläche.")
    ] = "127.0.0.1",
    web_port: Annotated[int, typer.Option("--web-port", help="Port der Weboberfläche.")] = 8000,
) -> None:
    """Alle Deployments mit ihren Zeitplänen (Europe/Berlin) ausführen, bis Strg-C.

    Ohne PREFECT_API_URL startet kreislauf einen lokalen Prefect-Server (mit Oberfläche)
    im Datenverzeichnis; mit --web daneben die Weboberfläche.
    Beispiel: kreislauf serve --port 4200 --web --web-port 8000
    """
    from contextlib import nullcontext

    from flows.server import local_server

    _prefect_env()
    out = console()
    external = os.environ.get("PREFECT_API_URL")
    if external:
        out.print(f"Prefect-Server: {external}")
    else:
        out.print(f"Starte lokalen Prefect-Server auf {host}:{port} …")
    context = nullcontext(external) if external else local_server(_data_dir(), host=host, port=port)
    with context as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        if not external:
            out.print(f"Prefect-Oberfläche: {api_url.removesuffix('/api')}")
        os.environ.setdefault("KREISLAUF_DATABASE_URL", database_url())
        from flows.deployments import DAILY_TICK, serve_all

        out.print(
            f"Datenbank: {_hidden(database_url())}; täglicher Abgleich: cron "
            f"'{DAILY_TICK}' Europe/Berlin. Beenden mit Strg-C."
        )
        stop_on_signals()
        from cli.web import web_beside

        try:
            with (
                web_beside(web_host, web_port, api_url=api_url, option="--web-port")
                if web
                else nullcontext()
            ):
                serve_all()
        except BaseException:
            # A signal may land inside an import or a library call that wraps the
            # KeyboardInterrupt in its own error; once asked to stop, any of them is the stop.
            if not STOPPING:
                raise
    out.print("kreislauf serve beendet.")


def _hidden(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


@app.command()
@user_errors
def deploy(
    work_pool: Annotated[
        str, typer.Option("--work-pool", metavar="POOL", help="Prefect-Work-Pool (Typ process).")
    ],
) -> None:
    """Die Deployments bei einem Prefect-Server für einen Work Pool registrieren.

    Beispiel: PREFECT_API_URL=http://server:4200/api kreislauf deploy --work-pool kreislauf
    """
    _prefect_env()
    from models.errors import KreislaufError

    if not os.environ.get("PREFECT_API_URL"):
        raise KreislaufError("PREFECT_API_URL ist nicht gesetzt: für welchen Prefect-Server?")
    from flows.deployments import deploy_to_pool

    try:
        ids = deploy_to_pool(work_pool)
    except ValueError as error:  # prefect: unknown work pool and the like
        raise KreislaufError(f"--work-pool: {error}") from None
    console().print(f"{len(ids)} Deployments für Work Pool {work_pool!r} registriert.")


@forum_app.command("convene")
@user_errors
def forum_convene(
    year: YEAR,
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Anlass der Einberufung.")
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", metavar="forum|retreat", help="Forum oder Klausurtagung (in jedem Jahr)."
        ),
    ] = None,
    field: Annotated[
        str | None,
        typer.Option(
            "--field", metavar="HANDLUNGSFELD", help="Thematische Klausurtagung zu diesem Feld."
        ),
    ] = None,
    on: ON = None,
) -> None:
    """Forum Zukunftsstrategie einberufen (im Wahljahr: die Klausurtagung).

    --kind wählt die Art in jedem Jahr; --field beruft eine thematische Klausurtagung zu
    einem Handlungsfeld neben der Hauptsitzung ein.
    Hält die Entscheidung sofort fest und führt sie weiter: auf dem laufenden Prefect-Server
    mit dessen Flow, sonst hier mit dem Abgleich des Kreislaufs (wie kreislauf tick).
    Beispiel: kreislauf forum convene 2027 --reason "..."
    """
    from models.commands import Convene
    from models.decisions import SessionKind
    from models.errors import KreislaufError
    from services.commands import handle

    kinds = {"forum": SessionKind.forum, "retreat": SessionKind.retreat}
    if kind is not None and kind.strip().casefold() not in kinds:
        raise KreislaufError("Bitte als Art forum oder retreat angeben.", field="kind")
    command = Convene(year, reason, kinds[kind.strip().casefold()] if kind else None, field)
    with body_session() as (session, body):
        at = now(body.timezone, on)
        outcome = handle(command, session=session, body=body, now=at, actor=actor())
        slug = body.slug
    out = console()
    out.print("Einberufen:")
    print_events(outcome.events)
    if outcome.flow:
        _carry_on(outcome.flow, slug, year, at)


def _carry_on(flow: str, slug: str, year: int, at: dt.datetime) -> None:
    """Carry the decision on at its instant `at`: the flow on the running Prefect server, else
    the cycle's reconcile here, in-process (the shared loop of `kreislauf tick`, no Prefect)."""
    from flows.server import running_api_url
    from flows.starter import flow_parameters, start_on_server
    from services.daily import reconcile_day

    out = console()
    api_url = running_api_url(_data_dir())
    if api_url:
        _prefect_env()
        try:
            address = start_on_server(flow, api_url, flow_parameters(body=slug, year=year, at=at))
        except Exception as error:  # recorded all the same: the daily run carries it on
            out.print(
                f"Der Flow „{flow}“ konnte auf dem Prefect-Server nicht gestartet werden "
                f"({error or type(error).__name__}); der tägliche Abgleich holt ihn nach.",
                markup=False,
            )
            return
        out.print(f"Flow „{flow}“ auf dem Prefect-Server gestartet: {address}")
        return
    out.print(f"Kein Prefect-Server erreichbar: der Kreislauf {year} wird hier abgeglichen …")
    for event in reconcile_day(engine(), now=at, actor=actor(), body=slug, year=year):
        out.print(f"  • {event['detail']}", markup=False)
    out.print("Abgleich abgeschlossen.")


@app.command()
@user_errors
def simulate(
    year: YEAR,
    as_json: Annotated[bool, typer.Option("--json", help="Ereignisse als JSON-Liste.")] = False,
    script: Annotated[
        Path | None,
        typer.Option(
            "--script",
            metavar="DATEI",
            help="Skript der Beteiligten (TOML). Standard: simulation.toml der Körperschaft.",
        ),
    ] = None,
    body_dir: Annotated[
        Path | None,
        typer.Option(
            "--body-dir",
            metavar="VERZEICHNIS",
            help="Konfiguration der Körperschaft. Standard: Landkreis Lörrach.",
        ),
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DATEI",
            help="Die durchgespielte SQLite-Datenbank hier behalten (die Datei darf noch "
            "nicht bestehen); ansehen mit kreislauf --database sqlite:///DATEI status JAHR.",
        ),
    ] = None,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect",
            help="Über echte Prefect-Flows auf einem temporären Prefect-Server "
            "(langsamer; der Server wird in jedem Fall wieder beendet).",
        ),
    ] = False,
) -> None:
    """Ein ganzes Jahr auf einer virtuellen Uhr durchspielen, in einer eigenen Datenbank.

    Jeden Tag, an dem etwas geschehen kann, gleicht sie um 06:00 ab wie kreislauf tick und
    die täglichen Läufe; ein Skript steht für die Menschen. Ohne Prefect, in Sekunden.
    Beispiel: kreislauf simulate 2027 --json --keep simulation-2027.db
    """
    from config.loader import load_body_config
    from config.settings import SHIPPED_BODIES
    from models.inputs import check_year
    from services.simulation import load_script

    check_year(year)
    directory = body_dir or SHIPPED_BODIES / "loerrach"
    config = load_body_config(directory)
    default_script = directory / "simulation.toml"
    people = load_script(script or (default_script if default_script.exists() else None))
    if keep is not None:
        _check_keep(keep)
    try:
        with tempfile.TemporaryDirectory(prefix="kreislauf-sim-") as workdir:
            work = Path(workdir)
            if prefect:
                events = _simulate_with_prefect(config, year, people, work)
            else:
                from services.simulated_year import play_year

                database = f"sqlite:///{work / 'simulation.db'}"
                events = play_year(config, year, people, database_url=database)
            if keep is not None:
                _keep_database(work / "simulation.db", keep)
    except KeyboardInterrupt:
        fail("Simulation abgebrochen (Strg-C); nichts behalten.", 130)
    if as_json:
        sys.stdout.write(json.dumps(events, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_timeline(events, f"Simulation {year} – {config.body.name}")
    if keep is not None:
        err_console().print(
            f"Datenbank behalten: {keep} (kreislauf --database sqlite:///{keep} status {year})",
            markup=False,
        )


def _check_keep(path: Path) -> None:
    """--keep never overwrites: an existing file may be someone's real database."""
    from models.errors import KreislaufError

    if path.exists() or Path(f"{path}-wal").exists():
        raise KreislaufError(
            f"--keep: {path} gibt es schon; bitte einen neuen Dateinamen wählen "
            "(eine bestehende Datei wird nicht überschrieben)."
        )
    if not path.parent.is_dir():
        raise KreislaufError(f"--keep: das Verzeichnis {path.parent} gibt es nicht.")


def _keep_database(source: Path, target: Path) -> None:
    """A consistent copy of the played-out SQLite database (the backup API takes the WAL's
    pages along), written to a temporary name first and renamed when complete."""
    import sqlite3
    from contextlib import closing

    from models.errors import KreislaufError

    partial = target.with_name(f".{target.name}.partial")
    try:
        with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(partial)) as copy:
            origin.backup(copy)
        if target.exists():  # appeared while the simulation ran
            raise KreislaufError(
                f"--keep: {target} ist inzwischen angelegt worden; nichts behalten."
            )
        partial.replace(target)
    except (OSError, sqlite3.Error) as error:
        raise KreislaufError(f"--keep: {target} lässt sich nicht schreiben ({error}).") from None
    finally:
        partial.unlink(missing_ok=True)


def _simulate_with_prefect(
    config: BodyConfig, year: int, people: SimulationScript, workdir: Path
) -> list[dict[str, str]]:
    """The year through real flows: on PREFECT_API_URL if set, else on a temporary server
    started here and stopped in any case (time-out, error, Ctrl-C or SIGTERM). A failure is
    one German line, never a traceback."""
    import signal
    from contextlib import nullcontext

    from flows.server import ServerError, startup_timeout, temporary_server
    from models.errors import KreislaufError

    _prefect_env(quiet=True)
    external = os.environ.get("PREFECT_API_URL")
    server = (
        nullcontext(external)
        if external
        else temporary_server(workdir / "prefect", startup_timeout=startup_timeout())
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)  # so that `finally` stops the server
    try:
        with server as api_url:
            from prefect.settings import PREFECT_API_URL, temporary_settings

            from flows.simulation import simulate as run

            with temporary_settings({PREFECT_API_URL: api_url}):
                return run(config, year, people, workdir=workdir)
    except KreislaufError:
        raise
    except Exception as error:
        first = (str(error).strip().splitlines() or [""])[0][:300]
        raise ServerError(
            f"Die Simulation über Prefect ist gescheitert ({type(error).__name__}: {first}); "
            "ohne --prefect läuft sie ohne Server."
        ) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


PHASE_SHORT = {
    "evaluation": "Evaluierung",
    "survey": "Befragung",
    "forum": "Forum",
    "retreat": "Klausurtagung",
    "resolution": "Beschluss",
    "planning": "Planung",
    "budget_resolution": "Haushalt",
}
EVENT_LABELS = {
    "cycle_started": "Kreislauf läuft",
    "cycle_closed": "Kreislauf abgeschlossen",
    "phase_opened": "Phase eröffnet",
    "phase_closed": "Phase beendet",
    "task_opened": "Aufgabe offen",
    "task_submitted": "eingereicht",
    "task_accepted": "angenommen",
    "task_cancelled": "entfällt",
    "task_late": "verspätet",
    "message_queued": "Nachricht",
    "survey_answered": "Antwort",
    "survey_outcome": "Befragung",
    "forum_not_needed": "kein Forum",
    "session_convened": "einberufen",
    "session_held": "Sitzung",
    "resolution_adopted": "Beschluss",
    "strategy_version_created": "neue Strategieversion",
    "next_cycle_created": "Folgejahr angelegt",
    "next_cycle_pending": "Folgejahr offen",
    "script_refused": "abgelehnt",
}


def _print_timeline(events: list[dict[str, str]], title: str) -> None:
    import datetime as dt

    from rich.table import Table

    from models.german import german_date, weekday_name

    table = Table(title=title)
    for column in ("Datum", "Phase", "Ereignis", "Einzelheiten"):
        table.add_column(column, overflow="fold")
    previous = None
    for event in events:
        day = dt.date.fromisoformat(event["date"])
        shown = f"{weekday_name(day)[:2]} {german_date(day)}" if event["date"] != previous else ""
        table.add_row(
            shown,
            PHASE_SHORT[event["phase"]],
            EVENT_LABELS.get(event["event"], event["event"]),
            event["detail"],
        )
        previous = event["date"]
    console().print(table)
