"""Changes of a cycle's state against the real database: what is refused, what is recorded.

Every refusal says in German what is wrong and changes nothing (the row counts stay equal);
every change is audited with the actor passed in. The happy path reconciles Lörrach's 2027
cycle at a handful of days, with a survey asking for a forum and a council resolution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.body import Body
from models.budget_resolution import BudgetResolution
from models.change_set import Change, ChangeSet, FieldContent, StrategyContent, apply_change_set
from models.commands import AnswerSurvey, Command, Convene, RecordResolution, RecordSession
from models.cycle import Cycle, CycleStatus, Deadline, Phase, Task
from models.db import session_scope
from models.decisions import (
    Resolution,
    SessionKind,
    SessionStatus,
    SessionTrigger,
    StrategySession,
)
from models.errors import ConflictError, KreislaufError, Remedy
from models.strategy import Priority, StrategyVersion
from models.strategy_versions import load_content
from models.transitions import Event, convene, review_task, submit_task, transition
from services.commands import handle
from services.cycles import create_cycle, get_cycle
from services.reconcile import reconcile
from tests.conftest import NOW, row_counts

FLOW = "flow:annual-cycle"
ERIKA = "cli:erika"
CDU = "CDU-Fraktion"
GRUENE = "Fraktion Bündnis 90/Die Grünen"
FACTION_KEYS = ("cdu", "fw", "spd", "gruene", "fdp", "afd")
MOORE = "Der Landkreis schützt Moore und Böden als natürliche Kohlenstoffspeicher."
HITZE = "Der Landkreis schützt seine Bevölkerung vor Infektionen und vor Hitze."

CHANGES_2027 = ChangeSet(
    summary="Klimaanpassung und Gesundheitsschutz stärken",
    participants=["Landrätin", CDU, GRUENE],
    changes=[
        Change(action="add_priority", field="klima-biodiversitaet", text=MOORE),
        Change(action="change_priority", priority="gesundheit.1", text=HITZE),
        Change(action="remove_priority", priority="bildung.2"),
    ],
)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz="Europe/Berlin")


# --------------------------------------------------------------------------- what people do


def create(engine: sa.Engine, body: Body, year: int) -> None:
    with session_scope(engine) as session:
        create_cycle(session=session, body=body, year=year, now=NOW, actor=ERIKA)


def run(
    engine: sa.Engine, body: Body, when: dt.datetime, *, year: int = 2027, actor: str = FLOW
) -> list[Event]:
    """The flows' work at `when`: reconcile the cycle until it settles."""
    with session_scope(engine) as session:
        return reconcile(session=session, body=body, year=year, now=when, actor=actor)


def budget_recorded(engine: sa.Engine, body: Body, on: dt.date) -> None:
    """The council's budget resolution of `on`'s cycle as a recorded fact (the decision itself,
    with its checks, is tested in tests/test_budget_resolution.py)."""
    with session_scope(engine) as session:
        cycle = get_cycle(session=session, body=body, year=on.year)
        session.add(
            BudgetResolution(
                body_id=cycle.body_id,
                cycle_id=cycle.id,
                plan_year=on.year + 1,
                number=f"HH/{on.year}/012",
                adopted_on=on,
                recorded_at=at(on.year, on.month, on.day, 12),
                actor=ERIKA,
            )
        )


def answer(
    engine: sa.Engine,
    body: Body,
    faction: str,
    need: bool,
    when: dt.datetime,
    *,
    year: int = 2027,
    actor: str = "",
) -> list[Event]:
    return decide(engine, body, AnswerSurvey(year, faction, need), when, actor or f"cli:{faction}")


def decide(
    engine: sa.Engine, body: Body, command: Command, when: dt.datetime, actor: str
) -> list[Event]:
    """A person's decision through the one pipeline, in a transaction of its own."""
    with session_scope(engine) as session:
        return handle(command, session=session, body=body, now=when, actor=actor).events


def convene_by_administration(
    engine: sa.Engine, body: Body, when: dt.datetime, *, year: int = 2027, actor: str = ERIKA
) -> list[Event]:
    reason = "Neue Vorgaben des Landes zur Klimaanpassung"
    return decide(engine, body, Convene(year, reason), when, actor)


def record_forum(
    engine: sa.Engine,
    body: Body,
    held_on: dt.date,
    when: dt.datetime,
    *,
    changes: ChangeSet = CHANGES_2027,
    year: int = 2027,
    actor: str = ERIKA,
) -> list[Event]:
    return decide(engine, body, RecordSession(year, held_on, changes), when, actor)


def record_resolution(
    engine: sa.Engine,
    body: Body,
    adopted_on: dt.date,
    when: dt.datetime,
    *,
    number: str = "KT/2027/045",
    year: int = 2027,
    actor: str = ERIKA,
) -> list[Event]:
    return decide(engine, body, RecordResolution(year, number, adopted_on), when, actor)


def refused(engine: sa.Engine, action: Callable[[], Any], error: type, match: str) -> Exception:
    """`action` raises `error` with a message matching `match`, and no row was added."""
    before = row_counts(engine)
    with pytest.raises(error, match=match) as info:
        action()
    assert row_counts(engine) == before
    return info.value


# --------------------------------------------------------------------------- reading back


def phases(engine: sa.Engine, year: int = 2027) -> dict[str, Phase]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Phase).join(Cycle, Phase.cycle_id == Cycle.id).where(Cycle.year == year)
        ).all()
        return {row.kind: row for row in rows}


def phase_status(engine: sa.Engine, year: int = 2027) -> dict[str, str]:
    return {kind: phase.status for kind, phase in phases(engine, year).items()}


