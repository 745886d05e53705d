"""`kreislauf council sync`: the council's and committees' meetings from OParl, and the
deadlines of the body's cycles that follow them.

Reads first (services.oparl_client; any problem: OParlError, nothing written), then one
transaction: the meetings are stored, every cycle that is not closed is re-dated where a
session moved (models.council_dates), each move audited ("deadline.moved", "phase.moved")
and told to whoever still has the task, through the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.calendar_rules import CalendarSpec, RuleError
from models.council import CouncilMeeting, CouncilSync
from models.council_dates import DateMove, redate
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.db import id_of, session_scope
from models.errors import KreislaufError
from models.german import german_date
from models.oparl import OParlSettings, utc
from models.organisation import Contact, ContactRole, Department, Faction
from notifications.messages import deadline_moved
from notifications.outbox import Message, enqueue
from services.council_meetings import session_days
from services.cycles import working_days_of
from services.oparl_client import FetchedMeeting, read_meetings

# tasks whose people still work towards the deadline: only they are re-dated and told
OPEN_TASKS = (TaskStatus.planned, TaskStatus.open, TaskStatus.returned)


@dataclass
class SyncResult:
    body: str
    read: int = 0
    new: int = 0
    changed: int = 0
    cancelled: int = 0
    pages: int = 0
    since: dt.datetime | None = None
    moves: list[str] = field(default_factory=list)  # German lines: what moved from/to
    messages: int = 0
    warnings: list[str] = field(default_factory=list)  # a rule that lost its session


def oparl_settings(body: Body) -> OParlSettings | None:
    return OParlSettings.model_validate(body.oparl) if body.oparl else None


def sync_council(
    engine: sa.Engine,
    *,
    body: Body,
    now: dt.datetime,
    actor: str,
    transport: httpx.BaseTransport | None = None,
) -> SyncResult:
    """Read the body's OParl meetings and take them over; raises OParlError (nothing changed)
    when the system cannot be read, KreislaufError when the body has no [oparl]."""
    settings = oparl_settings(body)
    if settings is None:
        raise KreislaufError(
            f"Für {body.name} ist keine OParl-Schnittstelle eingerichtet (body.toml, [oparl] "
            "system = ...).",
            field="body",
        )
    with session_scope(engine) as session:
        last = session.get(CouncilSync, body.id)
        wanted = settings.model_dump(mode="json")
        since = last.synced_at if last is not None and last.settings == wanted else None
    snapshot = read_meetings(settings, modified_since=since, transport=transport)
    result = SyncResult(body=body.slug, read=len(snapshot.meetings), pages=snapshot.pages)
    result.since = since
    with session_scope(engine) as session:
        body = session.get(Body, id_of(body)) or body
        _store(session, body, snapshot.meetings, now, result, full=since is None)
        session.flush()
        _redate_cycles(session, body, now=now, actor=actor, result=result)
        state = session.get(CouncilSync, body.id)
        if state is None:
            session.add(CouncilSync(body_id=id_of(body), synced_at=now, settings=wanted))
        else:
            state.synced_at, state.settings = now, wanted
        audit.record(
            session=session,
            now=now,
            actor=actor,
            action="council.synced",
            entity="body",
            entity_id=body.id,
            body_id=body.id,
            after={
                "system": settings.system,
                "read": result.read,
                "new": result.new,
                "changed": result.changed,
                "cancelled": result.cancelled,
                "moved": len(result.moves),
                "modified_since": since.isoformat() if since else None,
            },
        )
    return result


def _store(
    session: Session,
    body: Body,
    fetched: list[FetchedMeeting],
    now: dt.datetime,
    result: SyncResult,
    *,
    full: bool,
) -> None:
    """Take the fetched meetings over. A full read (no `modified_since`) is the whole
    truth: a stored meeting it no longer lists (dropped by the system, or of an organization
    no longer configured) counts as cancelled."""
    stored = {
        row.oparl_id: row
        for row in session.exec(select(CouncilMeeting).where(CouncilMeeting.body_id == body.id))
    }
    for item in fetched:
        row = stored.get(item.oparl_id)
        meeting = item.meeting
        if meeting is None:  # deleted: no longer a session
            if row is not None and not row.cancelled:
                row.cancelled, row.synced_at = True, now
                result.cancelled += 1
            continue
        wanted: dict[str, object] = {
            "role": item.role,
            "name": meeting.name,
            "start": utc(meeting.start),
            "cancelled": meeting.cancelled,
            "modified": utc(meeting.modified) if meeting.modified else None,
        }
        if row is None:
            row = CouncilMeeting(
                body_id=id_of(body),
                oparl_id=item.oparl_id,
                role=item.role,
                start=utc(meeting.start),
                synced_at=now,
            )
            for name, value in wanted.items():
                setattr(row, name, value)
            session.add(row)
            result.new += 1
            result.cancelled += int(meeting.cancelled)
            continue
        if any(getattr(row, name) != value for name, value in wanted.items()):
            if meeting.cancelled and not row.cancelled:
                result.cancelled += 1
            elif row.start != wanted["start"] or row.cancelled != meeting.cancelled:
                result.changed += 1
            for name, value in wanted.items():
                setattr(row, name, value)
            row.synced_at = now
    if full:
        listed = {item.oparl_id for item in fetched}
        for oparl_id, row in stored.items():
            if oparl_id not in listed and not row.cancelled:
                row.cancelled, row.synced_at = True, now
                result.cancelled += 1


def _redate_cycles(
    session: Session, body: Body, *, now: dt.datetime, actor: str, result: SyncResult
) -> None:
    spec = CalendarSpec.model_validate(body.calendar)
    meetings = session_days(session, body)
    cycles = session.exec(
        select(Cycle)
        .where(Cycle.body_id == body.id, Cycle.status != CycleStatus.closed)
        .order_by(col(Cycle.year))
    ).all()
    for cycle in cycles:
        phases = {
            str(phase.kind): phase
            for phase in session.exec(select(Phase).where(Phase.cycle_id == cycle.id)).all()
            if phase.status != PhaseStatus.closed
        }
        deadlines = _open_deadlines(session, cycle)
        try:
            moves = redate(
                spec,
                cycle.year,
                meetings=meetings,
                working_days=working_days_of(body),
                election_year=cycle.election_year,
                deadlines={key: deadline.due_on for key, (deadline, _) in deadlines.items()},
                phases={kind: (p.opens_on, p.closes_on) for kind, p in phases.items()},
                council=body.council,
            )
        except RuleError as error:
            result.warnings.append(
                f"Kreislauf {cycle.year}: {error} Die Fristen dieses Kreislaufs bleiben, wie "
                "sie sind; bitte den Termin in calendar.toml nachtragen oder die Sitzung im "
                "Ratsinformationssystem prüfen."
            )
            continue
        for move in moves:
            if move.edge is None:
                deadline, tasks = deadlines[move.name]
                _move_deadline(session, body, cycle, deadline, tasks, move, now, actor, result)
            else:
                _move_phase(session, body, cycle, phases[move.name], move, now, actor, result)


def _open_deadlines(session: Session, cycle: Cycle) -> dict[str, tuple[Deadline, list[Task]]]:
    """The cycle's deadlines that someone still works towards, with those tasks."""
    result: dict[str, tuple[Deadline, list[Task]]] = {}
    rows = session.exec(
        select(Deadline, Task)
        .join(Task, col(Task.deadline_id) == col(Deadline.id))
        .where(Deadline.cycle_id == cycle.id, col(Task.status).in_(OPEN_TASKS))
        .order_by(col(Deadline.key), col(Task.assignee))
    ).all()
    for deadline, task in rows:
        result.setdefault(deadline.key, (deadline, []))[1].append(task)
    return result


