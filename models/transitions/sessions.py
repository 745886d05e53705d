"""Forum and retreat: convene, record that none is needed, record the session held.

One module for both because they are the same aggregate (a strategy session) of two kinds.
A cycle may hold several: the main session (by default the retreat in an election year, the
forum otherwise, either kind in any year when the administration gives a reason) and thematic
retreats on one field of action beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from models import audit
from models.calendar_rules.spec import PhaseKind
from models.change_set import ChangeSet, combine_change_sets, stored_change_set
from models.cycle import Cycle, Phase, PhaseStatus
from models.db import id_of, table_of
from models.decisions import (
    MAX_FIELD_KEY,
    Resolution,
    SessionKind,
    SessionStatus,
    SessionTrigger,
    StrategySession,
)
from models.errors import ConflictError, KreislaufError, NotFoundError, Remedy
from models.german import german_date, plural
from models.strategy_versions import (
    applied,
    current_version,
    load_content,
)
from models.transitions.cycle import complete_phase_tasks, get_phase, require_open_cycle
from models.transitions.status import Event

MAX_REASON = 2_000  # characters: why a session was convened, shown whole


def default_kind(election_year: bool) -> SessionKind:
    """What the survey's outcome convenes: the retreat after an election, else the forum."""
    return SessionKind.retreat if election_year else SessionKind.forum


def check_convening(
    kind: SessionKind,
    *,
    trigger: SessionTrigger,
    reason: str | None,
    thematic: bool,
    election_year: bool,
) -> None:
    """The rules for convening, without a database: a thematic session is a retreat; the
    administration, and any deviation from the year's default kind, give a bounded reason."""
    if thematic and kind != SessionKind.retreat:
        raise KreislaufError(
            "Eine thematische Sitzung zu einem Handlungsfeld ist eine Klausurtagung.", field="kind"
        )
    if reason is not None and len(reason) > MAX_REASON:
        raise KreislaufError(
            f"Der Anlass hat {len(reason):_} Zeichen; erlaubt sind höchstens "
            f"{MAX_REASON:_}.".replace("_", "."),
            field="reason",
        )
    if not reason and trigger == SessionTrigger.administration:
        raise KreislaufError("Bitte den Anlass der Einberufung angeben.", field="reason")
    if not reason and not thematic and kind != default_kind(election_year):
        raise KreislaufError(
            f"{kind.label} {'im' if election_year else 'außerhalb eines'} Wahljahr"
            f"{'' if election_year else 's'}: bitte den Anlass angeben.",
            field="reason",
        )


def session_phase(cycle: Cycle, kind: SessionKind, *, session: Session) -> Phase | None:
    """The calendar's window for a session: its own kind's phase, else the other kind's (the
    calendar plans one of them per year; a deviating session uses that window)."""
    other = SessionKind.forum if kind == SessionKind.retreat else SessionKind.retreat
    return get_phase(cycle, PhaseKind(kind.value), session=session) or get_phase(
        cycle, PhaseKind(other.value), session=session
    )


def cycle_sessions(cycle: Cycle, *, session: Session) -> list[StrategySession]:
    """Every session of the cycle in the order convened; a session's number is its place."""
    return list(
        session.exec(
            select(StrategySession)
            .where(StrategySession.cycle_id == cycle.id)
            .order_by(col(StrategySession.id))
        ).all()
    )


def get_strategy_session(cycle: Cycle, *, session: Session) -> StrategySession | None:
    """The cycle's main session (the latest, if several were held one after another)."""
    return session.exec(
        select(StrategySession)
        .where(StrategySession.cycle_id == cycle.id, StrategySession.field_key == "")
        .order_by(col(StrategySession.id).desc())
    ).first()


def sessions_status(cycle: Cycle, *, session: Session) -> SessionStatus | None:
    """The cycle's sessions as one status for "what comes next": convened while any is
    open, held while changes await the resolution, else the main session's."""
    rows = cycle_sessions(cycle, session=session)
    statuses = {SessionStatus(r.status) for r in rows}
    if SessionStatus.convened in statuses:
        return SessionStatus.convened
    if unresolved_held(cycle, session=session):
        return SessionStatus.held
    main = get_strategy_session(cycle, session=session)
    return SessionStatus(main.status) if main else (SessionStatus.held if rows else None)


def resolved_session_ids(cycle: Cycle, *, session: Session) -> set[int]:
    ids: set[int] = set()
    for resolution in session.exec(select(Resolution).where(Resolution.cycle_id == cycle.id)):
        ids.update(resolution.session_ids or [resolution.session_id])
    return ids


def unresolved_held(cycle: Cycle, *, session: Session) -> list[StrategySession]:
    """The held sessions with agreed changes that no resolution adopted yet, in order."""
    resolved = resolved_session_ids(cycle, session=session)
    return [
        row
        for row in cycle_sessions(cycle, session=session)
        if SessionStatus(row.status) == SessionStatus.held
        and row.change_set
        and row.id not in resolved
    ]


