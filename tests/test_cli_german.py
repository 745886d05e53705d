"""click's and typer's own messages speak German: usage line, errors, help option, prompts."""

from __future__ import annotations

import enum
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from cli.german_click import install
from tests.conftest import Cli

ENGLISH = (
    "Usage:",
    "Error:",
    "Try '",
    "for help",
    "No such",
    "Missing",
    "Invalid value",
    "is not a valid",
    "Input should",
    "Got unexpected",
    "requires",
    "does not",
    "Did you mean",
    "Possible options",
    "Aborted",
    "Show this message",
)


def text(output: str) -> str:
    """The output without rich's panel frames, on one line."""
    return " ".join(output.replace("│", " ").split())


def assert_german(output: str, *expected: str) -> None:
    flat = text(output)
    for phrase in expected:
        assert phrase in flat, flat
    for english in ENGLISH:
        assert english not in flat, flat


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Parsing fails before any database is opened; SQLite keeps it so."""
    return Cli(f"sqlite:///{tmp_path / 'german.db'}")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["tick", "--bogus"], ["Unbekannte Option: --bogus"]),
        (["tick", "--jsno"], ["Unbekannte Option: --jsno (Meinten Sie: --json, --on?)"]),
        (["forum", "--bogus"], ["forum [OPTIONS] COMMAND", "Unbekannte Option: --bogus"]),
        (["status", "abc"], ["Ungültiger Wert für 'year': keine ganze Zahl"]),
        (["reminders", "send", "--workers", "1.5"], ["'--workers': keine ganze Zahl"]),
        (["reminders", "send", "--workers", "99"], ["'--workers': darf höchstens 32 sein"]),
        (["reminders", "send", "--workers", "0"], ["'--workers': muss mindestens 1 sein"]),
        (["status"], ["Fehlendes Argument 'year'."]),
        (["forum", "record", "2027"], ["Fehlende Option '--held-on'."]),
        (["status", "2027", "extra"], ["Unerwartete zusätzliche Argumente: extra"]),
        (["tick", "--on"], ["Option '--on' braucht einen Wert."]),
        (["tick", "--json=ja"], ["Option '--json' nimmt keinen Wert."]),
        (["--body", "x"], ["[OPTIONS] COMMAND [ARGS]...", "Fehlender Befehl."]),
        (["foo"], ["Unbekannter Befehl 'foo'."]),
        (["stat"], ["Unbekannter Befehl 'stat'. Meinten Sie 'status', 'strategy'?"]),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_a_usage_error_of_kreislauf_is_german(
    args: list[str], expected: list[str], cli: Cli
) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert_german(result.output, "Fehler", *expected)


def test_the_error_names_usage_and_help_in_german(cli: Cli) -> None:
    result = cli("tick", "--bogus")
    assert result.exit_code == 2
    assert_german(
        result.output,
        "tick [OPTIONS] [JAHR] Hilfe: '",
        " tick -h' ╭─ Fehler ─",
    )


def test_the_help_option_and_panels_are_german(cli: Cli) -> None:
    result = cli("tick", "--help")
    assert result.exit_code == 0
    assert_german(
        result.stdout, "Aufruf: ", "tick [OPTIONS]", "Optionen", "Diese Hilfe zeigen und beenden."
    )


def test_without_rich_the_plain_error_is_german(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer.core

    monkeypatch.setattr(typer.core, "HAS_RICH", False)
    result = cli("tick", "--bogus")
    assert result.exit_code == 2
    assert_german(
        result.output,
        "Aufruf: ",
        "tick [OPTIONS] [JAHR] Hilfe: '",
        " tick -h' Fehler: Unbekannte Option: --bogus",
    )


def test_the_installed_console_script_speaks_german(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("kreislauf")
    env = {
        **os.environ,
        "KREISLAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
        "COLUMNS": "200",
    }
    failed = subprocess.run(
        [str(script), "tick", "--bogus"], capture_output=True, text=True, env=env
    )
    assert failed.returncode == 2
    assert_german(
        failed.stderr,
        "Aufruf: kreislauf tick",
        "Hilfe: 'kreislauf tick -h'",
        "Fehler",
        "Unbekannte Option: --bogus",
    )


# Kinds of parameter kreislauf does not use (yet): a small app of each.


class Format(enum.StrEnum):
    xlsx = "xlsx"
    csv = "csv"


demo = typer.Typer(add_completion=False, context_settings={"help_option_names": ["-h", "--help"]})


@demo.command()
def run(
    number: Annotated[float, typer.Option("--number")] = 1.0,
    fmt: Annotated[Format, typer.Option("--format")] = Format.xlsx,
    source: Annotated[
        Path | None, typer.Option("--source", exists=True, dir_okay=False, readable=True)
    ] = None,
    folder: Annotated[Path | None, typer.Option("--folder", exists=True, file_okay=False)] = None,
    script: Annotated[typer.FileText | None, typer.Option("--script")] = None,
) -> None:
    print("ok")


@demo.command()
def ask() -> None:
    typer.confirm("Weiter?", abort=True)
    print(typer.prompt("Zahl", type=int, confirmation_prompt=True))


def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    install()
    return CliRunner().invoke(demo, list(args), input=input, env={"COLUMNS": "200"})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--number", "x"], "Ungültiger Wert für '--number': keine Zahl"),
        (
            ["--format", "pdf"],
            "Ungültiger Wert für '--format': 'pdf' ist nicht zulässig; möglich: 'xlsx', 'csv'.",
        ),
        (["--source", "/nicht/da"], "'--source': Datei '/nicht/da' gibt es nicht."),
        (["--source", "/"], "'--source': Datei '/' ist ein Verzeichnis."),
        (["--folder", __file__], f"'--folder': Verzeichnis '{__file__}' ist eine Datei."),
        (
            ["--script", "/nicht/da"],
            "'--script': '/nicht/da': Datei oder Verzeichnis nicht gefunden",
        ),
        (["--script", "/"], "'--script': '/': ist ein Verzeichnis"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_a_bad_value_of_each_kind_is_german(args: list[str], expected: str) -> None:
    result = invoke("run", *args)
    assert result.exit_code == 2
    assert_german(result.output, "Aufruf:", "Fehler", expected)


def test_an_unreadable_file_is_german(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # root reads everything
    result = invoke("run", "--source", __file__)
    assert result.exit_code == 2
    assert_german(result.output, f"Datei '{__file__}' ist nicht lesbar.")


def test_prompts_and_their_errors_are_german() -> None:
    result = invoke("ask", input="vielleicht\ny\nabc\n5\n6\n5\n5\n")
    assert result.exit_code == 0
    assert_german(
        result.output,
        "Fehler: ungültige Eingabe",
        "Fehler: keine ganze Zahl",
        "Zur Bestätigung wiederholen:",
        "Fehler: Die Eingaben stimmen nicht überein.",
    )


def test_an_aborted_prompt_is_german() -> None:
    result = invoke("ask", input="n\n")
    assert result.exit_code == 1
    assert_german(result.output, "Abgebrochen.")


def test_unknown_text_stays_as_it_is() -> None:
    from cli.german_click import catalogue

    assert catalogue().translate("Etwas ganz anderes.") == "Etwas ganz anderes."
    assert catalogue().gettext("Something else") == "Something else"
    assert catalogue().ngettext("Arguments", "Options", 2) == "Optionen"