def cycle_status(engine: sa.Engine, year: int = 2027) -> str:
    with session_scope(engine) as session:
        return session.exec(select(Cycle.status).where(Cycle.year == year)).one()


def task_status(engine: sa.Engine, key: str, year: int = 2027) -> dict[str, str]:
    """Status per assignee of one deadline's tasks."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Task.assignee, Task.status)
            .join(Deadline, Task.deadline_id == Deadline.id)
            .join(Cycle, Task.cycle_id == Cycle.id)
            .where(Deadline.key == key, Cycle.year == year)
        ).all()
        return dict(rows)


def department_task(session: Session, department: str, key: str) -> Task:
    """The 2027 task of one department for one deadline, e.g. ('umwelt', 'kennzahlen_ist')."""
    return session.exec(
        select(Task)
        .join(Deadline, Task.deadline_id == Deadline.id)
        .join(Cycle, Task.cycle_id == Cycle.id)
        .where(Task.assignee == f"department:{department}", Deadline.key == key, Cycle.year == 2027)
    ).one()


def strategy_session(engine: sa.Engine, year: int = 2027) -> StrategySession | None:
    with session_scope(engine) as session:
        return session.exec(
            select(StrategySession)
            .join(Cycle, StrategySession.cycle_id == Cycle.id)
            .where(Cycle.year == year)
        ).first()


def versions(session: Session) -> dict[int, StrategyVersion]:
    """The versions with content by number (Lörrach's 1 and 2 are on record only, 2009, 2012)."""
    rows = session.exec(select(StrategyVersion)).all()
    return {v.number: v for v in rows if not v.history_only}


def priorities_of(session: Session, version: StrategyVersion) -> dict[str, str]:
    content = load_content(session=session, version=version)
    return {code: text for f in content.fields for code, text in f.priorities}


def audit_events_after(engine: sa.Engine, last_id: int) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            ).all()
        )


def last_audit_id(engine: sa.Engine) -> int:
    with session_scope(engine) as session:
        return session.exec(select(sa.func.max(AuditEvent.id))).one() or 0


# --------------------------------------------------------------------------- worlds


@pytest.fixture
def year_2027(engine: sa.Engine, loerrach: Body) -> Body:
    """Lörrach with its 2027 cycle created (nothing run yet)."""
    create(engine, loerrach, 2027)
    return loerrach


@pytest.fixture
def year_2029(engine: sa.Engine, loerrach: Body) -> Body:
    """Lörrach with its 2029 cycle created: the first cycle after the council election."""
    create(engine, loerrach, 2029)
    return loerrach


def survey_asking_for_a_forum(engine: sa.Engine, body: Body) -> None:
    """Spring 2027: evaluation and survey open; CDU and Greens ask for a forum, four do not."""
    run(engine, body, at(2027, 2, 1))
    run(engine, body, at(2027, 4, 1))
    for key in FACTION_KEYS:
        answer(engine, body, key, key in ("cdu", "gruene"), at(2027, 4, 12))


def forum_held(engine: sa.Engine, body: Body) -> None:
    """2027 until the forum of 20.05. is recorded with CHANGES_2027."""
    survey_asking_for_a_forum(engine, body)
    run(engine, body, at(2027, 4, 20))
    run(engine, body, at(2027, 5, 3))
    record_forum(engine, body, dt.date(2027, 5, 20), at(2027, 5, 21, 10))


def resolution_adopted(engine: sa.Engine, body: Body) -> None:
    """2027 until the council adopted the changes in its session of 21.07."""
    forum_held(engine, body)
    run(engine, body, at(2027, 5, 21, 11))
    run(engine, body, at(2027, 7, 1))
    record_resolution(engine, body, dt.date(2027, 7, 21), at(2027, 7, 21, 18))


# =========================================================================== refusals


def test_resolution_without_any_forum_is_refused_and_changes_nothing(engine, year_2027) -> None:
    error = refused(
        engine,
        lambda: record_resolution(engine, year_2027, dt.date(2027, 7, 21), at(2027, 7, 21, 18)),
        ConflictError,
        "noch kein Forum und keine Klausurtagung",
    )
    assert isinstance(error, ConflictError) and error.remedy == Remedy.record_session


def test_a_resolution_after_its_phase_ended_is_refused(engine, year_2027) -> None:
    forum_held(engine, year_2027)
    run(engine, year_2027, at(2027, 7, 1))
    run(engine, year_2027, at(2027, 7, 22))  # the July session passed without a resolution
    assert "Änderungen nicht wirksam" in phases(engine)["resolution"].outcome
    refused(
        engine,
        lambda: record_resolution(engine, year_2027, dt.date(2027, 7, 21), at(2027, 7, 23)),
        ConflictError,
        "ist beendet",
    )


def test_resolution_with_the_forum_only_convened_is_refused(engine, year_2027) -> None:
    convene_by_administration(engine, year_2027, at(2027, 5, 4))
    refused(
        engine,
        lambda: record_resolution(engine, year_2027, dt.date(2027, 7, 21), at(2027, 7, 21, 18)),
        ConflictError,
        "Für 2027 ist noch kein Forum und keine Klausurtagung mit vereinbarten Änderungen",
    )


def test_resolution_with_the_retreat_only_convened_is_refused(engine, year_2029) -> None:
    run(engine, year_2029, at(2029, 9, 3), year=2029)
    assert strategy_session(engine, 2029).status == SessionStatus.convened
    refused(
        engine,
        lambda: record_resolution(
            engine, year_2029, dt.date(2029, 9, 20), at(2029, 9, 20), year=2029, number="KT/1"
        ),
        ConflictError,
        "noch kein Forum und keine Klausurtagung",
    )


