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
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

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
    """typer and click speak German: help panels, usage line, errors, prompts (cli.german_click).
    Cheap: typer's rich module (60 ms) is patched only when an error or a help page loads it."""
    from cli.german_click import install

    install()


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


# A user error's field as the option people type; a command adds or overrides its own.
OPTIONS = {
    "body": "--body",
    "comment": "--comment",
    "department": "--department",
    "faction": "--faction",
    "format": "--format",
    "from": "--from",
    "held_on": "--held-on",
    "need": "--need",
    "number": "--number",
    "on": "--on",
    "port": "--port",
    "reason": "--reason",
    "script": "--script",
    "to": "--to",
}

# The command that fixes a refusal ({year}: the command's year argument).
REMEDIES = {
    "init": "zuerst `kreislauf init`",
    "create_cycle": "`kreislauf cycle create {year}`",
    "convene": "zuerst `kreislauf forum convene {year} --reason ...`",
    "record_session": "zuerst `kreislauf forum record {year} ...`",
    "template": "bitte die Vorlage von `kreislauf template` verwenden",
    "partial_report_template": (
        "bitte den Entwurf von `kreislauf partial-report template {year}` verwenden"
    ),
    "plan_template": "bitte die Vorlage von `kreislauf plan template {year}` verwenden",
    "departments": "`kreislauf departments --json` zeigt die Kürzel",
    "choose_body": "bitte --body angeben oder KREISLAUF_BODY setzen",
}

# A run as of a given day (noon), for tests and simulations; hidden from people's help.
HIDDEN_ON = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="DATUM",
        hidden=True,
        help="Als Lauf an diesem Tag, 12 Uhr (JJJJ-MM-TT), Standard: jetzt.",
    ),
]

# The option of the decision day; a decision command takes it as `on: ON = None`.
ON = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="DATUM",
        help="Entscheidung mit diesem Tag festhalten (JJJJ-MM-TT oder TT.MM.JJJJ, 12:00 Uhr); "
        "Standard: jetzt.",
    ),
]


def user_errors(command: F | None = None, *, options: dict[str, str] | None = None) -> Any:
    """Print a user's mistake in German and exit with its code, without a traceback. The
    error's field is shown as the command's option (`options` maps the command's own)."""
    fields = {**OPTIONS, **(options or {})}

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from models.errors import KreislaufError

            try:
                return command(*args, **kwargs)
            except KreislaufError as error:
                fail(cli_message(error, fields, kwargs), error.exit_code)
            except Exception as error:
                from sqlalchemy.exc import InterfaceError, OperationalError

                if not isinstance(error, OperationalError | InterfaceError):
                    raise
                from models.db import unreachable_message

                fail(unreachable_message(_url(), error), 2)

        return cast(F, wrapper)  # functools.wraps keeps the signature, typed apart from F

    return decorate(command) if command is not None else decorate


def cli_message(error: Any, fields: dict[str, str], arguments: dict[str, Any]) -> str:
    """The error as the terminal shows it: `--option: message`, the command that fixes it."""
    remedy = REMEDIES.get(error.remedy or "")
    if remedy:
        year = arguments.get("year") or arguments.get("year_text") or "JAHR"
        fix = remedy.format(year=year)
        if error.message.endswith(":"):  # a list of problems follows: the fix after it
            text = f"{error.text(hint='')}\n{fix[0].upper()}{fix[1:]}."
        else:
            head = f"{error.message.rstrip('.')}: {fix}."
            text = error.text(hint="").replace(error.message, head, 1)
    else:
        text = error.text()
    option = fields.get(error.field or "")
    return f"{option}: {text}" if option else text


def fail(message: str, code: int) -> None:
    from rich.markup import escape

    err_console().print(f"[bold red]Fehler:[/] {escape(message)}")
    raise typer.Exit(code) from None


def _url() -> sa.URL:
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


def now(timezone: str = "Europe/Berlin", on: str | None = None) -> dt.datetime:
    """The one wall-clock read of a command; everything below takes it as an argument. With
    `on` (the --on option, JJJJ-MM-TT or TT.MM.JJJJ): noon of that day in `timezone`."""
    import pendulum

    if on is None:
        return pendulum.now(timezone)
    from models.inputs import parse_day

    day = parse_day(on, "on")
    return pendulum.datetime(day.year, day.month, day.day, 12, tz=timezone)


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


def read_workbook(file: Path) -> bytes:
    """A filled workbook from disk: over the readers' limit it is not even read; a file that
    cannot be read is a German error naming it."""
    from models.errors import KreislaufError
    from models.german import os_error
    from models.workbook_read import MAX_FILE_BYTES, too_large

    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise too_large(file.name)
        return file.read_bytes()
    except OSError as error:
        raise KreislaufError(f"{file}: kann nicht gelesen werden ({os_error(error)}).") from None


def write_file(target: Path, data: bytes) -> None:
    """Write a generated file whole or not at all (a temporary file beside it, renamed into
    place): an interrupted run never leaves half a workbook. A place that cannot be written
    is a German error naming it."""
    import errno
    import os
    import tempfile

    from models.errors import KreislaufError
    from models.german import os_error

    temporary: str | None = None
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(target))
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise KreislaufError(
            f"{target}: kann nicht geschrieben werden ({os_error(error)})."
        ) from None
