"""A second, small body (Musterstadt in NRW) next to Lörrach: nothing is Lörrach-specific in code.

Dates below are checked by hand against a calendar, not computed by the code under test:
Musterstadt (NW) has no Epiphany holiday; 1 Jan 2027 is a Friday holiday; Good Friday 2027 is
26 March; Corpus Christi 2027 is 27 May.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result

from tests.conftest import LOERRACH, MUSTERSTADT, Cli, row_counts


def department_keys(directory: Path) -> set[str]:
    with (directory / "organisation.toml").open("rb") as handle:
        return {department["key"] for department in tomllib.load(handle)["departments"]}


def row_of(output: str, title: str) -> str:
    """The one table row of `output` that shows `title`."""
    rows = [line for line in output.splitlines() if title in line]
    assert len(rows) == 1, f"{title!r} in {len(rows)} rows:\n{output}"
    return rows[0]


def cells_of(output: str, first: str) -> list[str]:
    """The cells of the one table row whose first cell is `first`."""
    rows = [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.strip().startswith("│")
    ]
    matching = [row for row in rows if row[0] == first]
    assert len(matching) == 1, f"{first!r} starts {len(matching)} rows:\n{output}"
    return matching[0]


def phases(engine: sa.Engine, slug: str, year: int) -> dict[str, tuple[str, str]]:
    """Phase kind -> (opens, closes) as ISO dates, read straight from the tables."""
    query = sa.text(
        "SELECT phase.kind, phase.opens_on, phase.closes_on FROM phase "
        "JOIN cycle ON cycle.id = phase.cycle_id JOIN body ON body.id = cycle.body_id "
        "WHERE body.slug = :slug AND cycle.year = :year"
    )
    with engine.connect() as connection:
        rows = connection.execute(query, {"slug": slug, "year": year}).all()
    return {kind: (str(opens), str(closes)) for kind, opens, closes in rows}


@pytest.fixture
def two_bodies(cli: Cli, engine: sa.Engine) -> sa.Engine:
    """Lörrach and Musterstadt in one database, both installed through the CLI."""
    for args in (("init",), ("init", "--body-dir", str(MUSTERSTADT))):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return engine


def musterstadt(cli: Cli, *args: str) -> Result:
    return cli("--body", "musterstadt", *args)


def loerrach(cli: Cli, *args: str) -> Result:
    return cli("--body", "loerrach", *args)


# --------------------------------------------------------------------------- choosing a body


COMMANDS = {
    "strategy_show": ("strategy", "show"),
    "cycle_create": ("cycle", "create", "2027"),
    "calendar": ("calendar", "2027"),
    "status": ("status", "2027"),
    "departments_json": ("departments", "--json"),
}


@pytest.mark.parametrize("command", list(COMMANDS), ids=list(COMMANDS))
def test_with_two_bodies_commands_without_body_ask_for_it(
    cli: Cli, two_bodies: sa.Engine, command: str
) -> None:
    before = row_counts(two_bodies)
    result = cli(*COMMANDS[command])
    assert result.exit_code != 0
    text = " ".join(result.output.split())
    assert "--body" in text and "bitte" in text
    assert "loerrach" in text and "musterstadt" in text
    assert "Traceback" not in result.output
    assert row_counts(two_bodies) == before


@pytest.mark.parametrize("slug, directory", [("musterstadt", MUSTERSTADT), ("loerrach", LOERRACH)])
def test_departments_json_lists_only_the_chosen_bodys_departments(
    cli: Cli, two_bodies: sa.Engine, slug: str, directory: Path
) -> None:
    result = cli("--body", slug, "departments", "--json")
    assert result.exit_code == 0, result.output
    listed = {department["key"] for department in json.loads(result.stdout)}
    assert listed == department_keys(directory)


def test_musterstadt_has_its_three_departments(cli: Cli, two_bodies: sa.Engine) -> None:
    result = musterstadt(cli, "departments", "--json")
    names = sorted(department["name"] for department in json.loads(result.stdout))
    assert names == ["Amt für Steuerung", "Bauamt", "Ordnungsamt"]


def test_body_can_be_chosen_by_environment_variable(cli: Cli, two_bodies: sa.Engine) -> None:
    result = cli("departments", "--json", env={"KREISLAUF_BODY": "musterstadt"})
    assert result.exit_code == 0, result.output
    assert {d["key"] for d in json.loads(result.stdout)} == department_keys(MUSTERSTADT)


def test_unknown_body_is_named_with_the_known_ones(cli: Cli, two_bodies: sa.Engine) -> None:
    result = cli("--body", "freiburg", "departments")
    assert result.exit_code != 0
    text = " ".join(result.output.split())
    assert "freiburg" in text and "gibt es nicht" in text and "musterstadt" in text


# --------------------------------------------------------------------------- Musterstadt's 2027


@pytest.fixture
def musterstadt_2027(cli: Cli, two_bodies: sa.Engine) -> str:
    """Musterstadt's cycle 2027 created; returns its `calendar 2027` output."""
    created = musterstadt(cli, "cycle", "create", "2027")
    assert created.exit_code == 0, created.output
    assert "Stadt Musterstadt" in created.output
    result = musterstadt(cli, "calendar", "2027")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_nrw_has_no_epiphany_so_third_working_day_of_january_is_the_sixth(
    musterstadt_2027: str,
) -> None:
    # Fri 1 Jan holiday, weekend, Mon 4, Tue 5, Wed 6 (a holiday only in BW, BY and ST).
    row = row_of(musterstadt_2027, "Jahresbericht zur Zielerreichung")
    assert "06.01.2027" in row and "Mittwoch" in row