def test_a_closed_cycle_cannot_be_reopened(engine, year_2027) -> None:
    budget_recorded(engine, year_2027, dt.date(2027, 12, 15))
    run(engine, year_2027, at(2027, 12, 15, 18))
    assert cycle_status(engine) == CycleStatus.closed
    before = row_counts(engine)
    with pytest.raises(ConflictError, match="abgeschlossen") as info:
        with session_scope(engine) as session:
            cycle = get_cycle(session=session, body=year_2027, year=2027)
            transition(cycle, CycleStatus.running, session=session, now=at(2028, 1, 5), actor=ERIKA)
    assert str(info.value) == (
        "Ein abgeschlossener Steuerungskreislauf kann nicht wieder geöffnet werden."
    )
    assert row_counts(engine) == before
    assert cycle_status(engine) == CycleStatus.closed


def test_a_closed_cycle_takes_no_more_survey_answers(engine, year_2027) -> None:
    budget_recorded(engine, year_2027, dt.date(2027, 12, 15))
    run(engine, year_2027, at(2027, 12, 15, 18))
    refused(
        engine,
        lambda: answer(engine, year_2027, "cdu", True, at(2027, 12, 16)),
        ConflictError,
        "Der Steuerungskreislauf 2027 ist abgeschlossen; er nimmt keine Änderungen mehr an.",
    )


@pytest.mark.both_databases
def test_a_faction_answers_the_survey_only_once(engine, year_2027) -> None:
    run(engine, year_2027, at(2027, 4, 1))
    answer(engine, year_2027, "cdu", True, at(2027, 4, 6))
    refused(
        engine,
        lambda: answer(engine, year_2027, "CDU-Fraktion", False, at(2027, 4, 7)),
        ConflictError,
        "CDU-Fraktion hat in der Befragung 2027 bereits geantwortet; eine Antwort gilt einmal.",
    )


def test_answering_before_the_survey_opens_is_refused(engine, year_2027) -> None:
    run(engine, year_2027, at(2027, 3, 31))
    refused(
        engine,
        lambda: answer(engine, year_2027, "spd", True, at(2027, 3, 31, 16)),
        ConflictError,
        "Die Befragung 2027 beginnt erst am 01.04.2027.",
    )


def test_an_answer_late_in_the_evening_of_the_last_day_still_counts(engine, year_2027) -> None:
    run(engine, year_2027, at(2027, 4, 1))
    answer(engine, year_2027, "fdp", False, at(2027, 4, 30, 23, 30))  # 21:30 UTC, still 30.04.
    assert task_status(engine, "befragung")["faction:fdp"] == "accepted"


def test_answering_after_the_survey_closed_is_refused(engine, year_2027) -> None:
    run(engine, year_2027, at(2027, 4, 1))
    run(engine, year_2027, at(2027, 5, 1))
    refused(
        engine,
        lambda: answer(engine, year_2027, "spd", True, at(2027, 5, 2)),
        ConflictError,
        r"Die Befragung 2027 ist abgeschlossen \(Frist abgelaufen; versäumt: ",
    )


def test_answering_after_the_survey_window_is_refused_even_before_the_flow_closed_it(
    engine, year_2027
) -> None:
    # The flow was down on 01.05.; the answer must not depend on whether it ran: the
    # survey window (until 30.04.) is over either way, as `convene` already checks.
    run(engine, year_2027, at(2027, 4, 1))
    refused(
        engine,
        lambda: answer(engine, year_2027, "spd", True, at(2027, 5, 3)),
        ConflictError,
        "Die Befragung 2027 endete am 30.04.2027.",
    )
    assert phase_status(engine)["survey"] == "open"  # only the flow closes it


def test_a_forum_can_be_convened_in_an_election_year(engine, year_2029) -> None:
    with session_scope(engine) as session:
        events = convene(
            get_cycle(session=session, body=year_2029, year=2029),
            SessionKind.forum,
            trigger=SessionTrigger.administration,
            reason="Aktuelle Entwicklungen",
            session=session,
            now=at(2029, 5, 4),
            actor=ERIKA,
            today=dt.date(2029, 5, 4),
        )
    assert [e.detail for e in events] == [
        "Forum Zukunftsstrategie einberufen: Aktuelle Entwicklungen"
    ]
    row = strategy_session(engine, 2029)
    assert row is not None and (row.kind, row.status) == ("forum", "convened")


def test_convening_in_an_election_year_convenes_the_retreat(engine, year_2029) -> None:
    convene_by_administration(engine, year_2029, at(2029, 5, 4), year=2029)
    row = strategy_session(engine, 2029)
    assert (row.kind, row.status, row.trigger) == ("retreat", "convened", "administration")


def test_a_retreat_outside_an_election_year_needs_a_reason(engine, year_2027) -> None:
    def convene_retreat(reason: str | None) -> list[Event]:
        with session_scope(engine) as session:
            return convene(
                get_cycle(session=session, body=year_2027, year=2027),
                SessionKind.retreat,
                trigger=SessionTrigger.survey,
                reason=reason,
                session=session,
                now=at(2027, 5, 4),
                actor=ERIKA,
                today=dt.date(2027, 5, 4),
            )

    error = refused(engine, lambda: convene_retreat(None), KreislaufError, "bitte den Anlass")
    assert error.field == "reason"
    convene_retreat("Größere Änderungen")
    row = strategy_session(engine, 2027)
    assert row is not None and (row.kind, row.reason) == ("retreat", "Größere Änderungen")


