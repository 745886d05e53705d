"""The council's strategy resolution: recorded once, after the sessions, as a new strategy
version adopting every held session's change set not yet resolved.

Apart from the sessions because it changes the strategy itself, not only the cycle.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from models import audit
from models.body import Body
from models.calendar_rules.spec import PhaseKind
from models.change_set import combine_change_sets, stored_change_set
from models.cycle import Cycle, PhaseStatus
from models.db import id_of
from models.decisions import Resolution, SessionStatus
from models.errors import ConflictError, KreislaufError, Remedy
from models.german import german_date, plural
from models.strategy_diff import diff_strategies
from models.strategy_versions import (
    applied,
    create_next_version,
    current_version,
    load_content,
)
from models.transitions.cycle import complete_phase_tasks, get_phase, require_open_cycle
from models.transitions.sessions import (
    cycle_sessions,
    field_names,
    session_name,
    unresolved_held,
)
from models.transitions.status import Event


def record_resolution(
    cycle: Cycle,
    *,
    number: str,
    adopted_on: dt.date,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
    paper_reference: str | None = None,
) -> list[Event]:
    """The council adopts the sessions' change sets, checked as a whole before anything is
    written: a new strategy version, with its diff and the sessions it resolved."""
    require_open_cycle(id_of(cycle), session=session)
    if session.exec(select(Resolution.id).where(Resolution.cycle_id == cycle.id)).first():
        raise ConflictError(f"Für {cycle.year} ist bereits ein Beschluss festgehalten.")
    rows = unresolved_held(cycle, session=session)
    if not rows:
        raise ConflictError(
            f"Für {cycle.year} ist noch kein Forum und keine Klausurtagung mit vereinbarten "
            "Änderungen festgehalten; ohne sie gibt es nichts zu beschließen.",
            hint="Bitte zuerst die Sitzung festhalten.",
            remedy=Remedy.record_session,
        )
    open_rows = [
        r for r in cycle_sessions(cycle, session=session) if r.status == SessionStatus.convened
    ]
    if open_rows:  # adopted later, its changes would wait for a resolution that never comes
        names = field_names(session=session, body_id=cycle.body_id)
        raise ConflictError(
            f"{session_name(open_rows[0], names)} {cycle.year} ist einberufen, aber noch nicht "
            "festgehalten; der Beschluss umfasst alle Sitzungen des Kreislaufs.",
            hint="Bitte zuerst die Sitzung festhalten.",
            remedy=Remedy.record_session,
        )
    phase = get_phase(cycle, PhaseKind.resolution, session=session)
    if phase is not None and PhaseStatus(phase.status) == PhaseStatus.closed:
        raise ConflictError(
            f"Die Phase „{phase.title}“ {cycle.year} ist beendet "
            f"({phase.outcome}); ein Beschluss wird im nächsten Kreislauf "
            "festgehalten."
        )
    last_held = max((r.held_on for r in rows if r.held_on), default=None)
    if last_held is not None and adopted_on < last_held:
        raise KreislaufError(
            f"Der Beschluss ({german_date(adopted_on)}) kann nicht vor "
            f"der Sitzung ({german_date(last_held)}) liegen.",
            field="adopted_on",
        )
    if adopted_on > today:
        raise KreislaufError(f"{german_date(adopted_on)} liegt in der Zukunft.", field="adopted_on")
    body = session.get_one(Body, cycle.body_id)  # the cycle's foreign key
    previous = current_version(session=session, body_id=cycle.body_id)
    old = load_content(session=session, version=previous)
    names = field_names(session=session, body_id=cycle.body_id)
    combined = combine_change_sets(
        [
            (session_name(r, names), stored_change_set(r.change_set, what=session_name(r, names)))
            for r in rows
        ]
    )
    new = applied(session=session, body_id=cycle.body_id, content=old, change_set=combined)
    try:
        # the version and the resolution together: a concurrent resolution of the cycle
        # collides on the version's number or on the resolution's cycle, and neither is kept
        with session.begin_nested():
            version = create_next_version(
                session=session,
                previous=previous,
                content=new,
                adopted_on=adopted_on,
                resolution=f"Beschluss {number} ({body.council}) vom {german_date(adopted_on)}",
                now=now,
            )
            diff = diff_strategies(old, new)
            resolution = Resolution(
                body_id=cycle.body_id,
                cycle_id=id_of(cycle),
                session_id=id_of(rows[0]),
                session_ids=[id_of(r) for r in rows],
                number=number,
                adopted_on=adopted_on,
                previous_version_id=id_of(previous),
                new_version_id=id_of(version),
                diff=diff,
                recorded_at=now,
                paper_reference=paper_reference,
            )
            session.add(resolution)
            session.flush()
    except sa.exc.IntegrityError:
        raise _taken(cycle, number, session=session) from None
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="resolution.recorded",
        entity="resolution",
        entity_id=resolution.id,
        body_id=cycle.body_id,
        before={"strategy_version": previous.number},
        after={
            "number": number,
            "adopted_on": adopted_on.isoformat(),
            "strategy_version": version.number,
            "sessions": [id_of(r) for r in rows],
            "diff": diff,
            "paper_reference": paper_reference,
        },
    )
    events = [
        Event(
            today,
            PhaseKind.resolution,
            "resolution_adopted",
            f"Beschluss {number} vom {german_date(adopted_on)}"
            + (f" (Vorlage {paper_reference})" if paper_reference else "")
            + f": {plural(len(diff), 'Änderung', 'Änderungen')}"
            + (
                f" (aus {', '.join(session_name(r, names) for r in rows)})" if len(rows) > 1 else ""
            ),
        ),
        Event(
            today,
            PhaseKind.resolution,
            "strategy_version_created",
            f"Strategie Version {version.number} gilt (vorher Version {previous.number})",
        ),
    ]
    phase = get_phase(cycle, PhaseKind.resolution, session=session)
    if phase is not None:
        events += complete_phase_tasks(
            phase, session=session, now=now, actor=actor, today=today, why=f"Beschluss {number}"
        )
    return events


def _taken(cycle: Cycle, number: str, *, session: Session) -> ConflictError:
    """The refusal when a resolution of the cycle, or its number, exists (maybe since a
    moment: then the strategy's next version exists too)."""
    if session.exec(select(Resolution.id).where(Resolution.cycle_id == cycle.id)).first():
        return ConflictError(f"Für {cycle.year} ist bereits ein Beschluss festgehalten.")
    taken = select(Resolution.id).where(
        Resolution.body_id == cycle.body_id, Resolution.number == number
    )
    if session.exec(taken).first():
        return ConflictError(f"Die Beschlussnummer {number!r} ist bereits vergeben.")
    return ConflictError(
        "Die Strategie wurde gerade in einem anderen Vorgang geändert; bitte die Angaben "
        "prüfen und erneut speichern."
    )