def _move_deadline(
    session: Session,
    body: Body,
    cycle: Cycle,
    deadline: Deadline,
    tasks: list[Task],
    move: DateMove,
    now: dt.datetime,
    actor: str,
    result: SyncResult,
) -> None:
    deadline.due_on = move.after
    session.add(deadline)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="deadline.moved",
        entity="deadline",
        entity_id=deadline.id,
        body_id=body.id,
        before={"due_on": move.before.isoformat()},
        after={"due_on": move.after.isoformat(), "key": deadline.key, "year": cycle.year},
    )
    result.moves.append(
        f"{cycle.year}: Frist „{deadline.title}“ ({deadline.key}) von "
        f"{german_date(move.before)} auf {german_date(move.after)}"
    )
    if move.after < body.local_date(now):
        result.warnings.append(
            f"{cycle.year}: Die Frist „{deadline.title}“ liegt nach der Verschiebung auf den "
            f"{german_date(move.after)} schon in der Vergangenheit; bitte mit den Zuständigen "
            "klären."
        )
    messages = list(_tell(session, body, cycle, deadline, tasks, move, now))
    result.messages += enqueue(messages, session=session, body_id=id_of(body), now=now)


def _move_phase(
    session: Session,
    body: Body,
    cycle: Cycle,
    phase: Phase,
    move: DateMove,
    now: dt.datetime,
    actor: str,
    result: SyncResult,
) -> None:
    column = "opens_on" if move.edge == "opens" else "closes_on"
    setattr(phase, column, move.after)
    session.add(phase)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="phase.moved",
        entity="phase",
        entity_id=phase.id,
        body_id=body.id,
        before={column: move.before.isoformat()},
        after={column: move.after.isoformat(), "kind": str(phase.kind), "year": cycle.year},
    )
    what = "Beginn" if move.edge == "opens" else "Ende"
    result.moves.append(
        f"{cycle.year}: {what} der Phase „{phase.title}“ von {german_date(move.before)} "
        f"auf {german_date(move.after)}"
    )