def field_names(*, session: Session, body_id: int) -> dict[str, str]:
    """The strategy in force's fields of action: key -> name."""
    content = load_content(
        session=session, version=current_version(session=session, body_id=body_id)
    )
    return {f.key: f.name for f in content.fields}


def session_name(row: StrategySession, names: dict[str, str] | None = None) -> str:
    """German: "Forum Zukunftsstrategie" or "Klausurtagung zum Handlungsfeld Mobilität"."""
    label = SessionKind(row.kind).label
    if row.field_key:
        label += f" zum Handlungsfeld {(names or {}).get(row.field_key, row.field_key)}"
    return label


def find_field(text: str, *, session: Session, body_id: int) -> str:
    """A field of action of the strategy in force by key or name, as people type it."""
    names = field_names(session=session, body_id=body_id)
    wanted = text.strip().casefold()
    for key, name in names.items():
        if wanted in (key.casefold(), name.casefold()):
            return key
    known = ", ".join(f"{name} ({key})" for key, name in names.items())
    raise NotFoundError(
        f"Das Handlungsfeld {text.strip()[:MAX_FIELD_KEY]!r} gibt es in der geltenden Strategie "
        f"nicht (vorhanden: {known}).",
        field="field",
    )


def convene(
    cycle: Cycle,
    kind: SessionKind,
    *,
    trigger: SessionTrigger,
    reason: str | None,
    requested_by: tuple[str, ...] = (),
    field: str | None = None,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    """Convene a forum or retreat (`field`: a thematic retreat on that field of action). An
    administrator convening one that is open already is refused; the survey's or the
    election's convening is skipped when the cycle has a main session already."""
    require_open_cycle(id_of(cycle), session=session)
    field_key = find_field(field, session=session, body_id=cycle.body_id) if field else ""
    check_convening(
        kind,
        trigger=trigger,
        reason=reason,
        thematic=bool(field_key),
        election_year=cycle.election_year,
    )
    if trigger != SessionTrigger.administration and get_strategy_session(cycle, session=session):
        return []
    if resolved_session_ids(cycle, session=session):
        raise ConflictError(
            f"Für {cycle.year} ist der Beschluss bereits festgehalten; eine weitere Sitzung "
            "berät der nächste Kreislauf."
        )
    phase = session_phase(cycle, kind, session=session)
    if phase is None:
        raise ConflictError(
            f"Für {cycle.year} sieht der Kalender weder ein Forum noch eine Klausurtagung vor."
        )
    if PhaseStatus(phase.status) == PhaseStatus.closed or today > phase.closes_on:
        raise ConflictError(
            f"Das Zeitfenster für die Phase „{phase.title}“ {cycle.year} ist "
            f"abgelaufen ({german_date(phase.closes_on)})."
        )
    values: dict[str, Any] = {
        "kind": kind.value,
        "status": SessionStatus.convened.value,
        "trigger": trigger.value,
        "reason": reason,
        "requested_by": list(requested_by),
        "decided_at": now,
    }
    convened, before = _convene_once(cycle, field_key, values, session=session)
    names = field_names(session=session, body_id=cycle.body_id) if field_key else {}
    if convened is None:
        if trigger != SessionTrigger.administration:
            return []
        row = _open_session(cycle, field_key, session=session)
        how = f" ({SessionTrigger(row.trigger).label})" if row and row.trigger else ""
        name = session_name(row, names) if row else kind.label
        raise ConflictError(f"{name} {cycle.year} ist bereits einberufen{how}.")
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action=f"{kind.value}.convened",
        entity="strategy_session",
        entity_id=convened.id,
        body_id=cycle.body_id,
        before=before,
        after={
            "trigger": trigger.value,
            "reason": reason,
            "requested_by": list(requested_by),
            **({"field": field_key} if field_key else {}),
        },
    )
    why = reason or trigger.label
    if requested_by:
        why += f" (gewünscht von {', '.join(requested_by)})"
    return [
        Event(
            today,
            PhaseKind(phase.kind) if trigger != SessionTrigger.survey else PhaseKind.survey,
            "session_convened",
            f"{session_name(convened, names)} einberufen: {why}",
        )
    ]


def _open_session(cycle: Cycle, field_key: str, *, session: Session) -> StrategySession | None:
    return session.exec(
        select(StrategySession).where(
            StrategySession.cycle_id == cycle.id,
            StrategySession.field_key == field_key,
            StrategySession.status != SessionStatus.held.value,
        )
    ).first()


