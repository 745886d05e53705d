"""Two people take the same decision at once (the web and the CLI): it is taken once.

The first decides and commits, the second is refused with the same German ConflictError as
when it came a day later; no traceback, one audit event, the first one's data kept.

Two ways the second one can come in between:
- it read the row before the first one changed it (two sessions opened by hand, no thread):
  the conditional UPDATE changes nothing;
- it inserts while the first one's insert is not committed yet (a thread that waits on the
  first one's lock): the unique key refuses it when the first one commits.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.body import Body
from models.change_set import Change, ChangeSet
from models.commands import AnswerSurvey, Command, Convene, RecordResolution, RecordSession
from models.cycle import Cycle
from models.db import session_scope
from models.decisions import Resolution, StrategySession, SurveyAnswer
from models.errors import ConflictError
from models.strategy import StrategyVersion
from models.transitions import record_not_needed
from services.commands import handle
from tests.test_commands import ADMIN, CHANGES, at, cycle_2027, decide, reconciled

__all__ = ["cycle_2027"]  # the fixture, imported for the tests below

OTHER_CHANGES = ChangeSet(
    summary="Radwege",
    participants=["Landrätin", "Kreiskämmerer"],
    changes=[
        Change(
            action="add_priority",
            field="klima-biodiversitaet",
            text="Der Landkreis baut Radwege zwischen den Gemeinden.",
        )
    ],
)


def audit_actions(engine: sa.Engine, action: str) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def the_strategy_session(session: Session) -> StrategySession:
    return session.exec(select(StrategySession)).one()


def refused_meanwhile(
    engine: sa.Engine, body: Body, first: Command, second: Command, when: dt.datetime
) -> BaseException | None:
    """`first` is carried out and stays uncommitted while `second` starts in a thread and
    runs into its rows; then `first` commits. What `second` raised (None: nothing)."""
    raised: list[BaseException | None] = []

    def run_second() -> None:
        try:
            decide(engine, body, second, when)
            raised.append(None)
        except BaseException as error:  # handed to the test's thread
            raised.append(error)

    thread = threading.Thread(target=run_second)
    with session_scope(engine) as session:
        handle(first, session=session, body=body, now=when, actor=ADMIN)
        session.flush()
        thread.start()
        waiting_behind(session, thread)
    thread.join(timeout=60)
    assert not thread.is_alive()
    return raised[0]


def waiting_behind(session: Session, thread: threading.Thread) -> None:
    """Return once `thread` waits for `session`'s locks (PostgreSQL tells; SQLite does not,
    so a moment's grace: if the thread was slower, it meets the committed row instead and is
    refused the same way)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        time.sleep(1.0)
        return
    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    blocked = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
    )
    with session.get_bind().connect() as observer:  # type: ignore[union-attr]
        for _ in range(300):
            waiting = observer.execute(blocked, {"pid": pid}).scalar_one()
            observer.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting:
                return
            assert thread.is_alive()
            time.sleep(0.05)
    raise AssertionError("the second decision never waited for the first")


# --------------------------------------------------------------------------- forum and retreat


@pytest.mark.both_databases
def test_a_session_recorded_meanwhile_is_kept_and_the_second_refused(engine, cycle_2027) -> None:
    decide(engine, cycle_2027, Convene(2027, "Moore"), at(5, 4))
    theirs = RecordSession(2027, dt.date(2027, 5, 20), CHANGES)
    ours = RecordSession(2027, dt.date(2027, 5, 21), OTHER_CHANGES)
    with pytest.raises(ConflictError) as caught, session_scope(engine) as session:
        read = the_strategy_session(session)  # held: the session's identity map keeps it
        assert read.status == "convened"  # as read before they record
        decide(engine, cycle_2027, theirs, at(5, 21))
        handle(ours, session=session, body=cycle_2027, now=at(5, 22), actor=ADMIN)
    assert str(caught.value) == (
        "Forum Zukunftsstrategie 2027 ist bereits festgehalten (am 20.05.2027)."
    )
    assert audit_actions(engine, "forum.held") == 1
    with session_scope(engine) as session:
        row = the_strategy_session(session)
    assert (row.held_on, row.change_set) == (
        dt.date(2027, 5, 20),
        CHANGES.model_dump(mode="json", exclude_none=True),  # as the session stores it
    )


