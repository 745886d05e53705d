"""Forum and retreat: convene, record that none is needed, record the session held.

One module for both because they are the same aggregate (a strategy session) of two kinds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from models import audit
from models.calendar_rules.spec import PhaseKind
from models.change_set import ChangeSet, apply_change_set
from models.cycle import Cycle, PhaseStatus
from models.db import id_of, table_of
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
    values: dict[str, Any] = {
        "status": SessionStatus.convened.value,
        "trigger": trigger.value,
        "reason": reason,
        "requested_by": list(requested_by),
        "decided_at": now,
    }
    convened, before = _convene_once(cycle, kind, values, session=session)
    if convened is None:
        if trigger != SessionTrigger.administration:
            return []
        row = get_strategy_session(cycle, session=session)
        how = f" ({SessionTrigger(row.trigger).label})" if row and row.trigger else ""
        raise ConflictError(f"{kind.label} {cycle.year} ist bereits einberufen{how}.")
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action=f"{kind.value}.convened",
        entity="strategy_session",
        entity_id=convened.id,
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


def _convene_once(
    cycle: Cycle, kind: SessionKind, values: dict[str, Any], *, session: Session
) -> tuple[StrategySession | None, dict[str, Any] | None]:
    """The session row this call convened and its status before; None when it was convened
    already (before, or by a concurrent call: the unique key or the conditional UPDATE)."""
    row = get_strategy_session(cycle, session=session)
    if row is None:
        new = StrategySession(body_id=cycle.body_id, cycle_id=id_of(cycle), kind=kind, **values)
        try:
            with session.begin_nested():
                session.add(new)
                session.flush()
            return new, None
        except sa.exc.IntegrityError:  # inserted concurrently: convened, or found not needed
            row = get_strategy_session(cycle, session=session)
    if row is not None and SessionStatus(row.status) == SessionStatus.not_needed:
        if _claim(row, SessionStatus.not_needed, values, session=session):
            return row, {"status": SessionStatus.not_needed.value}
    return None, None


def _claim(
    row: StrategySession, old: SessionStatus, values: dict[str, Any], *, session: Session
) -> bool:
    """Write `values` if `row` still has status `old` (one caller wins a race); on losing,
    `row` is reloaded so that the refusal can say what the winner recorded."""
    table = table_of(StrategySession)
    # a Core UPDATE gives a CursorResult; Session.execute is typed for every statement
    result = cast(
        "sa.CursorResult[Any]",
        session.execute(
            sa.update(table).where(table.c.id == row.id, table.c.status == old.value).values(values)
        ),
    )
    if result.rowcount != 1:
        session.refresh(row)
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    return True


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
        raise _already_held(cycle, row)
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
    held = {
        "status": SessionStatus.held.value,
        "held_on": held_on,
        "participants": list(change_set.participants),
        "change_set": change_set.model_dump(mode="json"),
    }
    if not _claim(row, SessionStatus.convened, held, session=session):
        raise _already_held(cycle, row)  # recorded concurrently
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


def _already_held(cycle: Cycle, row: StrategySession) -> ConflictError:
    held = f" (am {german_date(row.held_on)})" if row.held_on else ""
    return ConflictError(
        f"{SessionKind(row.kind).label} {cycle.year} ist bereits festgehalten{held}."
    )
