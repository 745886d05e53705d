"""What people's decisions and the reconcile steps share: finding a faction as people type
it, convening the forum or retreat with its invitations, reading a change set file.

The decisions themselves are handled in services.commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session, select

from models.body import Body
from models.calendar_rules import PhaseKind
from models.change_set import ChangeSet
from models.cycle import Cycle
from models.db import id_of
from models.decisions import SessionKind, SessionTrigger
from models.errors import NotFoundError
from models.organisation import Faction
from models.transitions import Event, convene
from models.transitions.sessions import (
    cycle_sessions,
    default_kind,
    field_names,
    session_name,
    session_phase,
)
from notifications.messages import session_invitation
from notifications.outbox import Message, enqueue


def find_faction(*, session: Session, body: Body, name: str) -> Faction:
    """A faction by key or name (case-insensitive), as people type it."""
    factions = session.exec(select(Faction).where(Faction.body_id == body.id)).all()
    wanted = name.strip().casefold()
    for faction in factions:
        if wanted in (faction.key.casefold(), faction.name.casefold()):
            return faction
    known = ", ".join(f"{f.name} ({f.key})" for f in factions) or "keine"
    raise NotFoundError(
        f"Die Fraktion {name!r} gibt es nicht (vorhanden: {known}).", field="faction"
    )


def convene_session(
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    trigger: SessionTrigger,
    reason: str | None,
    requested_by: tuple[str, ...] = (),
    kind: SessionKind | None = None,
    field: str | None = None,
    now: dt.datetime,
    actor: str,
) -> list[Event]:
    """Convene a session (by default the forum, the retreat in an election year) and invite
    the faction leaders."""
    kind = kind or default_kind(cycle.election_year)
    today = body.local_date(now)
    events = convene(
        cycle,
        kind,
        trigger=trigger,
        reason=reason,
        requested_by=requested_by,
        field=field,
        session=session,
        now=now,
        actor=actor,
        today=today,
    )
    if events:
        events += invite_factions(session=session, body=body, cycle=cycle, now=now)
    return events


def invite_factions(*, session: Session, body: Body, cycle: Cycle, now: dt.datetime) -> list[Event]:
    """Invite to the session convened last (the first session's invitations keep their key)."""
    rows = cycle_sessions(cycle, session=session)
    row = rows[-1]
    kind = SessionKind(row.kind)
    phase = session_phase(cycle, kind, session=session)
    if phase is None:  # convene() refuses a session without its phase
        return []
    names = field_names(session=session, body_id=id_of(body)) if row.field_key else {}
    reason = row.reason or (SessionTrigger(row.trigger).label if row.trigger else "")
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
            kind_label=session_name(row, names),
            window=(phase.opens_on, phase.closes_on),
            reason=reason,
            session_key="" if len(rows) == 1 else f":{len(rows)}",
        )
        for f in factions
    ]
    return queued(messages, session=session, body=body, now=now, phase=PhaseKind(phase.kind))


def queued(
    messages: Iterable[Message],
    *,
    session: Session,
    body: Body,
    now: dt.datetime,
    phase: PhaseKind,
) -> list[Event]:
    """Enqueue and report only the messages that were new (a re-run queues nothing)."""
    events = []
    today = body.local_date(now)
    for message in messages:
        if enqueue([message], session=session, body_id=id_of(body), now=now):
            events.append(
                Event(today, phase, "message_queued", f"{message.subject} → {message.address}")
            )
    return events


def load_change_set(path: Path) -> ChangeSet:
    """Read a change set file (TOML); errors name the file and key, in German."""
    from config.loader import load_toml_model

    return load_toml_model(path, ChangeSet, field="change_set", what="Die Änderungsdatei")
