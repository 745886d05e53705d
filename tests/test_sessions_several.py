"""Sessions as the body decides them: either kind in any year, thematic retreats beside the
main session, several sessions in one cycle adopted by one resolution (issue 15)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.body import Body
from models.change_set import Change, ChangeSet, combine_change_sets
from models.commands import Convene, RecordResolution, RecordSession
from models.db import session_scope
from models.decisions import Resolution, SessionKind, StrategySession
from models.errors import ConflictError, KreislaufError, NotFoundError
from models.strategy_versions import StrategyVersion
from services.cycle_views import decision_lines
from services.cycles import get_cycle
from tests.conftest import row_counts
from tests.test_commands import CHANGES, at, cycle_2027, decide, refused, refused_when_built

__all__ = ["cycle_2027"]  # the fixture, imported for pytest

pytestmark = pytest.mark.both_databases


def mobility(text: str) -> ChangeSet:
    return ChangeSet(
        participants=["Kreisrat A"],
        changes=[Change(action="change_priority", priority="mobilitaet.1", text=text)],
    )


def versions(engine: sa.Engine) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(StrategyVersion.id)).all())


def sessions(engine: sa.Engine) -> list[StrategySession]:
    with session_scope(engine) as session:
        return list(session.exec(select(StrategySession).order_by(StrategySession.id)).all())


def test_a_retreat_outside_an_election_year_is_resolved_into_a_new_version(
    engine: sa.Engine, cycle_2027: Body
) -> None:
    before = versions(engine)
    retreat = Convene(2027, "Größere Änderungen nach dem Klimagutachten", SessionKind.retreat)
    outcome = decide(engine, cycle_2027, retreat, at(5, 4))
    assert outcome.events[0].detail == (
        "Klausurtagung einberufen: Größere Änderungen nach dem Klimagutachten"
    )
    decide(engine, cycle_2027, RecordSession(2027, at(5, 20).date(), CHANGES), at(5, 21))
    adopted = decide(
        engine, cycle_2027, RecordResolution(2027, "KT/2027/050", at(7, 21).date()), at(7, 21)
    )
    assert adopted.record.diff[0]["after"] == CHANGES.changes[0].text
    assert versions(engine) == before + 1
    [row] = sessions(engine)
    assert (row.kind, row.status, row.field_key) == ("retreat", "held", "")
    assert adopted.record.session_ids == [row.id]


def test_two_sessions_in_one_cycle_are_adopted_by_one_resolution(
    engine: sa.Engine, cycle_2027: Body
) -> None:
    decide(engine, cycle_2027, Convene(2027, "Klimaschutz"), at(5, 4))
    thematic = decide(engine, cycle_2027, Convene(2027, "ÖPNV", field="Mobilität"), at(5, 5))
    assert thematic.events[0].detail.startswith(
        "Klausurtagung zum Handlungsfeld Mobilität einberufen: ÖPNV"
    )
    # with two convened, which one is recorded must be said
    unclear = RecordSession(2027, at(5, 20).date(), CHANGES)
    error = refused(engine, cycle_2027, unclear, at(5, 21), KreislaufError)
    assert error.field == "session"
    assert "1 Forum Zukunftsstrategie (einberufen), 2 Klausurtagung zum Handlungsfeld " in str(
        error
    )
    decide(engine, cycle_2027, RecordSession(2027, at(5, 20).date(), CHANGES, 1), at(5, 21))
    ours = mobility("Der Landkreis baut den Busverkehr im ländlichen Raum aus.")
    decide(engine, cycle_2027, RecordSession(2027, at(6, 10).date(), ours, 2), at(6, 11))
    early = RecordResolution(2027, "KT/2027/051", at(6, 1).date())
    assert refused(engine, cycle_2027, early, at(7, 21), KreislaufError).field == "adopted_on"
    outcome = decide(
        engine, cycle_2027, RecordResolution(2027, "KT/2027/051", at(7, 21).date()), at(7, 21)
    )
    assert {entry["change"] for entry in outcome.record.diff} == {"added", "changed"}
    assert outcome.events[0].detail == (
        "Beschluss KT/2027/051 vom 21.07.2027: 2 Änderungen (aus Forum Zukunftsstrategie, "
        "Klausurtagung zum Handlungsfeld Mobilität)"
    )
    main, topic = sessions(engine)
    assert (main.kind, main.field_key, topic.kind, topic.field_key) == (
        "forum",
        "",
        "retreat",
        "mobilitaet",
    )
    assert outcome.record.session_ids == [main.id, topic.id]
    with session_scope(engine) as session:
        cycle = get_cycle(session=session, body=cycle_2027, year=2027)
        lines = decision_lines(session=session, cycle=cycle)
    assert any(
        line.startswith("Sitzung 1: Forum Zukunftsstrategie: durchgeführt") for line in lines
    )
    assert any(
        line.startswith("Sitzung 2: Klausurtagung zum Handlungsfeld Mobilität: durchgeführt")
        for line in lines
    )
    # after the resolution no further session is convened in this cycle
    late = Convene(2027, "Noch ein Thema", field="gesundheit")
    assert "nächste Kreislauf" in str(refused(engine, cycle_2027, late, at(7, 22), ConflictError))


def test_conflicting_change_sets_are_refused_naming_both(
    engine: sa.Engine, cycle_2027: Body
) -> None:
    decide(engine, cycle_2027, Convene(2027, "Klimaschutz"), at(5, 4))
    decide(engine, cycle_2027, Convene(2027, "ÖPNV", field="mobilitaet"), at(5, 5))
    main = mobility("Der Landkreis setzt auf den Schienenverkehr.")
    decide(engine, cycle_2027, RecordSession(2027, at(5, 20).date(), main, 1), at(5, 21))
    other = RecordSession(2027, at(6, 10).date(), mobility("Der Landkreis setzt auf Busse."), 2)
    error = refused(engine, cycle_2027, other, at(6, 11), KreislaufError)
    assert error.problems == [
        "Schwerpunkt mobilitaet.1: Forum Zukunftsstrategie und Klausurtagung zum Handlungsfeld "
        "Mobilität vereinbaren Unterschiedliches."
    ]
    assert [row.status for row in sessions(engine)] == ["held", "convened"]


def test_the_resolution_checks_the_change_sets_as_a_whole() -> None:
    same = mobility("Gleich.")
    combined = combine_change_sets([("Forum", same), ("Klausurtagung", same)])
    assert list(combined.changes) == list(same.changes)  # agreed twice counts once
    with pytest.raises(KreislaufError) as caught:
        combine_change_sets([("Forum", same), ("Klausurtagung", mobility("Anders."))])
    assert "Forum und Klausurtagung vereinbaren Unterschiedliches" in caught.value.problems[0]


def test_bad_input_is_refused_in_german_and_nothing_is_written(
    engine: sa.Engine, cycle_2027: Body
) -> None:
    unknown = Convene(2027, "Thema", field="Raumfahrt")
    error = refused(engine, cycle_2027, unknown, at(5, 4), NotFoundError)
    assert error.field == "field"
    assert "Das Handlungsfeld 'Raumfahrt' gibt es in der geltenden Strategie nicht" in str(error)
    assert refused_when_built(lambda: Convene(2027, "  ", SessionKind.retreat)).field == "reason"
    error = refused_when_built(lambda: Convene(2027, "Thema", SessionKind.forum, "mobilitaet"))
    assert (error.field, str(error)) == (
        "kind",
        "Eine thematische Sitzung zu einem Handlungsfeld ist eine Klausurtagung.",
    )
    assert refused_when_built(lambda: Convene(2027, "x" * 2001)).field == "reason"
    decide(engine, cycle_2027, Convene(2027, "Klimaschutz"), at(5, 4))
    before = row_counts(engine)
    nowhere = RecordSession(2027, at(5, 20).date(), CHANGES, 7)
    error = refused(engine, cycle_2027, nowhere, at(5, 21), KreislaufError)
    assert (error.field, str(error).split(" (")[0]) == (
        "session",
        "Eine Sitzung Nr. 7 gibt es 2027 nicht",
    )
    assert row_counts(engine) == before
    with session_scope(engine) as session:
        assert session.exec(select(Resolution.id)).first() is None


def test_the_council_paper_shows_the_changes_of_every_session(
    engine: sa.Engine, cycle_2027: Body
) -> None:
    """Before the resolution the paper's synopsis is what the resolution would adopt: the
    main forum's changes and the thematic retreat's."""
    from services.council_paper import council_paper

    decide(engine, cycle_2027, Convene(2027, "Klimaschutz"), at(5, 4))
    decide(engine, cycle_2027, Convene(2027, "ÖPNV", field="Mobilität"), at(5, 5))
    decide(engine, cycle_2027, RecordSession(2027, at(5, 20).date(), CHANGES, 1), at(5, 21))
    bus = "Der Landkreis baut den Busverkehr im ländlichen Raum aus."
    decide(engine, cycle_2027, RecordSession(2027, at(6, 10).date(), mobility(bus), 2), at(6, 11))
    with session_scope(engine) as session:
        paper = council_paper(session=session, body=cycle_2027, year=2027)
    news = [row.after for row in paper.synopsis]
    assert bus in news
    assert CHANGES.changes[0].text in news