def test_the_administration_cannot_convene_the_forum_twice(engine, year_2027) -> None:
    convene_by_administration(engine, year_2027, at(2027, 5, 4))
    refused(
        engine,
        lambda: convene_by_administration(engine, year_2027, at(2027, 5, 5)),
        ConflictError,
        r"Forum Zukunftsstrategie 2027 ist bereits einberufen "
        r"\(Einberufung durch die Verwaltung\)",
    )


def test_the_administration_cannot_convene_a_forum_the_survey_convened(engine, year_2027) -> None:
    survey_asking_for_a_forum(engine, year_2027)
    run(engine, year_2027, at(2027, 4, 20))
    refused(
        engine,
        lambda: convene_by_administration(engine, year_2027, at(2027, 5, 5)),
        ConflictError,
        r"bereits einberufen \(Befragung der Fraktionsvorsitzenden\)",
    )


def test_convening_after_the_forums_window_is_refused(engine, year_2027) -> None:
    refused(
        engine,
        lambda: convene_by_administration(engine, year_2027, at(2027, 7, 1)),
        ConflictError,
        "ist abgelaufen \\(30.06.2027\\)",
    )


def test_the_administration_may_convene_after_the_survey_found_no_need(engine, year_2027) -> None:
    run(engine, year_2027, at(2027, 4, 1))
    for key in FACTION_KEYS:
        answer(engine, year_2027, key, False, at(2027, 4, 12))
    run(engine, year_2027, at(2027, 4, 20))
    assert strategy_session(engine).status == SessionStatus.not_needed
    convene_by_administration(engine, year_2027, at(2027, 5, 4))
    row = strategy_session(engine)
    assert (row.status, row.trigger) == (SessionStatus.convened, SessionTrigger.administration)


def test_a_change_set_with_unknown_priority_or_field_is_refused_naming_each_change(
    engine, year_2027
) -> None:
    convene_by_administration(engine, year_2027, at(2027, 5, 4))
    unknown = ChangeSet(
        changes=[
            Change(action="change_priority", priority="mobilitaet.99", text="Neu"),
            Change(action="remove_priority", priority="bildung.1"),
            Change(action="add_priority", field="raumfahrt", text="Eine Raumstation"),
        ]
    )
    error = refused(
        engine,
        lambda: record_forum(
            engine, year_2027, dt.date(2027, 5, 20), at(2027, 5, 21), changes=unknown
        ),
        KreislaufError,
        "Die Änderungen passen nicht zur geltenden Strategie",
    )
    assert len(error.problems) == 2
    assert error.problems[0] == (
        "changes[0].priority: Schwerpunkt 'mobilitaet.99' gibt es in der geltenden Strategie nicht."
    )
    assert error.problems[1].startswith(
        "changes[2].field: Handlungsfeld 'raumfahrt' gibt es nicht (vorhanden: bildung, "
    )
    assert "  - changes[0].priority" in str(error)
    assert strategy_session(engine).status == SessionStatus.convened


def test_recording_a_forum_that_was_not_convened_is_refused(engine, year_2027) -> None:
    refused(
        engine,
        lambda: record_forum(engine, year_2027, dt.date(2027, 5, 20), at(2027, 5, 21)),
        ConflictError,
        "weder ein Forum noch eine Klausurtagung einberufen",
    )


def test_recording_a_forum_held_in_the_future_is_refused(engine, year_2027) -> None:
    convene_by_administration(engine, year_2027, at(2027, 5, 4))
    assert (
        refused(
            engine,
            lambda: record_forum(engine, year_2027, dt.date(2027, 5, 20), at(2027, 5, 19)),
            KreislaufError,
            "20.05.2027 liegt in der Zukunft.",
        ).field
        == "held_on"
    )


def test_recording_the_forum_twice_is_refused(engine, year_2027) -> None:
    forum_held(engine, year_2027)
    refused(
        engine,
        lambda: record_forum(engine, year_2027, dt.date(2027, 5, 27), at(2027, 5, 28)),
        ConflictError,
        r"Forum Zukunftsstrategie 2027 ist bereits festgehalten \(am 20.05.2027\)",
    )


def test_a_resolution_dated_before_the_session_is_refused(engine, year_2027) -> None:
    forum_held(engine, year_2027)
    assert (
        refused(
            engine,
            lambda: record_resolution(engine, year_2027, dt.date(2027, 5, 19), at(2027, 7, 21)),
            KreislaufError,
            r"Der Beschluss \(19.05.2027\) kann nicht vor der Sitzung \(20.05.2027\) liegen.",
        ).field
        == "adopted_on"
    )


def test_a_resolution_dated_in_the_future_is_refused(engine, year_2027) -> None:
    forum_held(engine, year_2027)
    assert (
        refused(
            engine,
            lambda: record_resolution(engine, year_2027, dt.date(2027, 7, 21), at(2027, 7, 20)),
            KreislaufError,
            "21.07.2027 liegt in der Zukunft.",
        ).field
        == "adopted_on"
    )


@pytest.mark.both_databases
def test_a_second_resolution_in_the_same_cycle_is_refused(engine, year_2027) -> None:
    resolution_adopted(engine, year_2027)
    refused(
        engine,
        lambda: record_resolution(
            engine, year_2027, dt.date(2027, 7, 22), at(2027, 7, 22), number="KT/2027/046"
        ),
        ConflictError,
        "Für 2027 ist bereits ein Beschluss festgehalten.",
    )


# =========================================================================== audit


