"""The command line as a user sees it: German output, files, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import Cli

HELP = [
    ([], "Strategische Steuerungskreislauf"),
    (["init"], "Körperschaft einrichten"),
    (["strategy"], "Zukunftsstrategie"),
    (["strategy", "show"], "Handlungsfelder mit Leitgedanken"),
    (["cycle"], "Steuerungskreisläufe anlegen"),
    (["cycle", "create"], "Phasen, Fristen und Aufgaben"),
    (["calendar"], "Alle Fristen eines Jahres"),
    (["status"], "Aufgaben je Fachbereich"),
    (["departments"], "Ansprechpersonen und Vertretungen"),
    (["products"], "Produktgruppen mit Teilhaushalt"),
    (["serve"], "Deployments mit ihren Zeitplänen"),
    (["deploy"], "Work Pool registrieren"),
    (["simulate"], "virtuellen Uhr"),
    (["survey", "answer"], "einmal je Fraktion"),
    (["forum", "convene"], "Forum Zukunftsstrategie einberufen"),
    (["forum", "record"], "vereinbarte Änderungen"),
    (["resolution", "record"], "neue Strategieversion"),
    (["reminders", "preview"], "ohne zu senden"),
    (["reminders", "send"], "festlegen und versenden"),
    (["reminders", "log"], "Wiederholung wartet"),
    (["absence", "add"], "an die Vertretung"),
    (["report"], "Bericht zur Zielerreichung"),
    (["strategy", "diff"], "zweier Strategieversionen im Vergleich"),
]


@pytest.fixture
def ready(cli: Cli) -> Cli:
    assert cli("init").exit_code == 0
    assert cli("cycle", "create", "2027").exit_code == 0
    return cli


def test_init_prints_the_database_and_is_idempotent(cli: Cli) -> None:
    first = cli("init")
    assert first.exit_code == 0, first.output
    assert "Datenbank:" in first.stdout
    assert "Landkreis Lörrach eingerichtet" in first.stdout
    assert "Beispieldaten" in first.stdout
    second = cli("init")
    assert second.exit_code == 0
    assert "bereits eingerichtet" in second.stdout


def test_strategy_show_lists_vision_principles_fields_and_key_positions(cli: Cli) -> None:
    cli("init")
    result = cli("strategy", "show")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Das Landratsamt Lörrach sieht sich als Dienstleister" in out
    assert "Übergreifende Leitsätze (9)" in out
    assert " 9. Das Landratsamt Lörrach ist eine moderne, bürgerfreundliche Verwaltung" in out
    for number, name in enumerate(
        [
            "Bildung",
            "Digitale Verwaltung",
            "Gesundheit",
            "Klima & Biodiversität",
            "Mobilität",
            "Soziales & Familie",
            "Wirtschafts- und Strukturpolitik",
        ],
        start=1,
    ):
        assert f"Handlungsfeld {number}: {name}" in out
    assert "[mobilitaet.5] Der Landkreis fördert zukunftsweisende" in out
    for product in [
        "11.20.04",
        "11.24.02",
        "51.10.15",
        "56.10.10",
        "31.10.01",
        "31.20.01",
        "32.10.04",
        "36.30.03",
    ]:
        assert product in out
    assert "Schlüsselpositionen 2022" in out
    assert "344" in out  # page of 56.10.10 Energie und Klimaschutz
    assert "21.07.2021" in out


def test_calendar_lists_each_deadline_with_date_weekday_and_responsible(ready: Cli) -> None:
    result = ready("calendar", "2027")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()

    def line_of(text: str) -> str:
        return next(line for line in lines if text in line)

    assert "Freitag" in line_of("19.02.2027") and "Ist-Werte der Kennzahlen" in line_of(
        "19.02.2027"
    )
    assert "Mittwoch" in line_of("07.07.2027") and "Beschlussvorlage" in line_of("07.07.2027")
    assert "Zentrales Controlling" in line_of("07.07.2027")
    assert "alle Fraktionen (6)" in line_of("30.04.2027")
    assert "alle Fachbereiche (10)" in line_of("31.03.2027")  # all but the controlling office
    assert "Dienstag" in line_of("21.09.2027")


def test_calendar_writes_an_rfc5545_file_with_one_event_per_deadline(
    ready: Cli, tmp_path: Path
) -> None:
    target = tmp_path / "fristen.ics"
    result = ready("calendar", "2027", "--ics", str(target))
    assert result.exit_code == 0, result.output
    calendar = Calendar.from_ical(target.read_bytes())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == 11  # the retreat deadline belongs to election years only
    report = events["loerrach-2027-teilhaushaltsbericht@kreislauf"]
    assert report.decoded("dtstart") == dt.date(2027, 3, 31)
    assert report.decoded("dtend") == dt.date(2027, 4, 1)
    assert str(report["summary"]).startswith("Frist: Teilhaushaltsbericht")
    assert "Fachbereich Umwelt" in str(report["description"])
    # importing the file again must update, not duplicate: the UIDs are stable
    ready("calendar", "2027", "--ics", str(tmp_path / "again.ics"))
    again = Calendar.from_ical((tmp_path / "again.ics").read_bytes())
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)


def test_calendar_to_an_unwritable_path_is_a_clear_error(ready: Cli, tmp_path: Path) -> None:
    result = ready("calendar", "2027", "--ics", str(tmp_path / "missing" / "x.ics"))
    assert result.exit_code == 2
    assert "kann nicht geschrieben werden" in result.output


def test_status_shows_phases_windows_and_tasks_per_department(ready: Cli) -> None:
    result = ready("status", "2027", "--on", "2027-03-01")
    assert result.exit_code == 0, result.output
    out = result.stdout
    evaluation = next(line for line in out.splitlines() if "Evaluierung" in line)
    assert "01.02.2027" in evaluation and "30.04.2027" in evaluation and "laufend" in evaluation
    assert "Forum Zukunftsstrategie" in out
    assert "Klausurtagung" not in out
    assert "Fachbereich Umwelt" in out
    assert "10 Tage" in out  # key figures were due 19.02.2027


def test_departments_json_gives_contacts_and_deputies(ready: Cli) -> None:
    result = ready("departments", "--json")
    assert result.exit_code == 0, result.output
    departments = {d["name"]: d for d in json.loads(result.stdout)}
    environment = departments["Fachbereich Umwelt"]
    head = next(c for c in environment["contacts"] if c["role"] == "head")
    assert head["deputy"] is not None
    assert head["deputy"]["email"].endswith("example.org")
    assert departments["Zentrales Controlling / Strategische Steuerung"]["controlling_office"]
    table = ready("departments")
    assert table.exit_code == 0 and "Vertretung" in table.stdout and "Beispieldaten" in table.stdout


@pytest.mark.parametrize(("command", "summary"), HELP, ids=[" ".join(c) or "-" for c, _ in HELP])
def test_every_command_has_german_help(command: list[str], summary: str, tmp_path: Path) -> None:
    result = Cli(f"sqlite:///{tmp_path / 'help.db'}")(*command, "--help")
    assert result.exit_code == 0
    assert summary in " ".join(result.stdout.split())


def test_the_installed_console_script_runs_and_fails_without_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("kreislauf")
    env = {**os.environ, "KREISLAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    ok = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and "Steuerungskreislauf" in ok.stdout
    failed = subprocess.run(
        [str(script), "status", "2027"], capture_output=True, text=True, env=env
    )
    assert failed.returncode == 2
    assert "kreislauf init" in failed.stderr
    assert "Traceback" not in failed.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [("foo", "keine Datenbank-URL"), ("mysql://x@localhost/db", "nicht unterstützt")],
)
def test_a_bad_database_url_is_a_german_error_not_a_traceback(
    url: str, expected: str, tmp_path: Path
) -> None:
    result = Cli(url)("status", "2027")
    assert result.exit_code == 2
    assert expected in result.stderr


def test_an_unreachable_postgresql_names_the_reason(tmp_path: Path) -> None:
    result = Cli("postgresql://postgres@127.0.0.1:1/test")("status", "2027")
    assert result.exit_code == 2
    assert "nicht erreichbar" in result.stderr and "127.0.0.1" in result.stderr


@pytest.mark.parametrize("year", ["99999", "0", "27"])
def test_a_year_out_of_range_is_refused(year: str, ready: Cli) -> None:
    result = ready("cycle", "create", year)
    assert result.exit_code == 2
    assert "zwischen 2000 und 2199" in result.stderr


def test_one_day_overdue_is_singular(ready: Cli) -> None:
    result = ready("status", "2027", "--on", "2027-02-20")
    overdue = [line for line in result.stdout.splitlines() if "19.02.2027" in line]
    assert overdue and all(re.search(r"\b1 Tag\b(?!e)", line) for line in overdue)