def test_last_friday_of_march_is_that_weekday_even_on_good_friday(musterstadt_2027: str) -> None:
    # "<ordinal> <weekday> of <Month>" picks the weekday; holidays only move working-day rules.
    row = row_of(musterstadt_2027, "Umfrage bei den Fraktionen")
    assert "26.03.2027" in row and "Freitag" in row


def test_five_working_days_before_the_june_session(musterstadt_2027: str) -> None:
    # Session Thu 17.06.2027; back: Wed 16, Tue 15, Mon 14, Fri 11, Thu 10 (no holiday between).
    row = row_of(musterstadt_2027, "Ratsvorlage Strategie")
    assert "10.06.2027" in row and "Donnerstag" in row
    assert "Amt für Steuerung" in row


def test_musterstadt_calendar_shows_only_its_own_deadlines(musterstadt_2027: str) -> None:
    dated_rows = [line for line in musterstadt_2027.splitlines() if ".2027" in line]
    assert len(dated_rows) == 3
    assert "Ist-Werte der Kennzahlen melden" not in musterstadt_2027


def test_same_calendar_in_baden_wuerttemberg_skips_epiphany(
    cli: Cli, two_bodies: sa.Engine, tmp_path: Path
) -> None:
    directory = tmp_path / "musterstadt-bw"
    shutil.copytree(MUSTERSTADT, directory)
    body = (directory / "body.toml").read_text(encoding="utf-8")
    body = body.replace('slug = "musterstadt"', 'slug = "musterstadt-bw"')
    body = body.replace('subdivision = "NW"', 'subdivision = "BW"')
    (directory / "body.toml").write_text(body, encoding="utf-8")
    assert cli("init", "--body-dir", str(directory)).exit_code == 0
    assert cli("--body", "musterstadt-bw", "cycle", "create", "2027").exit_code == 0
    result = cli("--body", "musterstadt-bw", "calendar", "2027")
    row = row_of(result.stdout, "Jahresbericht zur Zielerreichung")
    assert "07.01.2027" in row and "Donnerstag" in row