@pytest.mark.both_databases
def test_every_change_is_audited_with_the_actor_who_made_it(engine, year_2027) -> None:
    def by(actor: str, action: Callable[[], Any]) -> list[AuditEvent]:
        last = last_audit_id(engine)
        action()
        events = audit_events_after(engine, last)
        assert events, f"{actor}: no audit event"
        assert {event.actor for event in events} == {actor}
        return events

    body = year_2027
    opened = by("flow:xyz", lambda: run(engine, body, at(2027, 2, 1), actor="flow:xyz"))
    assert {e.action for e in opened} == {"cycle.running", "phase.open", "task.open"}
    by("flow:xyz", lambda: run(engine, body, at(2027, 4, 1), actor="flow:xyz"))
    answered = by("cli:cdu", lambda: answer(engine, body, "cdu", True, at(2027, 4, 6)))
    assert [e.action for e in answered] == ["survey.answered", "task.accepted"]
    assert answered[0].after == {"faction": CDU, "need": True, "comment": None}
    closed = by("flow:abc", lambda: run(engine, body, at(2027, 5, 1), actor="flow:abc"))
    survey_closed = next(
        e for e in closed if e.action == "phase.closed" and e.after["reason"] == "Frist abgelaufen"
    )
    assert survey_closed.before == {"status": "open"}
    assert len(survey_closed.after["late"]) == 5
    convened = [e for e in closed if e.action == "forum.convened"]
    assert convened[0].after["requested_by"] == [CDU]
    by("flow:abc", lambda: run(engine, body, at(2027, 5, 3), actor="flow:abc"))
    held = by(
        ERIKA,
        lambda: record_forum(engine, body, dt.date(2027, 5, 20), at(2027, 5, 21), actor=ERIKA),
    )
    assert [e.action for e in held] == ["forum.held", "task.accepted"]
    adopted = by(
        "web:landraetin",
        lambda: record_resolution(
            engine, body, dt.date(2027, 7, 21), at(2027, 7, 21, 18), actor="web:landraetin"
        ),
    )
    assert [e.action for e in adopted] == ["resolution.recorded", "task.accepted"]
    assert adopted[0].after["strategy_version"] == 4
    assert adopted[0].at == at(2027, 7, 21, 18)


@pytest.mark.both_databases
def test_submitting_and_reviewing_a_task_is_audited(engine, year_2027) -> None:
    run(engine, year_2027, at(2027, 2, 1))
    last = last_audit_id(engine)
    with session_scope(engine) as session:
        task = department_task(session, "umwelt", "kennzahlen_ist")
        assert submit_task(task, session=session, now=at(2027, 2, 10), actor="web:michael")
        assert review_task(
            task,
            accept=False,
            comment="Kennzahl K3 fehlt",
            session=session,
            now=at(2027, 2, 11),
            actor="web:erika",
        )
    events = audit_events_after(engine, last)
    assert [(e.actor, e.action, e.before, e.after) for e in events] == [
        ("web:michael", "task.submitted", {"status": "open"}, {"status": "submitted"}),
        (
            "web:erika",
            "task.returned",
            {"status": "submitted"},
            {"status": "returned", "comment": "Kennzahl K3 fehlt"},
        ),
    ]


def test_returning_a_task_never_submitted_is_refused(engine, year_2027) -> None:
    run(engine, year_2027, at(2027, 2, 1))

    def send_back() -> None:
        with session_scope(engine) as session:
            review_task(
                department_task(session, "umwelt", "kennzahlen_ist"),
                accept=False,
                comment="unvollständig",
                session=session,
                now=at(2027, 2, 2),
                actor=ERIKA,
            )

    refused(
        engine,
        send_back,
        ConflictError,
        "Die Aufgabe kann nicht von „offen“ zu „zurückgegeben“ wechseln.",
    )


# =========================================================================== the year 2027


@pytest.mark.both_databases
def test_phases_open_and_close_on_their_calendar_days(engine, year_2027) -> None:
    body = year_2027
    assert run(engine, body, at(2027, 1, 31, 23, 59)) == []
    assert cycle_status(engine) == CycleStatus.planned
    # 00:30 in Lörrach is still 31.01. in UTC: the body's day counts
    run(engine, body, at(2027, 2, 1, 0, 30))
    assert cycle_status(engine) == CycleStatus.running
    assert phase_status(engine)["evaluation"] == "open"
    assert set(task_status(engine, "kennzahlen_ist").values()) == {"open"}
    run(engine, body, at(2027, 3, 31))
    assert phase_status(engine)["survey"] == "planned"
    run(engine, body, at(2027, 4, 1))
    assert phase_status(engine)["survey"] == "open"
    assert set(task_status(engine, "befragung").values()) == {"open"}
    run(engine, body, at(2027, 4, 30, 23))
    assert phase_status(engine)["evaluation"] == "open"
    run(engine, body, at(2027, 5, 1))
    status = phases(engine)
    assert status["evaluation"].status == "closed"
    assert status["evaluation"].outcome.startswith("Zeitfenster abgelaufen; versäumt: ")
    assert status["survey"].outcome.startswith("Frist abgelaufen; versäumt: ")
    assert status["forum"].status == "planned"  # opens Monday 03.05.
    run(engine, body, at(2027, 5, 3))
    assert phase_status(engine)["forum"] == "open"


