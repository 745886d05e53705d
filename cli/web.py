"""The web dashboard and its users: `kreislauf web`, `kreislauf user add|token`."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import actor, app, body_session, console, database_url, now, state, user_errors
from cli.signals import stop_on_signals

if TYPE_CHECKING:
    from web.settings import WebSettings

user_app = typer.Typer(help="Benutzer der Weboberfläche und API-Token.", no_args_is_help=True)
app.add_typer(user_app, name="user")

HOST = Annotated[str, typer.Option("--host", help="Adresse der Weboberfläche.")]
PORT = Annotated[int, typer.Option("--port", help="Port der Weboberfläche.")]


def web_settings() -> WebSettings:
    """The web app's settings from the environment, with the CLI's --database and --body."""
    from dataclasses import replace

    from web.settings import WebSettings

    return replace(WebSettings.from_environment(), database_url=database_url(), body=state.body)


WORKERS = Annotated[
    int,
    typer.Option(
        "--workers",
        help="Prozesse der Weboberfläche (1 bis 32); mehrere teilen sich den Port, "
        "z. B. einer je Prozessorkern.",
    ),
]
MAX_WORKERS = 32


@app.command()
@user_errors
def web(host: HOST = "127.0.0.1", port: PORT = 8000, workers: WORKERS = 1) -> None:
    """Die Weboberfläche starten (Controlling, Fachbereiche, Verwaltung), bis Strg-C.

    Benutzer legt `kreislauf user add` an. Sitzungen überdauern einen Neustart nur mit
    KREISLAUF_SECRET_KEY. Beispiel: kreislauf web --port 8000 --workers 4
    """
    if not 1 <= workers <= MAX_WORKERS:
        from models.errors import KreislaufError

        raise KreislaufError(
            f"--workers {workers}: erwartet wird eine Zahl von 1 bis {MAX_WORKERS}.",
            field="--workers",
        )
    if workers > 1:
        web_processes(host, port, workers)
        return
    stop_on_signals()
    try:
        with web_beside(host, port) as thread:
            while thread.is_alive():
                thread.join(0.5)
    except KeyboardInterrupt:
        pass
    console().print("kreislauf web beendet.")


def web_processes(host: str, port: int, workers: int) -> None:
    """`workers` processes of the web app on one port (uvicorn's supervisor restarts one
    that dies); each builds its app from KREISLAUF_* (web.app.app_from_environment). They
    share one signing key, so that a session from one process is valid in all: the
    configured KREISLAUF_SECRET_KEY, else one made for this start."""
    import os
    import secrets

    import uvicorn

    from flows.server import _port_free
    from models.errors import KreislaufError

    if not _port_free(host, port):
        raise KreislaufError(f"--port: {host}:{port} ist belegt; bitte einen anderen Port.")
    os.environ["KREISLAUF_DATABASE_URL"] = database_url()
    if state.body:
        os.environ["KREISLAUF_BODY"] = state.body
    os.environ.setdefault("KREISLAUF_SECRET_KEY", secrets.token_urlsafe(32))
    web_settings()  # bad settings stop here, in German, before any process starts
    from models.db import make_engine, require_current_schema

    engine = make_engine(os.environ["KREISLAUF_DATABASE_URL"])
    try:  # and a missing or old database too: each worker would fail and be restarted
        require_current_schema(engine)
    finally:
        engine.dispose()
    console().print(
        f"Weboberfläche: http://{host}:{port}/  ({workers} Prozesse, Beenden mit Strg-C)"
    )
    uvicorn.run(
        "web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
    console().print("kreislauf web beendet.")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Passwort", hide_input=True)
    second = typer.prompt("Passwort wiederholen", hide_input=True)
    if first != second:
        from models.errors import KreislaufError

        raise KreislaufError("Die Passwörter stimmen nicht überein; nichts wurde geändert.")
    return first


@user_app.command("add")
@user_errors
def user_add(
    username: Annotated[str, typer.Argument(metavar="BENUTZERNAME")],
    role: Annotated[
        str,
        typer.Option(
            "--role", metavar="ROLLE", help="admin, controlling oder department (Fachbereich)."
        ),
    ],
    department: Annotated[
        str | None,
        typer.Option("--department", metavar="FACHBEREICH", help="Kürzel des Fachbereichs."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="Anzeigename.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Passwort aus der Standardeingabe lesen.")
    ] = False,
) -> None:
    """Einen Benutzer der Weboberfläche anlegen (Passwort: Eingabeaufforderung oder stdin).

    Die Körperschaft wählt die globale Option --body. Beispiel:
    kreislauf user add mueller --role department --department umwelt
    """
    from models.accounts import Role
    from models.errors import KreislaufError
    from services.accounts import create_user

    try:
        chosen = Role(role.strip().lower())
    except ValueError:
        raise KreislaufError(
            f"--role: {role!r} gibt es nicht (admin, controlling, department)."
        ) from None
    password = read_password(password_stdin)
    with body_session() as (session, body):
        user = create_user(
            session=session,
            body=body,
            username=username,
            password=password,
            role=chosen,
            department_key=department,
            display_name=name,
            now=now(),
            actor=actor(),
        )
        text = f"Benutzer {user.username} ({chosen.label}) für {body.name} angelegt."
    console().print(text)


@user_app.command("password")
@user_errors
def user_password(
    username: Annotated[str, typer.Argument(metavar="BENUTZERNAME")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Passwort aus der Standardeingabe lesen.")
    ] = False,
) -> None:
    """Ein neues Passwort setzen; alle Sitzungen des Benutzers enden sofort.

    Beispiel: kreislauf user password mueller
    """
    from services.accounts import get_user, set_password

    password = read_password(password_stdin)
    with body_session() as (session, _body):
        user = get_user(session=session, username=username)
        set_password(session=session, user=user, password=password, now=now(), actor=actor())
    console().print(f"Neues Passwort für {username} gesetzt; seine Sitzungen sind beendet.")


@user_app.command("token")
@user_errors(options={"days": "--days"})
def user_token(
    username: Annotated[str, typer.Argument(metavar="BENUTZERNAME")],
    name: Annotated[str, typer.Option("--name", help="Wofür das Token ist.")] = "api",
    days: Annotated[
        int, typer.Option("--days", help="Gültigkeit in Tagen, 1 bis 730 (Standard: 365).")
    ] = 365,
) -> None:
    """Ein API-Token für /api erzeugen; es wird nur jetzt angezeigt.

    Beispiel: kreislauf user token controlling --days 365
    """
    from services.accounts import create_token, get_user

    with body_session() as (session, _body):
        user = get_user(session=session, username=username)
        token = create_token(
            session=session, user=user, name=name, now=now(), valid_days=days, actor=actor()
        )
    err = console()
    err.print(f"API-Token für {username} (nur jetzt sichtbar; Header Authorization: Bearer …):")
    sys.stdout.write(token + "\n")


@contextmanager
def web_beside(
    host: str, port: int, *, api_url: str | None = None, option: str = "--port"
) -> Iterator[threading.Thread]:
    """The web app in a thread of this process, stopped when the block ends. Beside
    `kreislauf serve` (`api_url`) it opens once the served deployments are registered, so
    that an administrator's action can start its flow at once. The thread installs no signal
    handlers: the main thread's Ctrl-C or SIGTERM ends it."""
    import uvicorn

    from flows.server import _port_free
    from models.errors import KreislaufError
    from web.app import create_app

    if not _port_free(host, port):
        raise KreislaufError(f"{option}: {host}:{port} ist belegt; bitte einen anderen Port.")
    server = uvicorn.Server(
        uvicorn.Config(create_app(web_settings()), host=host, port=port, log_level="warning")
    )

    def run() -> None:
        stop = lambda: server.should_exit  # noqa: E731
        if api_url is None or wait_for_deployment(api_url, "forum/convene", should_stop=stop):
            console().print(f"Weboberfläche: http://{host}:{port}/  (Beenden mit Strg-C)")
            server.run()

    thread = threading.Thread(target=run, name="kreislauf-web", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_for_deployment(
    api_url: str, name: str, *, should_stop: Callable[[], bool], seconds: float = 300
) -> bool:
    """True once the Prefect server knows the deployment `flow/name`."""
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while not should_stop() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/deployments/name/{name}", timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False
