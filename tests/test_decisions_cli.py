"""Recording decisions from the command line: survey answers, forum, resolution, convening.

Each decision is recorded as of the day given with `--on` (never the wall clock); the body
here has a calendar whose windows span the whole of 2027 (written by the fixture). Every other
rule is tested with a given `now` in test_transitions.py and test_commands.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from models.db import session_scope
from models.outbox import OutboxMessage
from models.strategy import StrategyVersion
from tests.conftest import MUSTERSTADT, Cli, row_counts

YEAR = 2027
ON = ("--on", f"{YEAR}-03-01")  # the day every decision here is taken
CALENDAR = f"""
[[phases]]
kind = "survey"
opens = "January 1"
closes = "December 31"

  [[phases.deadlines]]
  key = "umfrage"
  title = "Umfrage bei den Fraktionen"
  due = "December 31"
  responsible = "factions"

[[phases]]
kind = "forum"
opens = "January 1"
closes = "December 31"

[[phases]]
kind = "resolution"
opens = "January 1"
closes = "December 31"

[[phases]]
kind = "budget_resolution"
opens = "December 31"
closes = "December 31"

[council_sessions]
{YEAR} = [{YEAR}-12-31]
"""
CHANGES = """
summary = "Mehr Radverkehr"
participants = ["Bürgermeisterin", "Liste A", "Liste B"]

[[changes]]
action = "change_priority"
priority = "verkehr.1"
text = "Der Radverkehrsanteil steigt auf 30 %."