def test_a_year_without_need_for_a_forum_runs_to_its_end(engine, year_2027) -> None:
    body = year_2027
    run(engine, body, at(2027, 4, 1))
    for key in FACTION_KEYS:
        answer(engine, body, key, False, at(2027, 4, 12))
    run(engine, body, at(2027, 4, 20))
    assert strategy_session(engine).status == SessionStatus.not_needed
    run(engine, body, at(2027, 6, 30))
    assert phase_status(engine)["forum"] == "open"
    run(engine, body, at(2027, 7, 1))
    status = phases(engine)
    assert (status["forum"].status, status["forum"].outcome) == ("closed", "nicht erforderlich")
    assert set(task_status(engine, "forum_sitzung").values()) == {"cancelled"}
    assert status["resolution"].status == "closed"
    assert status["resolution"].outcome == "kein Beschluss erforderlich"
    assert set(task_status(engine, "beschlussvorlage").values()) == {"cancelled"}
    assert status["planning"].status == "planned"
    run(engine, body, at(2027, 7, 22))
    assert phase_status(engine)["planning"] == "open"
    with session_scope(engine) as session:
        assert set(versions(session)) == {3}


def test_evaluation_closes_the_day_after_its_window_naming_the_late_department(
    engine, year_2027
) -> None:
    body = year_2027
    run(engine, body, at(2027, 2, 1))
    with session_scope(engine) as session:
        tasks = session.exec(
            select(Task, Deadline.key)
            .join(Deadline, Task.deadline_id == Deadline.id)
            .join(Phase, Deadline.phase_id == Phase.id)
            .where(Phase.kind == "evaluation")
        ).all()
        for task, key in tasks:
            if task.assignee == "department:umwelt" and key == "teilhaushaltsbericht":
                continue
            submit_task(task, session=session, now=at(2027, 3, 1), actor="web:fb")
            review_task(
                task, accept=True, comment=None, session=session, now=at(2027, 3, 2), actor=ERIKA
            )
    run(engine, body, at(2027, 4, 30))
    assert phase_status(engine)["evaluation"] == "open"
    events = run(engine, body, at(2027, 5, 1))
    assert phases(engine)["evaluation"].outcome == (
        "Zeitfenster abgelaufen; versäumt: Fachbereich Umwelt – "
        "Teilhaushaltsbericht mit Bewertung der Zielerreichung vorlegen"
    )
    late = [e.detail for e in events if e.event == "task_late" and e.phase == "evaluation"]
    assert late == [
        "nicht rechtzeitig erledigt: Fachbereich Umwelt – "
        "Teilhaushaltsbericht mit Bewertung der Zielerreichung vorlegen"
    ]


def test_evaluation_closes_early_once_every_task_is_accepted(engine, year_2027) -> None:
    body = year_2027
    run(engine, body, at(2027, 2, 1))
    with session_scope(engine) as session:
        evaluation = select(Phase.id).where(Phase.kind == "evaluation").scalar_subquery()
        tasks = session.exec(
            select(Task)
            .join(Deadline, Task.deadline_id == Deadline.id)
            .where(Deadline.phase_id == evaluation)
        ).all()
        for task in tasks:
            submit_task(task, session=session, now=at(2027, 3, 1), actor="web:fb")
            review_task(
                task, accept=True, comment=None, session=session, now=at(2027, 3, 2), actor=ERIKA
            )
    run(engine, body, at(2027, 3, 3))
    evaluation_phase = phases(engine)["evaluation"]
    assert (evaluation_phase.status, evaluation_phase.outcome) == (
        "closed",
        "alle Aufgaben angenommen",
    )


def test_a_yes_in_the_survey_convenes_the_forum_naming_who_asked(engine, year_2027) -> None:
    survey_asking_for_a_forum(engine, year_2027)
    assert phase_status(engine)["survey"] == "open"  # closed by the flow, not by the answer
    assert set(task_status(engine, "befragung").values()) == {"accepted"}
    events = run(engine, year_2027, at(2027, 4, 20))
    survey = phases(engine)["survey"]
    assert (survey.status, survey.outcome) == ("closed", "alle Fraktionen haben geantwortet")
    row = strategy_session(engine)
    assert (row.kind, row.status, row.trigger) == ("forum", "convened", "survey")
    assert sorted(row.requested_by) == sorted([CDU, GRUENE])
    assert row.reason == "Bedarf in der Befragung"
    invitations = [e for e in events if e.event == "message_queued" and e.phase == "forum"]
    assert len(invitations) == len(FACTION_KEYS)


def test_a_held_forum_closes_its_phase_and_accepts_the_controlling_task(engine, year_2027) -> None:
    forum_held(engine, year_2027)
    assert set(task_status(engine, "forum_sitzung").values()) == {"accepted"}
    row = strategy_session(engine)
    assert (row.status, row.held_on) == ("held", dt.date(2027, 5, 20))
    assert row.participants == ["Landrätin", CDU, GRUENE]
    run(engine, year_2027, at(2027, 5, 21, 11))
    forum = phases(engine)["forum"]
    assert (forum.status, forum.outcome) == ("closed", "Forum Zukunftsstrategie durchgeführt")


def test_the_resolution_phase_waits_for_the_council_then_closes_when_recorded(
    engine, year_2027
) -> None:
    forum_held(engine, year_2027)
    run(engine, year_2027, at(2027, 7, 1))
    assert phase_status(engine)["resolution"] == "open"
    run(engine, year_2027, at(2027, 7, 21, 8))
    assert phase_status(engine)["resolution"] == "open"
    record_resolution(engine, year_2027, dt.date(2027, 7, 21), at(2027, 7, 21, 18))
    assert set(task_status(engine, "beschlussvorlage").values()) == {"accepted"}
    run(engine, year_2027, at(2027, 7, 21, 18, 5))
    resolution = phases(engine)["resolution"]
    assert (resolution.status, resolution.outcome) == ("closed", "Beschluss gefasst")
    assert phase_status(engine)["planning"] == "planned"  # opens 22.07.