def _convene_once(
    cycle: Cycle, field_key: str, values: dict[str, Any], *, session: Session
) -> tuple[StrategySession | None, dict[str, Any] | None]:
    """The session row this call convened and its status before; None when one on the same
    topic is open already (before, or by a concurrent call: the unique index or the
    conditional UPDATE)."""
    row = _open_session(cycle, field_key, session=session)
    if row is None:
        new = StrategySession(
            body_id=cycle.body_id, cycle_id=id_of(cycle), field_key=field_key, **values
        )
        try:
            with session.begin_nested():
                session.add(new)
                session.flush()
            return new, None
        except sa.exc.IntegrityError:  # inserted concurrently: convened, or found not needed
            row = _open_session(cycle, field_key, session=session)
    if row is not None and SessionStatus(row.status) == SessionStatus.not_needed:
        if _claim(row, SessionStatus.not_needed, values, session=session):
            return row, {"status": SessionStatus.not_needed.value, "kind": row.kind}
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


def pick_session(
    cycle: Cycle, number: int | None, *, session: Session
) -> tuple[StrategySession, dict[str, str]]:
    """The session to record: number `number` of the cycle, else the one convened; with
    several convened the caller must say which (German error listing them)."""
    rows = cycle_sessions(cycle, session=session)
    names = field_names(session=session, body_id=cycle.body_id)
    listing = ", ".join(
        f"{i} {session_name(r, names)} ({SessionStatus(r.status).label})"
        for i, r in enumerate(rows, 1)
    )
    row: StrategySession | None
    if number is not None:
        if not 1 <= number <= len(rows):
            raise KreislaufError(
                f"Eine Sitzung Nr. {number} gibt es {cycle.year} nicht"
                + (f" (vorhanden: {listing})." if rows else "."),
                field="session",
            )
        row = rows[number - 1]
    else:
        open_rows = [r for r in rows if SessionStatus(r.status) == SessionStatus.convened]
        if len(open_rows) > 1:
            raise KreislaufError(
                f"Für {cycle.year} sind mehrere Sitzungen einberufen; bitte angeben, welche "
                f"festgehalten wird: {listing}.",
                field="session",
            )
        held = [r for r in rows if SessionStatus(r.status) == SessionStatus.held]
        row = open_rows[0] if open_rows else held[-1] if held else rows[0] if rows else None
    if row is None or SessionStatus(row.status) == SessionStatus.not_needed:
        raise ConflictError(
            f"Für {cycle.year} ist weder ein Forum noch eine Klausurtagung einberufen.",
            hint="Bitte zuerst einberufen.",
            remedy=Remedy.convene,
        )
    return row, names


def record_session(
    cycle: Cycle,
    *,
    held_on: dt.date,
    change_set: ChangeSet,
    number: int | None = None,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    """Record that a forum or retreat was held, who took part and the agreed change set;
    checked together with the other sessions' changes that await the resolution."""
    require_open_cycle(id_of(cycle), session=session)
    row, names = pick_session(cycle, number, session=session)
    kind = SessionKind(row.kind)
    if SessionStatus(row.status) == SessionStatus.held:
        raise _already_held(cycle, row, names)
    if held_on > today:
        raise KreislaufError(f"{german_date(held_on)} liegt in der Zukunft.", field="held_on")
    if held_on.year != cycle.year:
        raise KreislaufError(
            f"{german_date(held_on)} liegt nicht im Jahr {cycle.year}.", field="held_on"
        )
    version = current_version(session=session, body_id=cycle.body_id)
    pending = [
        (session_name(r, names), stored_change_set(r.change_set, what=session_name(r, names)))
        for r in unresolved_held(cycle, session=session)
    ]
    content = load_content(session=session, version=version)
    # its own errors name its changes
    applied(session=session, body_id=cycle.body_id, content=content, change_set=change_set)
    if pending:  # and together with the others awaiting the resolution
        ours = (session_name(row, names), change_set)
        combined = combine_change_sets([*pending, ours])
        applied(session=session, body_id=cycle.body_id, content=content, change_set=combined)
    held = {
        "status": SessionStatus.held.value,
        "held_on": held_on,
        "participants": list(change_set.participants),
        "change_set": change_set.model_dump(mode="json", exclude_none=True),
    }
    if not _claim(row, SessionStatus.convened, held, session=session):
        raise _already_held(cycle, row, names)  # recorded concurrently
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
    phase = session_phase(cycle, kind, session=session)
    phase_kind = PhaseKind(phase.kind) if phase is not None else PhaseKind(kind.value)
    events = [
        Event(
            today,
            phase_kind,
            "session_held",
            f"{session_name(row, names)} am {german_date(held_on)}: "
            f"{plural(len(change_set.changes), 'vereinbarte Änderung', 'vereinbarte Änderungen')}"
            f", {len(change_set.participants)} Teilnehmende",
        )
    ]
    if phase is not None and not row.field_key:  # a thematic retreat is beside the phase's
        events += complete_phase_tasks(
            phase,
            session=session,
            now=now,
            actor=actor,
            today=today,
            why=f"{kind.label} festgehalten",
        )
    return events


def _already_held(
    cycle: Cycle, row: StrategySession, names: dict[str, str] | None = None
) -> ConflictError:
    held = f" (am {german_date(row.held_on)})" if row.held_on else ""
    return ConflictError(f"{session_name(row, names)} {cycle.year} ist bereits festgehalten{held}.")