[[changes]]
action = "add_priority"
field = "wohnen"
text = "Jede dritte neue Wohnung ist gefördert."
"""


@pytest.fixture
def town(tmp_path: Path, cli: Cli) -> Cli:
    """Musterstadt with a cycle of the current year whose windows are all open now."""
    body = tmp_path / "musterstadt"
    shutil.copytree(MUSTERSTADT, body)
    (body / "calendar.toml").write_text(CALENDAR, encoding="utf-8")
    text = (body / "body.toml").read_text(encoding="utf-8")
    (body / "body.toml").write_text(text.split("[elections]")[0], encoding="utf-8")
    assert cli("init", "--body-dir", str(body)).exit_code == 0
    created = cli("cycle", "create", str(YEAR))
    assert created.exit_code == 0, created.output
    (tmp_path / "changes.toml").write_text(CHANGES, encoding="utf-8")
    return cli


def test_a_survey_answer_is_recorded_once_per_faction(town: Cli, engine) -> None:
    first = town(
        "survey",
        "answer",
        str(YEAR),
        "--faction",
        "Liste A",
        "--need",
        "ja",
        "--comment",
        "Radverkehr",
        *ON,
    )
    assert first.exit_code == 0, first.output
    assert "Liste A: Bedarf – Radverkehr" in first.stdout
    before = row_counts(engine)
    again = town("survey", "answer", str(YEAR), "--faction", "liste-a", "--need", "no", *ON)
    assert again.exit_code == 1
    assert "bereits geantwortet" in again.stderr
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--faction", "Liste C", "--need", "yes"], 1, "gibt es nicht"),
        (["--faction", "Liste A", "--need", "vielleicht"], 2, "weder yes/ja noch no/nein"),
    ],
)
def test_survey_answer_mistakes_are_explained(town: Cli, args, code, message) -> None:  # type: ignore[no-untyped-def]
    result = town("survey", "answer", str(YEAR), *args, *ON)
    assert result.exit_code == code
    assert message in result.stderr


def test_forum_record_needs_a_convened_forum(town: Cli, tmp_path: Path, engine) -> None:
    before = row_counts(engine)
    result = town(
        "forum",
        "record",
        str(YEAR),
        "--held-on",
        f"{YEAR}-01-01",
        "--changes",
        str(tmp_path / "changes.toml"),
        *ON,
    )
    assert result.exit_code == 1
    assert "forum convene" in result.stderr
    assert row_counts(engine) == before


def test_a_bad_change_file_names_file_and_key(town: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[changes]]\naction = "rename_priority"\npriority = "verkehr.1"\n')
    result = town(
        "forum", "record", str(YEAR), "--held-on", f"{YEAR}-01-01", "--changes", str(bad), *ON
    )
    assert result.exit_code == 2
    assert "bad.toml, changes[0].action" in result.stderr


def test_resolution_before_any_session_is_refused(town: Cli, engine) -> None:
    before = row_counts(engine)
    result = town(
        "resolution", "record", str(YEAR), "--date", f"{YEAR}-01-01", "--number", "R/1", *ON
    )
    assert result.exit_code == 1
    assert "kein Forum und keine Klausurtagung" in result.stderr
    assert row_counts(engine) == before


def test_convene_record_and_resolve_make_a_new_strategy_version(
    town: Cli, tmp_path: Path, engine
) -> None:
    convened = town("forum", "convene", str(YEAR), "--reason", "Neue Radverkehrsstrategie", *ON)
    assert convened.exit_code == 0, convened.output
    assert "Forum Zukunftsstrategie einberufen: Neue Radverkehrsstrategie" in convened.stdout
    # no Prefect server: the cycle is reconciled here, at the decision's day
    assert "Kein Prefect-Server erreichbar: der Kreislauf" in convened.stdout
    assert "Abgleich abgeschlossen." in convened.stdout
    recorded = town(
        "forum",
        "record",
        str(YEAR),
        "--held-on",
        f"{YEAR}-01-01",
        "--changes",
        str(tmp_path / "changes.toml"),
        *ON,
    )
    assert recorded.exit_code == 0, recorded.output
    resolved = town(
        "resolution", "record", str(YEAR), "--date", f"{YEAR}-01-01", "--number", f"R/{YEAR}/7", *ON
    )
    assert resolved.exit_code == 0, resolved.output
    assert "Strategie Version 2 gilt" in resolved.stdout
    assert "Der Radverkehrsanteil steigt auf 30 %." in resolved.stdout  # the diff
    assert "wohnen.2" in resolved.stdout
    with session_scope(engine) as session:
        versions = session.exec(select(StrategyVersion.number)).all()
        invitations = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "forum_invitation")
        ).all()
    assert sorted(versions) == [1, 2]
    assert {m.address for m in invitations} == {
        "liste-a@rat.musterstadt.example.org",
        "liste-b@rat.musterstadt.example.org",
    }
    status = town("status", str(YEAR))
    assert (
        "Forum Zukunftsstrategie: durchgeführt (Einberufung durch die Verwaltung: Neue "
        "Radverkehrsstrategie)" in " ".join(status.stdout.split())
    )
    assert f"Beschluss R/{YEAR}/7" in status.stdout
    shown = town("strategy", "show")
    assert "Version 2" in shown.stdout and "Jede dritte neue Wohnung" in shown.stdout


def test_a_decision_on_a_day_that_does_not_exist_is_refused(town: Cli, engine) -> None:
    before = row_counts(engine)
    result = town(
        "survey", "answer", str(YEAR), "--faction", "Liste A", "--need", "ja", "--on", "2027-02-30"
    )
    assert result.exit_code == 2
    assert "--on: '2027-02-30' ist kein Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ)." in (
        result.stderr
    )
    assert row_counts(engine) == before


def test_a_survey_answer_before_the_survey_opens_is_refused(town: Cli, engine) -> None:
    result = town(
        "survey", "answer", str(YEAR), "--faction", "Liste A", "--need", "ja", "--on", "2026-12-31"
    )
    assert result.exit_code == 1
    assert "Die Befragung 2027 beginnt erst am" in result.stderr


def test_a_session_held_after_the_decision_day_names_the_option(
    town: Cli, tmp_path: Path, engine
) -> None:
    from models.commands import Convene
    from services.bodies import resolve_body
    from services.commands import handle
    from tests.conftest import NOW

    with session_scope(engine) as session:
        body = resolve_body(session=session, slug=None)
        at = NOW.replace(year=YEAR, month=2, day=1)
        handle(Convene(YEAR, "Radverkehr"), session=session, body=body, now=at, actor="test")
    changes = str(tmp_path / "changes.toml")
    result = town(
        "forum", "record", str(YEAR), "--held-on", "2027-03-02", "--changes", changes, *ON
    )
    assert result.exit_code == 2
    assert "--held-on: 02.03.2027 liegt in der Zukunft." in result.stderr


def test_a_retreat_and_a_thematic_retreat_from_the_command_line(
    town: Cli, tmp_path: Path, engine
) -> None:
    retreat = town(
        "forum", "convene", str(YEAR), "--kind", "retreat", "--reason", "Neue Mehrheiten", *ON
    )
    assert retreat.exit_code == 0, retreat.output
    assert "Klausurtagung einberufen: Neue Mehrheiten" in retreat.stdout
    before = row_counts(engine)
    unknown = town("forum", "convene", str(YEAR), "--field", "raumfahrt", "--reason", "x", *ON)
    assert unknown.exit_code != 0
    assert "Das Handlungsfeld 'raumfahrt' gibt es in der geltenden Strategie nicht" in " ".join(
        unknown.output.split()
    )
    bad_kind = town("forum", "convene", str(YEAR), "--kind", "party", "--reason", "x", *ON)
    assert bad_kind.exit_code != 0 and "forum oder retreat" in bad_kind.output
    assert row_counts(engine) == before
    thematic = town("forum", "convene", str(YEAR), "--field", "wohnen", "--reason", "Mieten", *ON)
    assert thematic.exit_code == 0, thematic.output
    assert "Klausurtagung zum Handlungsfeld" in thematic.stdout
    changes = str(tmp_path / "changes.toml")
    record = ("forum", "record", str(YEAR), "--held-on", f"{YEAR}-01-01", "--changes", changes)
    unclear = town(*record, *ON)
    assert unclear.exit_code != 0 and "--session" in unclear.output
    assert town(*record, "--session", "1", *ON).exit_code == 0
    early = town(
        "resolution", "record", str(YEAR), "--date", f"{YEAR}-01-02", "--number", "R/1", *ON
    )
    assert early.exit_code != 0 and "noch nicht festgehalten" in early.output
    (tmp_path / "wohnen.toml").write_text(
        '[[changes]]\naction = "add_priority"\nfield = "wohnen"\n'
        'text = "Mieten bleiben bezahlbar."\n',
        encoding="utf-8",
    )
    second = ("--changes", str(tmp_path / "wohnen.toml"), "--session", "2")
    assert town(*record[:5], *second, *ON).exit_code == 0
    resolved = town(
        "resolution", "record", str(YEAR), "--date", f"{YEAR}-01-02", "--number", "R/1", *ON
    )
    assert resolved.exit_code == 0, resolved.output
    assert "Strategie Version 2 gilt" in resolved.stdout