def test_a_resolution_not_taken_leaves_the_agreed_changes_without_effect(engine, year_2027) -> None:
    forum_held(engine, year_2027)
    run(engine, year_2027, at(2027, 7, 22))
    resolution = phases(engine)["resolution"]
    assert resolution.status == "closed"
    assert resolution.outcome.startswith("kein Beschluss gefasst: Änderungen nicht wirksam")
    with session_scope(engine) as session:
        assert set(versions(session)) == {3}


@pytest.mark.both_databases
def test_the_resolution_creates_version_2_and_never_overwrites_version_1(engine, year_2027) -> None:
    with session_scope(engine) as session:
        before = priorities_of(session, versions(session)[3])
    resolution_adopted(engine, year_2027)
    with session_scope(engine) as session:
        by_number = versions(session)
        first, second = by_number[3], by_number[4]
        assert set(by_number) == {3, 4}
        assert second.previous_id == first.id
        assert second.adopted_on == dt.date(2027, 7, 21)
        assert second.resolution == "Beschluss KT/2027/045 (Kreistag) vom 21.07.2027"
        assert priorities_of(session, first) == before
        after = priorities_of(session, second)
    assert after["klima-biodiversitaet.4"] == MOORE
    assert after["gesundheit.1"] == HITZE
    assert "bildung.2" not in after
    assert set(after) == set(before) - {"bildung.2"} | {"klima-biodiversitaet.4"}
    unchanged = set(before) - {"bildung.2", "gesundheit.1"}
    assert all(after[code] == before[code] for code in unchanged)


def test_the_resolution_lists_added_changed_and_removed_with_before_and_after(
    engine, year_2027
) -> None:
    with session_scope(engine) as session:
        before = priorities_of(session, versions(session)[3])
    resolution_adopted(engine, year_2027)
    with session_scope(engine) as session:
        resolution = session.exec(select(Resolution)).one()
        by_number = versions(session)
        assert resolution.number == "KT/2027/045"
        assert resolution.previous_version_id == by_number[3].id
        assert resolution.new_version_id == by_number[4].id
    assert resolution.diff == [
        {
            "change": "removed",
            "field": "Bildung",
            "kind": "priority",
            "item": None,
            "priority": "bildung.2",
            "before": before["bildung.2"],
            "after": None,
        },
        {
            "change": "changed",
            "field": "Gesundheit",
            "kind": "priority",
            "item": None,
            "priority": "gesundheit.1",
            "before": before["gesundheit.1"],
            "after": HITZE,
        },
        {
            "change": "added",
            "field": "Klima & Biodiversität",
            "kind": "priority",
            "item": None,
            "priority": "klima-biodiversitaet.4",
            "before": None,
            "after": MOORE,
        },
    ]


@pytest.mark.both_databases
def test_the_budget_resolution_closes_the_cycle_and_creates_the_next(engine, year_2027) -> None:
    resolution_adopted(engine, year_2027)
    run(engine, year_2027, at(2027, 12, 14, 20))
    assert phase_status(engine)["budget_resolution"] == "open"
    assert cycle_status(engine) == CycleStatus.running
    budget_recorded(engine, year_2027, dt.date(2027, 12, 15))
    events = run(engine, year_2027, at(2027, 12, 15, 18))
    budget = phases(engine)["budget_resolution"]
    assert (budget.status, budget.outcome) == (
        "closed",
        "Haushalt beschlossen: Nr. HH/2027/012 vom 15.12.2027",
    )
    assert set(task_status(engine, "haushaltsbeschluss").values()) == {"accepted"}
    assert set(phase_status(engine).values()) == {"closed"}
    assert cycle_status(engine) == CycleStatus.closed
    assert cycle_status(engine, 2028) == CycleStatus.planned
    created = [e.detail for e in events if e.event == "next_cycle_created"]
    assert created and "Ist-Werte der Kennzahlen melden (fällig 21.02.2028)" in created[0]
    with session_scope(engine) as session:
        next_cycle = session.exec(select(Cycle).where(Cycle.year == 2028)).one()
        due = dict(
            session.exec(
                select(Deadline.key, Deadline.due_on).where(Deadline.cycle_id == next_cycle.id)
            ).all()
        )
        assert next_cycle.strategy_version_id == versions(session)[4].id
    # Feb 2028: 1-4 (4), 7-11 (9), 14-18 (14), 21 (15) -> Monday 21.02.2028
    assert due["kennzahlen_ist"] == dt.date(2028, 2, 21)
    assert set(task_status(engine, "kennzahlen_ist", 2028).values()) == {"planned"}


def test_the_last_year_of_the_calendar_closes_and_leaves_the_next_cycle_pending(
    engine, loerrach
) -> None:
    # calendar.toml lists council sessions up to 2030: the 2031 cycle cannot be planned yet.
    # The 2030 cycle must still close on its budget session, saying why 2031 is missing.
    create(engine, loerrach, 2030)
    budget_recorded(engine, loerrach, dt.date(2030, 12, 11))
    events = run(engine, loerrach, at(2030, 12, 11, 18), year=2030)
    assert cycle_status(engine, 2030) == CycleStatus.closed
    pending = [e.detail for e in events if e.event == "next_cycle_pending"]
    assert pending and pending[0].startswith("Kreislauf 2031 noch nicht angelegt: ")
    with session_scope(engine) as session:
        assert session.exec(select(Cycle).where(Cycle.year == 2031)).first() is None
    counts = row_counts(engine)
    run(engine, loerrach, at(2030, 12, 12), year=2030)  # the next day's tick does not fail
    assert row_counts(engine) == counts