def _tell(
    session: Session,
    body: Body,
    cycle: Cycle,
    deadline: Deadline,
    tasks: Iterable[Task],
    move: DateMove,
    now: dt.datetime,
) -> Iterable[Message]:
    """One message per task still open: to the department's controlling contact (else its
    head, else any contact) or to the faction's leader."""
    reason = "Sitzung des Kreistags bzw. eines Ausschusses verlegt oder abgesagt"
    for task in tasks:
        recipient: tuple[str, str, tuple[str, ...]] | None = None
        if task.department_id is not None:
            contact = _contact_of(session, task.department_id)
            department = session.get(Department, task.department_id)
            if contact is not None and department is not None:
                recipient = (
                    contact.name,
                    contact.email,
                    (
                        f"department:{body.slug}/{department.key}",
                        f"contact:{body.slug}/{contact.key}",
                    ),
                )
        elif task.faction_id is not None:
            faction = session.get(Faction, task.faction_id)
            if faction is not None:
                recipient = (
                    faction.leader,
                    faction.email,
                    (f"faction:{body.slug}/{faction.key}",),
                )
        if recipient is None:
            continue
        name, address, tags = recipient
        yield deadline_moved(
            body_slug=body.slug,
            assignee=task.assignee,
            name=name,
            address=address,
            tags=tags,
            year=cycle.year,
            deadline_key=deadline.key,
            title=deadline.title,
            before=move.before,
            after=move.after,
            reason=reason,
            moved_at=now,
        )


def _contact_of(session: Session, department_id: int) -> Contact | None:
    contacts = session.exec(
        select(Contact).where(Contact.department_id == department_id).order_by(col(Contact.id))
    ).all()
    for role in (ContactRole.controlling, ContactRole.head):
        for contact in contacts:
            if contact.role == role:
                return contact
    return contacts[0] if contacts else None