@pytest.mark.both_databases
def test_a_forum_found_not_needed_is_convened_once_when_two_convene_it(engine, cycle_2027) -> None:
    with session_scope(engine) as session:
        cycle = session.exec(select(Cycle).where(Cycle.year == 2027)).one()
        record_not_needed(
            cycle, session=session, now=at(5, 2), actor="flow", today=at(5, 2).date(), reason="-"
        )
    with pytest.raises(ConflictError) as caught, session_scope(engine) as session:
        read = the_strategy_session(session)  # held: the session's identity map keeps it
        assert read.status == "not_needed"  # as read before they convene
        decide(engine, cycle_2027, Convene(2027, "Ihr Anlass"), at(5, 4))
        ours = Convene(2027, "Unser Anlass")
        handle(ours, session=session, body=cycle_2027, now=at(5, 4), actor=ADMIN)
    assert str(caught.value) == (
        "Forum Zukunftsstrategie 2027 ist bereits einberufen (Einberufung durch die Verwaltung)."
    )
    assert audit_actions(engine, "forum.convened") == 1
    with session_scope(engine) as session:
        assert the_strategy_session(session).reason == "Ihr Anlass"


@pytest.mark.both_databases
def test_two_first_convenings_at_once_convene_once(engine, cycle_2027) -> None:
    error = refused_meanwhile(
        engine, cycle_2027, Convene(2027, "Erster"), Convene(2027, "Zweiter"), at(5, 4)
    )
    assert isinstance(error, ConflictError)
    assert "Forum Zukunftsstrategie 2027 ist bereits einberufen" in str(error)
    assert audit_actions(engine, "forum.convened") == 1
    with session_scope(engine) as session:
        assert the_strategy_session(session).reason == "Erster"


# --------------------------------------------------------------------------- resolution


@pytest.mark.both_databases
def test_two_resolutions_at_once_make_one_version(engine, cycle_2027) -> None:
    decide(engine, cycle_2027, Convene(2027, "Moore"), at(5, 4))
    decide(engine, cycle_2027, RecordSession(2027, dt.date(2027, 5, 20), CHANGES), at(5, 21))
    with session_scope(engine) as session:
        versions = len(session.exec(select(StrategyVersion)).all())
    first = RecordResolution(2027, "KT/2027/045", dt.date(2027, 7, 21))
    second = RecordResolution(2027, "KT/2027/046", dt.date(2027, 7, 21))
    error = refused_meanwhile(engine, cycle_2027, first, second, at(7, 21, hour=18))
    assert isinstance(error, ConflictError)
    assert str(error) == "Für 2027 ist bereits ein Beschluss festgehalten."
    with session_scope(engine) as session:
        numbers: list[Any] = list(session.exec(select(Resolution.number)).all())
        assert numbers == ["KT/2027/045"]
        assert len(session.exec(select(StrategyVersion)).all()) == versions + 1
    assert audit_actions(engine, "resolution.recorded") == 1


# --------------------------------------------------------------------------- survey


@pytest.mark.both_databases
def test_two_answers_of_one_faction_at_once_count_once(engine, cycle_2027) -> None:
    reconciled(engine, cycle_2027, at(4, 1, hour=6))
    first = AnswerSurvey(2027, "cdu", True, "Klima")
    second = AnswerSurvey(2027, "cdu", False)
    error = refused_meanwhile(engine, cycle_2027, first, second, at(4, 6))
    assert isinstance(error, ConflictError)
    assert "CDU-Fraktion hat in der Befragung 2027 bereits geantwortet" in str(error)
    with session_scope(engine) as session:
        answers = session.exec(select(col(SurveyAnswer.need))).all()
    assert answers == [True]
