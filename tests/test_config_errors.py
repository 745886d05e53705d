"""Bad input gets one clear German message naming file and key, exit code 2, and no writes.

The broken configurations are copies of the shipped Lörrach files with one small edit each,
renamed to slug "zweiter-kreis" so that they would install next to Lörrach if they were valid
(`test_unbroken_copy_installs_next_to_loerrach` shows that they would).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result

from tests.conftest import Cli, row_counts

# Wide enough that rich never wraps a problem line: one problem, one line.
WIDE = {"COLUMNS": "2000"}


# --------------------------------------------------------------------------- helpers


def edit(body_dir: Path, file: str, old: str, new: str) -> None:
    """Replace the first `old` in a config file; fails loudly if the shipped text changed."""
    path = body_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}: the shipped config changed, adapt the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def drop_line(body_dir: Path, file: str, start: str) -> None:
    path = body_dir / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(start)]
    assert len(kept) == len(lines) - 1, f"exactly one line of {file} should start with {start!r}"
    path.write_text("".join(kept), encoding="utf-8")


def as_second_body(body_dir: Path) -> Path:
    """The Lörrach copy under another slug, so that it does not collide with Lörrach itself."""
    edit(body_dir, "body.toml", 'slug = "loerrach"', 'slug = "zweiter-kreis"')
    return body_dir


def problems(output: str) -> list[str]:
    """The listed problems of a config error, one per line ('  - <file>, <key>: <text>')."""
    return [line.strip()[2:] for line in output.splitlines() if line.strip().startswith("- ")]


def problem_about(output: str, file: str, key: str) -> str:
    """The one problem line that names `file` and `key`."""
    matching = [p for p in problems(output) if p.startswith(file) and key in p]
    assert matching, f"no problem names {file} and {key!r}:\n{output}"
    return matching[0]


def init_rejected(cli: Cli, engine: sa.Engine, body_dir: Path) -> Result:
    """Run `init --body-dir` on a bad config; checks exit code 2, no traceback, no writes."""
    before = row_counts(engine)
    result = cli("init", "--body-dir", str(body_dir), env=WIDE)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Fehler:"), result.output
    assert row_counts(engine) == before
    return result


@pytest.fixture
def installed(cli: Cli, engine: sa.Engine) -> sa.Engine:
    """A database holding Lörrach, installed through the CLI."""
    result = cli("init")
    assert result.exit_code == 0, result.output
    return engine


@pytest.fixture
def second(body_dir: Path) -> Path:
    return as_second_body(body_dir)


# --------------------------------------------------------------------------- control


@pytest.mark.both_databases
def test_unbroken_copy_installs_next_to_loerrach(
    cli: Cli, installed: sa.Engine, second: Path
) -> None:
    before = row_counts(installed)
    result = cli("init", "--body-dir", str(second))
    assert result.exit_code == 0, result.output
    assert row_counts(installed)["body"] == before["body"] + 1


# --------------------------------------------------------------------------- one problem each


# (file, old text, new text, key named in the message, German words of the message)
BROKEN = {
    "unknown_key_in_body_toml": (
        "body.toml",
        'timezone = "Europe/Berlin"\n',
        'timezone = "Europe/Berlin"\nwappen = "w.svg"\n',
        "wappen",
        "unbekannter Schlüssel",
    ),
    "unknown_key_in_a_contact": (
        "organisation.toml",
        'name = "Max Muster"\n',
        'name = "Max Muster"\n  telefon = "07621 410-0"\n',
        "departments[0].contacts[1].telefon",
        "unbekannter Schlüssel",
    ),
    "date_rule_that_does_not_parse": (
        "calendar.toml",
        'due = "15th working day of February"',
        'due = "fifteenth workday of Febuary"',
        "phases[0].deadlines[0].due",
        "nicht verständlich",
    ),
    "deadline_before_its_phase_opens": (
        "calendar.toml",
        'due = "15th working day of February"',
        'due = "January 15"',
        "kennzahlen_ist",
        "vor Beginn",
    ),
    "responsible_department_that_does_not_exist": (
        "calendar.toml",
        'responsible = "controlling"',
        'responsible = "strategie"',
        "phases[2].deadlines[0].responsible",
        "ist weder",
    ),
    "key_position_department_that_does_not_exist": (
        "strategy.toml",
        'department = "gebaeude"',
        'department = "hochbau"',
        "key_positions[1].department",
        "gibt es nicht",
    ),
    "deputy_that_is_no_contact": (
        "organisation.toml",
        'deputy = "controlling-stv"',
        'deputy = "controlling-vertretung"',
        "departments[0].contacts[0].deputy",
        "ist kein Kontakt",
    ),
    "duplicate_product_number": (
        "strategy.toml",
        'product = "11.24.02"',
        'product = "11.20.04"',
        "key_positions",
        "kommt 2-mal vor",
    ),
    "invalid_toml_syntax": (
        "strategy.toml",
        'label = "Zukunftsstrategie 2021"',
        'label = "Zukunftsstrategie 2021',
        "",
        "kein gültiges TOML",
    ),
    "number_given_as_text": (
        "strategy.toml",
        "page = 118",
        'page = "118"',
        "key_positions[1].page",
        "ganze Zahl erwartet",
    ),
    "german_date_where_iso_date_belongs": (
        "strategy.toml",
        "adopted_on = 2021-07-21",
        'adopted_on = "21.07.2021"',
        "adopted_on",
        "Datum erwartet",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_bad_config_is_rejected_with_file_and_key_and_nothing_written(
    cli: Cli, installed: sa.Engine, second: Path, case: str
) -> None:
    file, old, new, key, words = BROKEN[case]
    edit(second, file, old, new)
    result = init_rejected(cli, installed, second)
    line = problem_about(result.output, file, key)
    assert words in line


def test_duplicate_product_message_names_the_number(
    cli: Cli, installed: sa.Engine, second: Path
) -> None:
    edit(second, "strategy.toml", 'product = "11.24.02"', 'product = "11.20.04"')
    result = init_rejected(cli, installed, second)
    line = problem_about(result.output, "strategy.toml", "product")
    assert "11.20.04" in line and "kommt 2-mal vor" in line


def test_missing_required_field_is_named(cli: Cli, installed: sa.Engine, second: Path) -> None:
    drop_line(second, "strategy.toml", "vision = ")
    result = init_rejected(cli, installed, second)
    assert "Pflichtangabe fehlt" in problem_about(result.output, "strategy.toml", "vision")


def test_missing_file_is_named(cli: Cli, installed: sa.Engine, second: Path) -> None:
    (second / "organisation.toml").unlink()
    result = init_rejected(cli, installed, second)
    assert "Datei fehlt" in problem_about(result.output, "organisation.toml", "")


def test_missing_directory_is_named(cli: Cli, installed: sa.Engine, tmp_path: Path) -> None:
    result = init_rejected(cli, installed, tmp_path / "gibt-es-nicht")
    assert "gibt-es-nicht" in result.output and "gibt es nicht" in result.output


# --------------------------------------------------------------------------- several at once


def test_schema_problems_in_all_four_files_are_listed_together(
    cli: Cli, installed: sa.Engine, second: Path
) -> None:
    edit(
        second,
        "body.toml",
        'timezone = "Europe/Berlin"\n',
        'timezone = "Europe/Berlin"\nwappen = "w.svg"\n',
    )
    drop_line(second, "strategy.toml", "vision = ")
    edit(
        second,
        "organisation.toml",
        'name = "Max Muster"\n',
        'name = "Max Muster"\n  telefon = "0"\n',
    )
    edit(
        second,
        "calendar.toml",
        'due = "15th working day of February"',
        'due = "someday in February"',
    )
    result = init_rejected(cli, installed, second)
    assert "unbekannter Schlüssel" in problem_about(result.output, "body.toml", "wappen")
    assert "Pflichtangabe fehlt" in problem_about(result.output, "strategy.toml", "vision")
    assert "unbekannter Schlüssel" in problem_about(
        result.output, "organisation.toml", "departments[0].contacts[1].telefon"
    )
    assert "nicht verständlich" in problem_about(
        result.output, "calendar.toml", "phases[0].deadlines[0].due"
    )
    assert len(problems(result.output)) == 4


def test_cross_file_problems_are_listed_together(
    cli: Cli, installed: sa.Engine, second: Path
) -> None:
    edit(second, "strategy.toml", 'product = "11.24.02"', 'product = "11.20.04"')
    edit(second, "strategy.toml", 'department = "umwelt"', 'department = "klima"')
    edit(second, "organisation.toml", 'deputy = "controlling-stv"', 'deputy = "niemand"')
    edit(second, "calendar.toml", 'responsible = "controlling"', 'responsible = "strategie"')
    result = init_rejected(cli, installed, second)
    assert "11.20.04" in problem_about(result.output, "strategy.toml", "key_positions")
    assert "gibt es nicht" in problem_about(
        result.output, "strategy.toml", "key_positions[3].department"
    )
    assert "kein Kontakt" in problem_about(result.output, "organisation.toml", "contacts[0].deputy")
    assert "ist weder" in problem_about(result.output, "calendar.toml", "deadlines[0].responsible")
    assert len(problems(result.output)) == 4


# --------------------------------------------------------------------------- fresh database


@pytest.mark.both_databases
def test_bad_config_on_fresh_database_creates_no_tables(
    cli: Cli, database_url: str, second: Path
) -> None:
    from models.db import make_engine

    drop_line(second, "strategy.toml", "vision = ")
    result = cli("init", "--body-dir", str(second), env=WIDE)
    assert result.exit_code == 2, result.output
    assert "Pflichtangabe fehlt" in problem_about(result.output, "strategy.toml", "vision")
    if database_url.startswith("sqlite"):
        assert not Path(sa.make_url(database_url).database).exists()
        return
    engine = make_engine(database_url)
    try:
        tables = sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert "body" not in tables and "alembic_version" not in tables


# --------------------------------------------------------------------------- cycles and commands


@pytest.mark.both_databases
def test_creating_an_existing_cycle_says_so_and_changes_nothing(
    cli: Cli, installed: sa.Engine
) -> None:
    assert cli("cycle", "create", "2027").exit_code == 0
    before = row_counts(installed)
    result = cli("cycle", "create", "2027")
    assert result.exit_code == 1, result.output
    assert "existiert bereits" in result.output and "2027" in result.output
    assert row_counts(installed) == before


def test_cycle_for_a_year_without_session_dates_names_them_and_writes_nothing(
    cli: Cli, installed: sa.Engine
) -> None:
    before = row_counts(installed)
    result = cli("cycle", "create", "2031", env=WIDE)
    assert result.exit_code == 2, result.output
    # the first rule without its sessions: the committees' round in April
    assert "committee_sessions" in result.output and "April 2031" in result.output
    assert "Traceback" not in result.output
    assert row_counts(installed) == before


def test_status_of_a_year_without_cycle_hints_at_cycle_create(
    cli: Cli, installed: sa.Engine
) -> None:
    result = cli("status", "2028", env=WIDE)
    assert result.exit_code != 0
    assert "noch keinen Steuerungskreislauf" in result.output
    assert "kreislauf cycle create 2028" in result.output


COMMANDS = {
    "strategy_show": ("strategy", "show"),
    "cycle_create": ("cycle", "create", "2027"),
    "calendar": ("calendar", "2027"),
    "status": ("status", "2027"),
    "departments": ("departments",),
    "departments_json": ("departments", "--json"),
}


@pytest.mark.parametrize("command", list(COMMANDS), ids=list(COMMANDS))
@pytest.mark.both_databases
def test_commands_on_uninitialised_database_ask_for_init(
    cli: Cli, database_url: str, command: str
) -> None:
    from models.db import make_engine

    result = cli(*COMMANDS[command], env=WIDE)
    assert result.exit_code == 2, result.output
    assert "kreislauf init" in result.output
    assert "Traceback" not in result.output
    if database_url.startswith("sqlite"):  # a reading command creates no database file
        assert not Path(sa.make_url(database_url).database).exists()
        return
    engine = make_engine(database_url)
    try:
        assert "body" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_impossible_date_for_status_is_rejected(cli: Cli, installed: sa.Engine) -> None:
    assert cli("cycle", "create", "2027").exit_code == 0
    result = cli("status", "2027", "--on", "2027-13-45", env=WIDE)
    assert result.exit_code == 2, result.output
    assert (
        "--on" in result.output and "2027-13-45" in result.output and "kein Datum" in result.output
    )
