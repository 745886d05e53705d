"""`kreislauf tick`: a day of the cycle as the daily deployments do it, without Prefect.

Lörrach 2027: the evaluation opens on Mon 01.02.2027 (first working day of February); the key
figures are due Fri 19.02.2027 (15th working day), so the ten departments' controlling
contacts get the 10-working-day notice on Fri 05.02.2027, and a preview on Wed 10.02.2027
still shows it (caught up for five working days while not sent).
"""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.audit import AuditEvent
from models.db import session_scope
from notifications.outbox import OutboxMessage
from tests.conftest import Cli, row_counts
from tests.mailserver import SmtpServer


@pytest.fixture(autouse=True)
def no_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    """No delivery channel unless a test configures one."""
    for name in ("KREISLAUF_EMAIL_URL", "KREISLAUF_NOTIFY_CONFIG", "KREISLAUF_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ready(cli: Cli, engine: sa.Engine) -> Cli:
    """Lörrach installed with its 2027 cycle, nothing reconciled yet (what the README's quick
    start leaves before its `tick`)."""
    assert cli("init").exit_code == 0
    assert cli("cycle", "create", "2027").exit_code == 0
    return cli


@pytest.fixture
def sqlite_ready(tmp_path: Path) -> Cli:
    """The same on SQLite only: for what does not depend on the database."""
    cli = Cli(f"sqlite:///{tmp_path / 'kreislauf.db'}")
    assert cli("init").exit_code == 0
    assert cli("cycle", "create", "2027").exit_code == 0
    return cli


def test_tick_opens_the_evaluation_and_the_preview_then_lists_reminders(ready: Cli) -> None:
    ticked = ready("tick", "--on", "2027-02-01")
    assert ticked.exit_code == 0, ticked.output
    lines = ticked.stdout.splitlines()
    assert lines[0] == "Montag, 01.02.2027 – Landkreis Lörrach"
    assert "  01.02.2027  Evaluierung: Steuerungskreislauf 2027 läuft" in lines
    assert any("Evaluierung der Zielerreichung eröffnet" in line for line in lines)
    assert (
        sum("Ist-Werte der Kennzahlen melden (fällig 19.02.2027)" in line for line in lines) == 10
    )
    assert lines[-1] == "Erinnerungen: keine neuen fällig."
    status = ready("status", "2027", "--on", "2027-02-01")
    row = next(line for line in status.stdout.splitlines() if "Evaluierung der" in line)
    assert "│ 01.02.2027 │ 30.04.2027 │ offen" in row
    preview = ready("reminders", "preview", "2027", "--on", "2027-02-10")
    assert preview.exit_code == 0, preview.output
    assert "10 Nachrichten, 10 Hinweise" in preview.stdout
    assert "Frist in 10 Arbeitstagen" in " ".join(preview.stdout.split())


def test_a_second_tick_of_the_same_day_changes_nothing(ready: Cli, engine: sa.Engine) -> None:
    assert ready("tick", "--on", "01.02.2027").exit_code == 0
    first = ready("tick", "--on", "2027-02-05")
    assert first.exit_code == 0, first.output
    assert "Erinnerungen: 10 neu festgelegt, 10 Nachrichten (eine je Empfänger)" in first.stdout
    assert "Kein Versandweg eingerichtet" in first.stdout
    before = row_counts(engine)
    again = ready("tick", "--on", "2027-02-05")
    assert again.exit_code == 0, again.output
    assert "Abgleich: nichts fällig." in again.stdout
    assert "Erinnerungen: keine neuen fällig." in again.stdout
    assert row_counts(engine) == before
    with session_scope(engine) as session:
        waiting = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert len(waiting) == 10 and all(row.attempts == 0 for row in waiting)  # nothing burnt


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tick", "--on", "2027-02-30"], 2, "--on: '2027-02-30' ist kein Datum"),
        (["tick", "1899"], 2, "zwischen 2000 und 2199"),
        (["tick", "zwanzig"], 2, "Jahr 'zwanzig': erwartet wird ein Jahr"),
        (["tick", "2031", "--on", "2031-02-03"], 1, "Für 2031 gibt es noch keinen"),
    ],
)
def test_bad_input_is_one_german_line_and_writes_nothing(
    args: list[str], code: int, message: str, sqlite_ready: Cli
) -> None:
    engine = sa.create_engine(sqlite_ready.database_url)
    before = row_counts(engine)
    result = sqlite_ready(*args)
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("Fehler: ") and message in result.stderr
    assert row_counts(engine) == before
    engine.dispose()


def test_tick_for_a_year_prints_its_events_as_json(sqlite_ready: Cli) -> None:
    result = sqlite_ready("tick", "2027", "--on", "2027-04-01", "--json")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert all(set(event) == {"date", "phase", "event", "detail"} for event in events)
    opened = [event["phase"] for event in events if event["event"] == "phase_opened"]
    assert opened == ["evaluation", "survey"]
    assert sum(event["event"] == "message_queued" for event in events) == 6  # the factions
    assert {event["date"] for event in events} == {"2027-04-01"}


def test_without_on_the_day_is_the_one_clock_read(
    sqlite_ready: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = pendulum.datetime(2027, 2, 1, 9, 15, tz="Europe/Berlin")
    monkeypatch.setattr("cli.daily.now", lambda timezone="Europe/Berlin": moment)
    result = sqlite_ready("tick")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Montag, 01.02.2027")
    engine = sa.create_engine(sqlite_ready.database_url)
    with session_scope(engine) as session:
        opened = session.exec(select(AuditEvent.at).where(AuditEvent.action == "phase.open")).one()
    engine.dispose()
    assert pendulum.instance(opened).in_timezone("Europe/Berlin") == moment


def test_tick_sends_the_days_digests_when_a_channel_is_configured(sqlite_ready: Cli) -> None:
    smtp = SmtpServer().start()
    try:
        env = {"KREISLAUF_EMAIL_URL": smtp.url()}
        assert sqlite_ready("tick", "--on", "2027-02-01", env=env).exit_code == 0
        result = sqlite_ready("tick", "--on", "2027-02-05", env=env)
        assert result.exit_code == 0, result.output
        assert "Versand: 10 gesendet, 0 werden wiederholt" in result.stdout
        assert len(smtp.mails) == 10
        again = sqlite_ready("tick", "--on", "2027-02-05", env=env)
        assert "Versand: 0 gesendet" in again.stdout and len(smtp.mails) == 10
    finally:
        smtp.stop()


def test_tick_has_german_help(tmp_path: Path) -> None:
    result = Cli(f"sqlite:///{tmp_path / 'help.db'}")("tick", "--help")
    assert result.exit_code == 0
    assert "wie die täglichen Läufe" in " ".join(result.stdout.split())


def test_phases_that_become_due_run_once_each_the_same_day() -> None:
    from models.calendar_rules import PhaseKind
    from services.daily import run_due

    forum, resolution = ("lö", 2027, PhaseKind.forum), ("lö", 2027, PhaseKind.resolution)
    due = [[forum], [forum, resolution], [forum, resolution]]  # forum stays due (cannot move)
    ran: list[tuple[str, int, PhaseKind]] = []

    def run(slug: str, year: int, kind: PhaseKind) -> list[dict[str, str]]:
        ran.append((slug, year, kind))
        return [{"phase": kind.value}]

    events = run_due(lambda: due.pop(0) if due else [], run)
    assert ran == [forum, resolution]
    assert events == [{"phase": "forum"}, {"phase": "resolution"}]
