"""The `kreislauf` application object and what every command shares.

Only typer is imported at start-up; each command imports the services it needs, so that
reading commands stay fast (bench/cli_startup). No domain rules here: commands parse
arguments, read the clock once, call services and print.
"""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    import datetime as dt

    import sqlalchemy as sa
    from rich.console import Console
    from sqlmodel import Session

    from models.body import Body

HELP = """kreislauf: der Strategische Steuerungskreislauf einer Körperschaft.

Beispiel: kreislauf init && kreislauf cycle create 2027 && kreislauf status 2027
"""

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def german_help() -> None:
    """Typer's help panels in German (click's own usage line and errors stay English).
    Applied only when help is asked for: typer's rich module costs 60 ms to import."""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "Argumente"
    rich_utils.OPTIONS_PANEL_TITLE = "Optionen"
    rich_utils.COMMANDS_PANEL_TITLE = "Befehle"
    rich_utils.ERRORS_PANEL_TITLE = "Fehler"
    rich_utils.ABORTED_TEXT = "Abgebrochen."
    rich_utils.REQUIRED_LONG_STRING = "[Pflicht]"
    rich_utils.DEFAULT_STRING = "[Standard: {}]"
    rich_utils.ENVVAR_STRING = "[Umgebungsvariable: {}]"
    rich_utils.RICH_HELP = "Hilfe: [blue]'{command_path} {help_option}'[/]"


F = TypeVar("F", bound=Callable[..., Any])


class State:
    database: str | None = None
    body: str | None = None


state = State()


@app.callback()
def options(
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            envvar="KREISLAUF_DATABASE_URL",
            metavar="URL",
            help="Datenbank-URL, z. B. postgresql://user@host/db "
            "(Standard: SQLite-Datei im Datenverzeichnis).",
        ),
    ] = None,
    body: Annotated[
        str | None,
        typer.Option(
            "--body",
            envvar="KREISLAUF_BODY",
            metavar="KÜRZEL",
            help="Körperschaft (nötig, wenn mehrere eingerichtet sind).",
        ),
    ] = None,
) -> None:
    state.database = database
    state.body = body


def user_errors(command: F) -> F:
    """Print a user's mistake in German and exit with its code, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from models.errors import KreislaufError

        try:
            return command(*args, **kwargs)
        except KreislaufError as error:
            fail(str(error), error.exit_code)
        except Exception as error:
            from sqlalchemy.exc import InterfaceError, OperationalError

            if not isinstance(error, OperationalError | InterfaceError):
                raise
            from models.db import unreachable_message

            fail(unreachable_message(_url(), error), 2)

    return wrapper  # type: ignore[return-value]


def fail(message: str, code: int) -> None:
    from rich.markup import escape

    err_console().print(f"[bold red]Fehler:[/] {escape(message)}")
    raise typer.Exit(code) from None


def _url():  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.make_url(database_url())


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unbekannt"


def now(timezone: str = "Europe/Berlin") -> dt.datetime:
    """The one wall-clock read of a command; everything below takes it as an argument."""
    import pendulum

    return pendulum.now(timezone)


def database_url() -> str:
    from config.settings import Settings, normalise_database_url

    if state.database:
        return normalise_database_url(state.database)
    return Settings().resolved_database_url


def engine(*, create: bool = False) -> sa.Engine:
    from models.db import make_engine

    return make_engine(database_url(), create=create)


@contextmanager
def body_session() -> Iterator[tuple[Session, Body]]:
    """A session on a current schema, and the chosen body."""
    from models.db import require_current_schema, session_scope
    from services.bodies import resolve_body

    current = engine()
    require_current_schema(current)
    with session_scope(current) as session:
        yield session, resolve_body(session=session, slug=state.body)