@pytest.mark.both_databases
def test_reconciling_twice_at_the_same_moment_changes_nothing(engine, year_2027) -> None:
    body = year_2027
    moments = [at(2027, 2, 1), at(2027, 4, 1), None, at(2027, 4, 20), at(2027, 5, 3)]
    for moment in moments:
        if moment is None:
            for key in FACTION_KEYS:
                answer(engine, body, key, key == "cdu", at(2027, 4, 12))
            continue
        assert run(engine, body, moment)
        counts = row_counts(engine)
        assert run(engine, body, moment) == []
        assert row_counts(engine) == counts
    record_forum(engine, body, dt.date(2027, 5, 20), at(2027, 5, 21, 10))
    for moment in (at(2027, 5, 21, 11), at(2027, 7, 1)):
        assert run(engine, body, moment)
        counts = row_counts(engine)
        assert run(engine, body, moment) == []
        assert row_counts(engine) == counts
    record_resolution(engine, body, dt.date(2027, 7, 21), at(2027, 7, 21, 18))
    for moment in (at(2027, 7, 21, 18, 5), at(2027, 12, 15, 18)):
        assert run(engine, body, moment)
        counts = row_counts(engine)
        statuses = phase_status(engine)
        assert run(engine, body, moment) == []
        assert row_counts(engine) == counts
        assert phase_status(engine) == statuses


# =========================================================================== election year


def test_election_year_survey_convenes_nothing_and_the_retreat_meets_in_autumn(
    engine, year_2029
) -> None:
    body = year_2029
    run(engine, body, at(2029, 4, 3), year=2029)  # Easter Monday was 02.04.
    assert phase_status(engine, 2029)["survey"] == "open"
    answer(engine, body, "cdu", True, at(2029, 4, 10), year=2029)
    events = run(engine, body, at(2029, 5, 2), year=2029)
    notes = [e.detail for e in events if e.event == "survey_outcome"]
    assert notes == ["Wahljahr: die Klausurtagung ist geplant; Bedarf gemeldet von CDU-Fraktion"]
    assert strategy_session(engine, 2029) is None
    run(engine, body, at(2029, 9, 2), year=2029)
    assert phase_status(engine, 2029)["retreat"] == "planned"
    run(engine, body, at(2029, 9, 3), year=2029)
    assert phase_status(engine, 2029)["retreat"] == "open"
    row = strategy_session(engine, 2029)
    assert (row.kind, row.status, row.trigger, row.reason) == (
        "retreat",
        "convened",
        "election",
        "Wahljahr",
    )


# =========================================================================== priority codes


def test_a_removed_priority_code_is_never_reused_by_a_later_resolution(engine, year_2027) -> None:
    body = year_2027
    removal = ChangeSet(
        changes=[Change(action="remove_priority", priority="klima-biodiversitaet.3")]
    )
    convene_by_administration(engine, body, at(2027, 5, 4))
    record_forum(engine, body, dt.date(2027, 5, 20), at(2027, 5, 21), changes=removal)
    record_resolution(engine, body, dt.date(2027, 7, 21), at(2027, 7, 21, 18))
    run(engine, body, at(2027, 12, 16, 6))  # no budget resolution: 2028 is created all the same
    assert cycle_status(engine, 2028) == CycleStatus.planned

    addition = ChangeSet(
        changes=[Change(action="add_priority", field="klima-biodiversitaet", text=MOORE)]
    )
    convene_by_administration(engine, body, at(2028, 5, 3), year=2028)
    record_forum(engine, body, dt.date(2028, 5, 17), at(2028, 5, 18), changes=addition, year=2028)
    record_resolution(
        engine, body, dt.date(2028, 7, 19), at(2028, 7, 19, 18), number="KT/2028/031", year=2028
    )
    with session_scope(engine) as session:
        third = versions(session)[5]
        codes = priorities_of(session, third)
        resolution = session.exec(
            select(Resolution).where(Resolution.number == "KT/2028/031")
        ).one()
        all_codes = session.exec(
            select(Priority.code).where(Priority.code.like("klima-biodiversitaet.%"))
        ).all()
    klima = sorted(code for code in codes if code.startswith("klima-biodiversitaet."))
    assert klima == ["klima-biodiversitaet.1", "klima-biodiversitaet.2", "klima-biodiversitaet.4"]
    assert codes["klima-biodiversitaet.4"] == MOORE
    assert [entry["priority"] for entry in resolution.diff] == ["klima-biodiversitaet.4"]
    assert "klima-biodiversitaet.3" in set(all_codes)  # still in version 3, never reused


def test_apply_change_set_skips_every_code_used_before() -> None:
    content = StrategyContent(
        (FieldContent("mobilitaet", "Mobilität", (), (("mobilitaet.1", "ÖPNV stärken"),)),)
    )
    change_set = ChangeSet(
        changes=[
            Change(action="add_priority", field="mobilitaet", text="Radwege ausbauen"),
            Change(action="add_priority", field="mobilitaet", text="Barrierefreie Haltestellen"),
        ]
    )
    new = apply_change_set(
        content, change_set, used_codes={"mobilitaet.1", "mobilitaet.2"}, products=()
    )
    assert new.fields[0].priorities == (
        ("mobilitaet.1", "ÖPNV stärken"),
        ("mobilitaet.3", "Radwege ausbauen"),
        ("mobilitaet.4", "Barrierefreie Haltestellen"),
    )
    assert content.fields[0].priorities == (("mobilitaet.1", "ÖPNV stärken"),)  # untouched