def test_musterstadt_output_does_not_call_its_council_kreistag(
    cli: Cli, musterstadt_2027: str
) -> None:
    # Its council is "Rat der Stadt" (body.toml); phase titles must not assume a Landkreis.
    status = musterstadt(cli, "status", "2027", "--on", "2027-03-01")
    assert status.exit_code == 0, status.output
    assert "Kreistag" not in musterstadt_2027
    assert "Kreistag" not in status.stdout


def test_musterstadt_strategy_does_not_speak_of_a_landkreis(
    cli: Cli, two_bodies: sa.Engine
) -> None:
    result = musterstadt(cli, "strategy", "show")
    assert result.exit_code == 0, result.output
    assert "Stadtstrategie 2030" in result.stdout
    assert "Landkreis" not in result.stdout


# --------------------------------------------------------------------------- election year


def test_2030_is_an_election_year_for_musterstadt_with_retreat_not_forum(
    cli: Cli, two_bodies: sa.Engine
) -> None:
    # first_year 2025, every 5 years.
    created = musterstadt(cli, "cycle", "create", "2030")
    assert created.exit_code == 0, created.output
    assert "Wahljahr" in created.output
    planned = phases(two_bodies, "musterstadt", 2030)
    assert "retreat" in planned and "forum" not in planned
    # first / last working day of October 2030: Tue 01.10., Thu 31.10.
    assert planned["retreat"] == ("2030-10-01", "2030-10-31")
    # The resolution follows the retreat: Fri 1 Nov is All Saints' Day in NW -> Mon 04.11.;
    # it closes with the November session.
    assert planned["resolution"] == ("2030-11-04", "2030-11-21")
    status = musterstadt(cli, "status", "2030", "--on", "2030-01-15")
    assert status.exit_code == 0, status.output
    assert "Wahljahr" in status.stdout


def test_2030_resolution_deadline_follows_the_november_session(
    cli: Cli, two_bodies: sa.Engine
) -> None:
    assert musterstadt(cli, "cycle", "create", "2030").exit_code == 0
    result = musterstadt(cli, "calendar", "2030")
    # Session Thu 21.11.2030; back: Wed 20, Tue 19, Mon 18, Fri 15, Thu 14.
    row = row_of(result.stdout, "Ratsvorlage Strategie")
    assert "14.11.2030" in row and "Donnerstag" in row


def test_2027_is_a_regular_year_for_musterstadt_with_forum(cli: Cli, two_bodies: sa.Engine) -> None:
    assert musterstadt(cli, "cycle", "create", "2027").exit_code == 0
    planned = phases(two_bodies, "musterstadt", 2027)
    assert "forum" in planned and "retreat" not in planned
    # first working day of April 2027 is Thu 01.04. (Easter Monday was 29.03.)
    assert planned["forum"] == ("2027-04-01", "2027-04-30")


# --------------------------------------------------------------------------- Lörrach unaffected


def test_loerrach_2027_keeps_its_own_dates_next_to_musterstadt(
    cli: Cli, two_bodies: sa.Engine
) -> None:
    assert loerrach(cli, "cycle", "create", "2027").exit_code == 0
    before = phases(two_bodies, "loerrach", 2027)
    assert musterstadt(cli, "cycle", "create", "2027").exit_code == 0
    assert phases(two_bodies, "loerrach", 2027) == before
    # Forum: Sat 1 May 2027 -> Mon 03.05.; last working day of June: Wed 30.06.
    assert before["forum"] == ("2027-05-03", "2027-06-30")
    status = loerrach(cli, "status", "2027", "--on", "2027-03-01")
    assert status.exit_code == 0, status.output
    assert cells_of(status.stdout, "Forum Zukunftsstrategie")[1:3] == ["03.05.2027", "30.06.2027"]
    calendar = loerrach(cli, "calendar", "2027").stdout
    # 15th working day of February 2027 in BW: Mon 1 .. Fri 19.
    assert "19.02.2027" in row_of(calendar, "Ist-Werte der Kennzahlen melden")
    assert "Jahresbericht zur Zielerreichung" not in calendar
    assert "Ratsvorlage Strategie" not in calendar
