"""People's decisions in a cycle (CLI, web, simulation script), and the messages they cause."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, select

from models.body import Body
from models.calendar_rules import PhaseKind
from models.change_set import ChangeSet
from models.cycle import Cycle
from models.decisions import SessionKind, SessionTrigger, StrategySession
from models.errors import KreislaufError, NotFoundError
from models.organisation import Faction
from models.transitions import (
    Event,
    answer_survey,
    convene,
    get_phase,
    record_resolution,
    record_session,
)
from notifications.messages import session_invitation
from notifications.outbox import enqueue


def find_faction(*, session: Session, body: Body, name: str) -> Faction:
    """A faction by key or name (case-insensitive), as people type it."""
    factions = session.exec(select(Faction).where(Faction.body_id == body.id)).all()
    wanted = name.strip().casefold()
    for faction in factions:
        if wanted in (faction.key.casefold(), faction.name.casefold()):
            return faction
    known = ", ".join(f"{f.name} ({f.key})" for f in factions) or "keine"
    raise NotFoundError(f"--faction: die Fraktion {name!r} gibt es nicht (vorhanden: {known}).")


def survey_answer(
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    faction_name: str,
    need: bool,
    comment: str | None,
    now: dt.datetime,
    actor: str,
) -> list[Event]:
    faction = find_faction(session=session, body=body, name=faction_name)
    return answer_survey(
        cycle,
        faction,
        need=need,
        comment=comment,
        session=session,
        now=now,
        actor=actor,
        today=body.local_date(now),
    )


def convene_session(
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    trigger: SessionTrigger,
    reason: str | None,
    requested_by: tuple[str, ...] = (),
    now: dt.datetime,
    actor: str,
) -> list[Event]:
    """Convene the forum (the retreat in an election year) and invite the faction leaders."""
    kind = SessionKind.retreat if cycle.election_year else SessionKind.forum
    if trigger == SessionTrigger.administration and not (reason or "").strip():
        raise KreislaufError("--reason: bitte den Anlass der Einberufung angeben.")
    today = body.local_date(now)
    events = convene(
        cycle,
        kind,
        trigger=trigger,
        reason=reason,
        requested_by=requested_by,
        session=session,
        now=now,
        actor=actor,
        today=today,
    )
    if events:
        events += invite_factions(session=session, body=body, cycle=cycle, now=now)
    return events


def invite_factions(*, session: Session, body: Body, cycle: Cycle, now: dt.datetime) -> list[Event]:
    row = session.exec(select(StrategySession).where(StrategySession.cycle_id == cycle.id)).one()
    kind = SessionKind(row.kind)
    phase = get_phase(cycle, PhaseKind(kind.value), session=session)
    assert phase is not None
    reason = row.reason or SessionTrigger(row.trigger).label
    factions = session.exec(
        select(Faction).where(Faction.body_id == body.id).order_by(Faction.name)
    ).all()
    messages = [
        session_invitation(
            body_slug=body.slug,
            faction_key=f.key,
            faction_name=f.name,
            leader=f.leader,
            address=f.email,
            year=cycle.year,
            kind_label=kind.label,
            window=(phase.opens_on, phase.closes_on),
            reason=reason,
        )
        for f in factions
    ]
    return queued(messages, session=session, body=body, now=now, phase=PhaseKind(kind.value))


def queued(
    messages,
    *,
    session: Session,
    body: Body,
    now: dt.datetime,  # type: ignore[no-untyped-def]
    phase: PhaseKind,
) -> list[Event]:
    """Enqueue and report only the messages that were new (a re-run queues nothing)."""
    events = []
    today = body.local_date(now)
    for message in messages:
        if enqueue([message], session=session, body_id=body.id, now=now):  # type: ignore[arg-type]
            events.append(
                Event(today, phase, "message_queued", f"{message.subject} → {message.address}")
            )
    return events


def load_change_set(path: Path) -> ChangeSet:
    """Read a change set file (TOML); errors name the file and key, in German."""
    from config.loader import load_toml_model

    return load_toml_model(path, ChangeSet, option="--changes", what="Die Änderungsdatei")


def forum_record(
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    held_on: dt.date,
    change_set: ChangeSet,
    now: dt.datetime,
    actor: str,
) -> list[Event]:
    return record_session(
        cycle,
        held_on=held_on,
        change_set=change_set,
        session=session,
        now=now,
        actor=actor,
        today=body.local_date(now),
    )


def resolution_record(
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    number: str,
    adopted_on: dt.date,
    now: dt.datetime,
    actor: str,
) -> list[Event]:
    if not number.strip():
        raise KreislaufError("--number: bitte die Beschlussnummer angeben, z. B. KT/2027/045.")
    return record_resolution(
        cycle,
        number=number.strip(),
        adopted_on=adopted_on,
        session=session,
        now=now,
        actor=actor,
        today=body.local_date(now),
    )
