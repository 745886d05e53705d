"""Forum and retreat: convene, record that none is needed, record the session held.

One module for both because they are the same aggregate (a strategy session) of two kinds.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from models import audit
from models.calendar_rules.spec import PhaseKind
from models.change_set import ChangeSet, apply_change_set
from models.cycle import Cycle, PhaseStatus
from models.db import id_of
from models.decisions import (
    SessionKind,
    SessionStatus,
    SessionTrigger,
    StrategySession,
)
from models.errors import ConflictError, KreislaufError, Remedy
from models.german import german_date, plural
from models.strategy_versions import (
    current_version,
    load_content,
    used_priority_codes,
)
from models.transitions.cycle import complete_phase_tasks, get_phase, require_open_cycle
from models.transitions.status import Event


def get_strategy_session(cycle: Cycle, *, session: Session) -> StrategySession | None:
    return session.exec(select(StrategySession).where(StrategySession.cycle_id == cycle.id)).first()


def convene(
    cycle: Cycle,
    kind: SessionKind,
    *,
    trigger: SessionTrigger,
    reason: str | None,
    requested_by: tuple[str, ...] = (),
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    """Convene the cycle's forum or retreat. An administrator convening twice is refused; the
    survey's or the election's convening is skipped when one exists already."""
    require_open_cycle(id_of(cycle), session=session)
    phase_kind = PhaseKind(kind.value)
    phase = get_phase(cycle, phase_kind, session=session)
    if phase is None:
        if kind == SessionKind.forum:
            text = "kein Forum Zukunftsstrategie vorgesehen; im Wahljahr tagt die Klausurtagung"
        else:
            text = "keine Klausurtagung vorgesehen (kein Wahljahr); stattdessen das Forum"
        raise ConflictError(f"Für {cycle.year} ist {text}.")
    if PhaseStatus(phase.status) == PhaseStatus.closed or today > phase.closes_on:
        raise ConflictError(
            f"Das Zeitfenster für die Phase „{phase.title}“ {cycle.year} ist "
            f"abgelaufen ({german_date(phase.closes_on)})."
        )
    existing = get_strategy_session(cycle, session=session)
    if existing is not None and SessionStatus(existing.status) != SessionStatus.not_needed:
        if trigger != SessionTrigger.administration:
            return []
        how = f" ({SessionTrigger(existing.trigger).label})" if existing.trigger else ""
        raise ConflictError(f"{kind.label} {cycle.year} ist bereits einberufen{how}.")
    before = None
    if existing is None:
        existing = StrategySession(
            body_id=cycle.body_id,
            cycle_id=id_of(cycle),
            kind=kind,
            status=SessionStatus.convened,
            decided_at=now,
        )
        session.add(existing)
    else:
        before = {"status": existing.status}
    existing.status = SessionStatus.convened
    existing.trigger = trigger
    existing.reason = reason
    existing.requested_by = list(requested_by)
    existing.decided_at = now
    session.flush()
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action=f"{kind.value}.convened",
        entity="strategy_session",
        entity_id=existing.id,
        body_id=cycle.body_id,
        before=before,
        after={"trigger": trigger.value, "reason": reason, "requested_by": list(requested_by)},
    )
    why = reason or trigger.label
    if requested_by:
        why += f" (gewünscht von {', '.join(requested_by)})"
    return [
        Event(
            today,
            phase_kind if trigger != SessionTrigger.survey else PhaseKind.survey,
            "session_convened",
            f"{kind.label} einberufen: {why}",
        )
    ]


def record_not_needed(
    cycle: Cycle, *, session: Session, now: dt.datetime, actor: str, today: dt.date, reason: str
) -> list[Event]:
    """The survey found no need; recorded so that nobody has to wonder why no forum met."""
    if get_strategy_session(cycle, session=session) is not None:
        return []
    row = StrategySession(
        body_id=cycle.body_id,
        cycle_id=id_of(cycle),
        kind=SessionKind.forum,
        status=SessionStatus.not_needed,
        trigger=SessionTrigger.survey,
        reason=reason,
        decided_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except sa.exc.IntegrityError:  # recorded concurrently
        return []
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="forum.not_needed",
        entity="strategy_session",
        entity_id=row.id,
        body_id=cycle.body_id,
        after={"reason": reason},
    )
    return [
        Event(today, PhaseKind.survey, "forum_not_needed", f"Kein Forum erforderlich: {reason}")
    ]


def record_session(
    cycle: Cycle,
    *,
    held_on: dt.date,
    change_set: ChangeSet,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    """Record that the forum or retreat was held, who took part and the agreed change set."""
    require_open_cycle(id_of(cycle), session=session)
    row = get_strategy_session(cycle, session=session)
    if row is None or SessionStatus(row.status) == SessionStatus.not_needed:
        raise ConflictError(
            f"Für {cycle.year} ist weder ein Forum noch eine Klausurtagung einberufen.",
            hint="Bitte zuerst einberufen.",
            remedy=Remedy.convene,
        )
    kind = SessionKind(row.kind)
    if SessionStatus(row.status) == SessionStatus.held:
        held = f" (am {german_date(row.held_on)})" if row.held_on else ""
        raise ConflictError(f"{kind.label} {cycle.year} ist bereits festgehalten{held}.")
    if held_on > today:
        raise KreislaufError(f"{german_date(held_on)} liegt in der Zukunft.", field="held_on")
    if held_on.year != cycle.year:
        raise KreislaufError(
            f"{german_date(held_on)} liegt nicht im Jahr {cycle.year}.", field="held_on"
        )
    version = current_version(session=session, body_id=cycle.body_id)
    apply_change_set(
        load_content(session=session, version=version),
        change_set,
        used_codes=used_priority_codes(session=session, body_id=cycle.body_id),
    )
    row.status = SessionStatus.held
    row.held_on = held_on
    row.participants = list(change_set.participants)
    row.change_set = change_set.model_dump(mode="json")
    session.flush()
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action=f"{kind.value}.held",
        entity="strategy_session",
        entity_id=row.id,
        body_id=cycle.body_id,
        before={"status": "convened"},
        after={
            "held_on": held_on.isoformat(),
            "participants": row.participants,
            "changes": len(change_set.changes),
        },
    )
    phase_kind = PhaseKind(kind.value)
    events = [
        Event(
            today,
            phase_kind,
            "session_held",
            f"{kind.label} am {german_date(held_on)}: "
            f"{plural(len(change_set.changes), 'vereinbarte Änderung', 'vereinbarte Änderungen')}"
            f", {len(change_set.participants)} Teilnehmende",
        )
    ]
    phase = get_phase(cycle, phase_kind, session=session)
    if phase is not None:
        events += complete_phase_tasks(
            phase,
            session=session,
            now=now,
            actor=actor,
            today=today,
            why=f"{kind.label} festgehalten",
        )
    return events
