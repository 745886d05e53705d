"""Council dates from OParl: a council information system of our own on loopback
(tests/oparl_server.py), the Lörrach cycle 2027, and what a sync moves, tells and refuses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from models.audit import AuditEvent
from models.body import Body
from models.council import CouncilMeeting
from models.cycle import Deadline, Phase, Task, TaskStatus
from models.db import session_scope
from models.outbox import OutboxMessage
from services.council_meetings import session_days
from tests.conftest import NOW, Cli, row_counts
from tests.oparl_server import OParlServer, Override, oparl_server

LATER = pendulum.datetime(2026, 11, 27, 9, 30, tz="Europe/Berlin")
MODIFIED_LATER = "2026-11-26T12:00:00+01:00"


@pytest.fixture
def ris() -> Iterator[OParlServer]:
    with oparl_server() as server:
        yield server


@pytest.fixture
def synced_body(engine: sa.Engine, loerrach: Body, ris: OParlServer) -> Body:
    """Lörrach with its cycle 2027 and [oparl] pointing at the loopback system."""
    from services.cycles import create_cycle

    with session_scope(engine) as session:
        body = session.get(Body, loerrach.id)
        assert body is not None
        body.oparl = {
            "system": ris.system_url,
            "council": "Kreistag",
            "committees": {"vfa": f"{ris.base}/oparl/v1/organization/vfa"},
            "timeout_seconds": 1,
        }
        session.add(body)
        session.flush()
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="cli:test")
    return body


def sync(engine: sa.Engine, body: Body, now: dt.datetime = NOW):  # type: ignore[no-untyped-def]
    from services.council_sync import sync_council

    return sync_council(engine, body=body, now=now, actor="cli:test")


def due(engine: sa.Engine, key: str) -> dt.date:
    with session_scope(engine) as session:
        return session.exec(select(Deadline.due_on).where(Deadline.key == key)).one()


def phase_window(engine: sa.Engine, kind: str) -> tuple[dt.date, dt.date]:
    with session_scope(engine) as session:
        phase = session.exec(select(Phase).where(Phase.kind == kind)).one()
        return phase.opens_on, phase.closes_on


def moved_messages(engine: sa.Engine) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "deadline_moved")
                .order_by(col(OutboxMessage.key))
            ).all()
        )


def move_july_session(ris: OParlServer, day: int) -> None:
    july = ris.meeting("kt", 3)
    july["start"] = f"2027-07-{day}T15:00:00+02:00"
    july["end"] = f"2027-07-{day}T19:00:00+02:00"
    july["modified"] = MODIFIED_LATER


@pytest.mark.both_databases
def test_a_first_sync_takes_the_sessions_and_a_moved_meeting_moves_its_deadlines(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    assert due(engine, "thh_ausschuesse") == dt.date(2027, 4, 27)  # the file's April round
    first = sync(engine, synced_body)
    assert (first.read, first.new, first.changed, first.cancelled) == (7, 7, 0, 0)
    # the finance committee meets on 29 April, after the others: the April round ends then
    assert due(engine, "thh_ausschuesse") == dt.date(2027, 4, 29)
    assert any("von 27.04.2027 auf 29.04.2027" in line for line in first.moves)
    with session_scope(engine) as session:
        stored = session.exec(select(CouncilMeeting).order_by(col(CouncilMeeting.start))).all()
    assert [m.role for m in stored].count("council") == 5
    assert stored[0].start == dt.datetime(2027, 3, 24, 14, 0, tzinfo=dt.UTC)  # UTC

    # the July council session moves by a week: the council paper and the resolution follow
    assert due(engine, "beschlussvorlage") == dt.date(2027, 7, 7)
    move_july_session(ris, 28)
    second = sync(engine, synced_body, LATER)
    assert (second.read, second.new, second.changed) == (1, 0, 1)
    assert due(engine, "beschlussvorlage") == dt.date(2027, 7, 14)
    assert phase_window(engine, "resolution")[1] == dt.date(2027, 7, 28)
    assert phase_window(engine, "planning")[0] == dt.date(2027, 7, 29)
    # through the planning phase's opening: the budget circular moves too
    assert due(engine, "haushaltsrundschreiben") == dt.date(2027, 8, 5)
    assert (
        "2027: Frist „Beschlussvorlage zur Fortschreibung der Zukunftsstrategie einbringen“ "
        "(beschlussvorlage) von 07.07.2027 auf 14.07.2027" in second.moves
    )
    # not dependent on sessions: untouched
    assert due(engine, "planung") == dt.date(2027, 9, 21)

    messages = {m.key.split("@")[0]: m for m in moved_messages(engine)}  # without the instant
    key = "deadline_moved:department:controlling:loerrach/2027/beschlussvorlage:2027-07-14"
    assert key in messages
    message = messages[key]
    assert message.address == "anna.platzhalter@lrak-loerrach.example.org"
    assert "Frist verschoben" in message.subject
    assert "Bisher: 07.07.2027" in message.text and "Neu: 14.07.2027" in message.text
    assert any(k.endswith("haushaltsrundschreiben:2027-08-05") for k in messages)

    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "deadline.moved")).all()
    paper = [e for e in events if e.after and e.after["key"] == "beschlussvorlage"]
    assert len(paper) == 1
    assert paper[0].before == {"due_on": "2027-07-07"}
    assert paper[0].after is not None and paper[0].after["due_on"] == "2027-07-14"

    # the same state again: nothing new, nothing queued twice
    before = row_counts(engine)
    third = sync(engine, synced_body, LATER.add(days=1))
    assert third.moves == [] and third.read == 0
    after = row_counts(engine)
    assert after["outbox_message"] == before["outbox_message"]
    assert after["council_meeting"] == before["council_meeting"]


def test_the_second_sync_asks_only_for_what_changed_since_the_first(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    sync(engine, synced_body)
    assert not any("modified_since" in path for path in ris.requests)
    assert any("page=2" in path for path in ris.requests)  # the lists come in pages
    ris.requests.clear()
    nothing = sync(engine, synced_body, LATER)
    meeting_requests = [p for p in ris.requests if "/meetings" in p]
    assert meeting_requests and all(
        "modified_since=2026-11-25T08%3A30%3A00Z" in p for p in meeting_requests
    )
    assert (nothing.read, nothing.moves) == (0, [])


def test_a_cancelled_meeting_falls_back_to_the_calendar_file(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    move_july_session(ris, 28)
    sync(engine, synced_body)
    assert due(engine, "beschlussvorlage") == dt.date(2027, 7, 14)
    ris.meeting("kt", 3)["cancelled"] = True
    ris.meeting("kt", 3)["modified"] = "2026-11-26T15:00:00+01:00"
    result = sync(engine, synced_body, LATER)
    assert result.cancelled == 1
    # no July session in OParl any more: calendar.toml's 21 July counts again
    assert due(engine, "beschlussvorlage") == dt.date(2027, 7, 7)
    with session_scope(engine) as session:
        july = session.exec(
            select(CouncilMeeting).where(CouncilMeeting.oparl_id.endswith("/kt-3"))  # type: ignore[union-attr]
        ).one()
    assert july.cancelled
    keys = [m.key.split("@")[0] for m in moved_messages(engine)]  # without the instant
    assert "deadline_moved:department:controlling:loerrach/2027/beschlussvorlage:2027-07-07" in keys


def test_a_cancelled_meeting_without_a_date_in_the_file_names_the_rule_that_lost_it(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    with session_scope(engine) as session:
        body = session.get(Body, synced_body.id)
        assert body is not None
        calendar = json.loads(json.dumps(body.calendar))
        calendar["council_sessions"]["2027"] = [
            day for day in calendar["council_sessions"]["2027"] if day[5:7] != "07"
        ]
        body.calendar = calendar
        session.add(body)
    ris.meeting("kt", 3)["cancelled"] = True
    result = sync(engine, synced_body)
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "Kreislauf 2027" in warning and "Juli 2027" in warning
    assert "'beschlussvorlage'" in warning or "'resolution'" in warning
    assert due(engine, "beschlussvorlage") == dt.date(2027, 7, 7)  # kept as it was


def test_a_deleted_meeting_no_longer_counts(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    move_july_session(ris, 28)
    sync(engine, synced_body)
    july = ris.meeting("kt", 3)
    july.clear()
    july.update(
        {
            "id": f"{ris.base}/oparl/v1/meeting/kt-3",
            "type": "https://schema.oparl.org/1.1/Meeting",
            "deleted": True,
            "modified": MODIFIED_LATER,
        }
    )
    result = sync(engine, synced_body, LATER)
    assert result.cancelled == 1
    assert due(engine, "beschlussvorlage") == dt.date(2027, 7, 7)


def test_done_tasks_keep_their_deadline(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    sync(engine, synced_body)
    with session_scope(engine) as session:
        deadline = session.exec(select(Deadline).where(Deadline.key == "beschlussvorlage")).one()
        for task in session.exec(select(Task).where(Task.deadline_id == deadline.id)).all():
            task.status = TaskStatus.accepted
            session.add(task)
    move_july_session(ris, 28)
    result = sync(engine, synced_body, LATER)
    assert due(engine, "beschlussvorlage") == dt.date(2027, 7, 7)
    assert not any("beschlussvorlage" in line for line in result.moves)


BAD_MEETING = {
    "id": "{base}/oparl/v1/meeting/kt-9",
    "type": "https://schema.oparl.org/1.1/Meeting",
    "name": "Sondersitzung",
    "start": "2027-07-28T15:00:00+02:00",
    "organization": [],
    "modified": "2026-11-01T10:00:00+01:00",
}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("invalid_json", "kein gültiges JSON"),
        ("missing_start", "start: Pflichtangabe fehlt"),
        ("missing_id", "id: Pflichtangabe fehlt"),
        ("no_zone", "start: Zeitpunkt mit Zeitzone erwartet"),
        ("loop", "kehrt zu einer schon gelesenen Seite zurück"),
        ("status_500", "antwortet mit Status 500"),
        ("timeout", "antwortet nicht innerhalb von 1 s"),
        ("wrong_type", "type: Meeting erwartet"),
        ("unreachable", "ist nicht erreichbar"),
        ("other_host", "liegt nicht auf dem Server der Schnittstelle (127.0.0.1)"),
    ],
)
def test_a_bad_answer_is_reported_with_its_url_and_changes_nothing(
    engine: sa.Engine, synced_body: Body, ris: OParlServer, case: str, expected: str
) -> None:
    from services.oparl_client import OParlError

    meetings_path = "/oparl/v1/organization/kt/meetings"
    url = ris.base + meetings_path
    meeting = {
        k: v.replace("{base}", ris.base) if isinstance(v, str) else v
        for k, v in BAD_MEETING.items()
    }
    if case == "invalid_json":
        ris.overrides[meetings_path] = Override(body=b'{"data": [')
    elif case == "missing_start":
        del meeting["start"]
        ris.meetings["kt"].append(meeting)
    elif case == "missing_id":
        del meeting["id"]
        ris.meetings["kt"].append(meeting)
    elif case == "no_zone":
        meeting["start"] = "2027-07-28T15:00:00"
        ris.meetings["kt"].append(meeting)
    elif case == "wrong_type":
        meeting["type"] = "https://schema.oparl.org/1.1/Paper"
        ris.meetings["kt"].append(meeting)
    elif case == "loop":
        page = {"data": [], "links": {"next": url + "?page=2"}}
        ris.overrides[meetings_path] = Override(body=json.dumps(page).encode())
    elif case == "other_host":  # a page pointing elsewhere, e.g. at an internal address
        url = "http://169.254.169.254/latest/meta-data?page=2"
        page = {"data": [], "links": {"next": url}}
        ris.overrides[meetings_path] = Override(body=json.dumps(page).encode())
    elif case == "status_500":
        ris.overrides[meetings_path] = Override(status=500, body=b"Internal Server Error")
    elif case == "timeout":
        ris.overrides[meetings_path] = Override(delay=2.5, body=b"{}")
    elif case == "unreachable":
        with session_scope(engine) as session:
            body = session.get(Body, synced_body.id)
            assert body is not None
            body.oparl = {**body.oparl, "system": "http://127.0.0.1:9/oparl/v1/system"}
            session.add(body)
            synced_body = body
        url = "http://127.0.0.1:9/oparl/v1/system"
    before = row_counts(engine)
    with pytest.raises(OParlError) as raised:
        sync(engine, synced_body)
    text = raised.value.text()
    assert expected in text
    assert url in text
    assert "nichts wurde geändert" in text
    assert row_counts(engine) == before


def test_an_unknown_organization_is_named(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    from services.oparl_client import OParlError

    with session_scope(engine) as session:
        body = session.get(Body, synced_body.id)
        assert body is not None
        body.oparl = {**body.oparl, "committees": {"jha": "Jugendhilfeausschuss"}}
        session.add(body)
    before = row_counts(engine)
    with pytest.raises(OParlError) as raised:
        sync(engine, body)
    assert "jha = 'Jugendhilfeausschuss'" in raised.value.text()
    assert row_counts(engine) == before


def test_the_cli_reports_in_german_and_fails_with_the_url(
    cli: Cli, engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    result = cli("council", "sync", "--on", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert "Landkreis Lörrach: 7 Sitzungen gelesen: 7 neu, 0 geändert, 0 abgesagt." in result.output
    assert "von 27.04.2027 auf 29.04.2027" in result.output
    ris.overrides["/oparl/v1/system"] = Override(status=500)
    before = row_counts(engine)
    failed = cli("council", "sync", "--on", "2026-11-26")
    assert failed.exit_code == 1
    assert f"OParl: {ris.system_url} antwortet mit Status 500" in failed.output
    assert "Traceback" not in failed.output
    assert row_counts(engine) == before


def test_the_cli_without_oparl_says_how_to_set_it_up(cli: Cli, loerrach: Body) -> None:
    result = cli("council", "sync")
    assert result.exit_code == 2
    assert "keine OParl-Schnittstelle eingerichtet (body.toml, [oparl]" in result.output


def test_the_flow_syncs_every_body_with_an_endpoint(
    engine: sa.Engine, synced_body: Body, ris: OParlServer, database_url: str
) -> None:
    from flows.council import council_sync
    from flows.runtime import use_database

    with use_database(database_url):
        summaries = council_sync.fn(now=NOW)
    assert [s["body"] for s in summaries] == ["loerrach"]
    assert summaries[0]["new"] == 7
    assert due(engine, "thh_ausschuesse") == dt.date(2027, 4, 29)
    ris.overrides["/oparl/v1/system"] = Override(status=503)
    with use_database(database_url), pytest.raises(RuntimeError, match="Status 503"):
        council_sync.fn(now=LATER)


def test_oparl_settings_are_checked_by_file_and_key(body_dir: Path) -> None:
    from config.loader import load_body_config
    from models.errors import KreislaufError

    toml = body_dir / "body.toml"
    good = toml.read_text(encoding="utf-8")
    toml.write_text(
        good + '\n[oparl]\nsystem = "https://ris.example.org/oparl/v1/system"\n'
        'council = "Kreistag"\ncommittees = { vfa = "VFA" }\n',
        encoding="utf-8",
    )
    config = load_body_config(body_dir)
    assert config.body.oparl is not None and config.body.oparl.roles() == {
        "council": "Kreistag",
        "vfa": "VFA",
    }
    toml.write_text(
        good + '\n[oparl]\nsystem = "ftp://ris"\ntimeout_seconds = 0\n'
        'committees = { nope = "X" }\n',
        encoding="utf-8",
    )
    with pytest.raises(KreislaufError) as raised:
        load_body_config(body_dir)
    text = raised.value.text()
    assert "body.toml, oparl.system: Format passt nicht (erwartet: Adresse mit http://" in text
    assert "body.toml, oparl.timeout_seconds: Zahl ab 1 erwartet" in text
    toml.write_text(
        good + '\n[oparl]\nsystem = "https://ris.example.org/oparl/v1/system"\n'
        'committees = { nope = "X" }\n',
        encoding="utf-8",
    )
    with pytest.raises(KreislaufError) as raised:
        load_body_config(body_dir)
    assert "body.toml, oparl.committees.nope: den Ausschuss 'nope' gibt es nicht" in (
        raised.value.text()
    )


def test_a_cycle_created_after_a_sync_takes_the_synced_dates(
    engine: sa.Engine, loerrach: Body, ris: OParlServer
) -> None:
    from services.cycles import create_cycle

    with session_scope(engine) as session:
        body = session.get(Body, loerrach.id)
        assert body is not None
        body.oparl = {"system": ris.system_url, "committees": {"vfa": "VFA"}}
        session.add(body)
    result = sync(engine, body)
    assert (result.new, result.moves) == (2, [])  # no cycle yet: nothing to move
    with session_scope(engine) as session:
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="cli:test")
    assert due(engine, "thh_ausschuesse") == dt.date(2027, 4, 29)


def test_session_dates_replace_the_file_month_by_month() -> None:
    from config.loader import load_body_config
    from models.council_dates import SessionDay, session_calendar, session_dependent
    from tests.conftest import LOERRACH

    spec = load_body_config(LOERRACH).calendar
    merged = session_calendar(
        spec,
        [
            SessionDay("council", dt.date(2027, 7, 28)),
            SessionDay("council", dt.date(2027, 10, 6), cancelled=True),
            SessionDay("vfa", dt.date(2027, 4, 29)),
        ],
    )
    assert merged.council_sessions[2027] == [
        dt.date(2027, 3, 24),
        dt.date(2027, 5, 12),
        dt.date(2027, 7, 28),  # synced, in place of the file's 21 July
        dt.date(2027, 10, 6),  # cancelled in OParl: the file's date of October stays
        dt.date(2027, 12, 15),
    ]
    assert merged.committee_sessions["vfa"][2027] == [dt.date(2027, 4, 29), dt.date(2027, 11, 16)]
    assert merged.council_sessions[2028] == spec.council_sessions[2028]
    dependent = session_dependent(spec, election_year=False)
    assert {("beschlussvorlage", None), ("haushaltsrundschreiben", None)} <= dependent
    assert ("planning", "opens") in dependent and ("planung", None) not in dependent
    assert ("kennzahlen_ist", None) not in dependent


def test_the_council_sync_is_a_daily_deployment() -> None:
    from flows.deployments import deployments

    by_name = {f"{d.flow_name}/{d.name}": d for d in deployments()}
    council = by_name["council-sync/every-morning"]
    schedule = council.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("30 5 * * *", "Europe/Berlin")
    assert council.entrypoint is not None and council.entrypoint.startswith("flows.council")


def test_changed_settings_read_everything_again(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    sync(engine, synced_body)
    with session_scope(engine) as session:
        body = session.get(Body, synced_body.id)
        assert body is not None
        body.oparl = {**body.oparl, "committees": {}}
        session.add(body)
    ris.requests.clear()
    result = sync(engine, body, LATER)
    assert not any("modified_since" in path for path in ris.requests)
    assert result.read == 5  # the council's meetings, all of them again
    # the committee no longer configured: its stored meetings no longer count
    with session_scope(engine) as session:
        vfa = session.exec(select(CouncilMeeting).where(CouncilMeeting.role == "vfa")).all()
        assert vfa and all(meeting.cancelled for meeting in vfa)
        taking_place = {day.role for day in session_days(session, body) if not day.cancelled}
        assert taking_place <= {"council"}
    assert result.cancelled >= len(vfa)


def test_the_committee_dates_shown_are_the_synced_ones(
    engine: sa.Engine, synced_body: Body, ris: OParlServer
) -> None:
    from services.committees import committee_dates

    sync(engine, synced_body)
    with session_scope(engine) as session:
        body = session.get(Body, synced_body.id)
        assert body is not None
        dates = {d.key: d.sessions for d in committee_dates(session=session, body=body, year=2027)}
    assert dates["vfa"] == [dt.date(2027, 4, 29), dt.date(2027, 11, 16)]
    assert dates["jha"] == [dt.date(2027, 4, 27), dt.date(2027, 11, 23)]  # from the file


def test_a_deadline_moved_back_and_forth_is_told_each_time() -> None:
    """The message of a move names its instant: moved to B, back to A and to B again, the
    people hear of the second move to B too (the outbox sends each key once)."""
    from notifications.messages import deadline_moved

    def told(at: dt.datetime) -> str:
        return deadline_moved(
            body_slug="loerrach",
            assignee="department:umwelt",
            name="Fachbereich Umwelt",
            address="umwelt@example.org",
            tags=(),
            year=2027,
            deadline_key="beschlussvorlage",
            title="Beschlussvorlage einbringen",
            before=dt.date(2027, 7, 7),
            after=dt.date(2027, 7, 14),
            reason="Sitzung verlegt",
            moved_at=at,
        ).key

    first = told(dt.datetime(2027, 3, 1, 5, 30, tzinfo=dt.UTC))
    again = told(dt.datetime(2027, 4, 1, 5, 30, tzinfo=dt.UTC))
    assert first != again
    assert first == told(dt.datetime(2027, 3, 1, 5, 30, tzinfo=dt.UTC))  # a re-run: once
