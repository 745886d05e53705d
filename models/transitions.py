"""Every change of a cycle's state, checked in one place and written with an audit event.

Flows, the CLI and the web call these functions; none of them sets a status field itself.
A status moves with a conditional UPDATE (`... WHERE status = old`), so two workers applying
the same step at once change it once; the loser sees "already done" and moves on.
Each function returns the timeline events it caused, for people and the simulation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from models import audit
from models.body import Body
from models.calendar_rules import PhaseKind, german_date
from models.change_set import ChangeSet, apply_change_set, diff_strategies
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.decisions import (
    Resolution,
    SessionKind,
    SessionStatus,
    SessionTrigger,
    StrategySession,
    SurveyAnswer,
)
from models.errors import ConflictError, KreislaufError, Remedy
from models.organisation import Faction
from models.strategy_versions import (
    create_next_version,
    current_version,
    load_content,
    used_priority_codes,
)
from models.submissions import Submission, SubmissionStatus


@dataclass(frozen=True)
class Event:
    """One line of the cycle's timeline: `event` is an English key, `detail` German."""

    date: dt.date
    phase: PhaseKind
    event: str
    detail: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "phase", PhaseKind(self.phase))  # rows give plain strings

    def as_dict(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "phase": self.phase.value,
            "event": self.event,
            "detail": self.detail,
        }


ALLOWED: dict[str, set[tuple[str, str]]] = {
    "cycle": {("planned", "running"), ("running", "closed")},
    "phase": {("planned", "open"), ("open", "closed")},
    "task": {
        ("planned", "open"),
        ("open", "submitted"),
        ("returned", "submitted"),
        ("submitted", "accepted"),
        ("submitted", "returned"),
        # a fact recorded by the administration completes the task (answer, session, resolution)
        ("planned", "accepted"),
        ("open", "accepted"),
        ("returned", "accepted"),
        ("planned", "cancelled"),
        ("open", "cancelled"),
        ("returned", "cancelled"),
    },
    # a department's figures submission: the controlling office accepts or returns it
    "submission": {("submitted", "accepted"), ("submitted", "returned")},
}
ENTITY_LABELS = {
    "cycle": "Der Steuerungskreislauf",
    "phase": "Die Phase",
    "task": "Die Aufgabe",
    "submission": "Die Kennzahlenmeldung",
}


def check_transition(entity: str, old: StrEnum, new: StrEnum) -> None:
    """Raise ConflictError with a German message when the cycle forbids `old -> new`."""
    if (old.value, new.value) in ALLOWED[entity]:
        return
    if entity == "cycle" and old.value == "closed":
        raise ConflictError(
            "Ein abgeschlossener Steuerungskreislauf kann nicht wieder geöffnet werden."
        )
    raise ConflictError(
        f"{ENTITY_LABELS[entity]} kann nicht von „{_label(old)}“ zu „{_label(new)}“ wechseln."
    )


def _label(status: StrEnum) -> str:
    return getattr(status, "label", status.value)


def transition(
    row: Cycle | Phase | Task | Submission,
    new: StrEnum,
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
    detail: dict[str, Any] | None = None,
    columns: dict[str, Any] | None = None,
) -> bool:
    """Move `row` to `new` if allowed; False when it is there already (done by someone else)."""
    entity = row.__tablename__  # type: ignore[union-attr]
    old = type(new)(row.status)
    if old == new:
        return False
    check_transition(entity, old, new)
    table = type(row).__table__  # type: ignore[union-attr]
    values = {"status": new.value, **(columns or {})}
    if entity == "task":
        values["updated_at"] = now
    result = session.execute(
        sa.update(table).where(table.c.id == row.id, table.c.status == old.value).values(values)
    )
    if result.rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action=f"{entity}.{new.value}",
        entity=entity,
        entity_id=row.id,
        body_id=row.body_id,
        before={"status": old.value},
        after={"status": new.value, **(detail or {})},
    )
    return True


# --------------------------------------------------------------------------- cycle and phases


def start_cycle(
    cycle: Cycle,
    phase: PhaseKind,
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    if transition(cycle, CycleStatus.running, session=session, now=now, actor=actor):
        return [Event(today, phase, "cycle_started", f"Steuerungskreislauf {cycle.year} läuft")]
    return []


def close_cycle(
    cycle: Cycle, *, session: Session, now: dt.datetime, actor: str, today: dt.date
) -> list[Event]:
    if transition(cycle, CycleStatus.closed, session=session, now=now, actor=actor):
        return [
            Event(
                today,
                PhaseKind.budget_resolution,
                "cycle_closed",
                f"Steuerungskreislauf {cycle.year} abgeschlossen",
            )
        ]
    return []


def open_phase(
    phase: Phase, *, session: Session, now: dt.datetime, actor: str, today: dt.date
) -> list[Event]:
    """Open the phase and its planned tasks."""
    require_open_cycle(phase.cycle_id, session=session)
    if not transition(phase, PhaseStatus.open, session=session, now=now, actor=actor):
        return []
    events = [
        Event(
            today,
            phase.kind,
            "phase_opened",
            f"{phase.title} eröffnet "
            f"({german_date(phase.opens_on)} bis {german_date(phase.closes_on)})",
        )
    ]
    for task, deadline, name in _tasks_of(phase, session=session):
        if TaskStatus(task.status) == TaskStatus.planned and transition(
            task, TaskStatus.open, session=session, now=now, actor=actor
        ):
            events.append(
                Event(
                    today,
                    phase.kind,
                    "task_opened",
                    f"{name}: {deadline.title} (fällig {german_date(deadline.due_on)})",
                )
            )
    return events


def close_phase(
    phase: Phase,
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
    reason: str,
    late: tuple[str, ...] = (),
    cancel_open_tasks: bool = False,
) -> list[Event]:
    outcome = reason + (f"; verspätet: {', '.join(late)}" if late else "")
    if not transition(
        phase,
        PhaseStatus.closed,
        session=session,
        now=now,
        actor=actor,
        detail={"reason": reason, "late": list(late)},
        columns={"outcome": outcome[:300]},
    ):
        return []
    events = []
    if cancel_open_tasks:
        for task, deadline, name in _tasks_of(phase, session=session):
            if not TaskStatus(task.status).is_finished and transition(
                task,
                TaskStatus.cancelled,
                session=session,
                now=now,
                actor=actor,
                detail={"reason": reason},
            ):
                events.append(
                    Event(
                        today,
                        phase.kind,
                        "task_cancelled",
                        f"{name}: {deadline.title} entfällt ({reason})",
                    )
                )
    for name in late:
        events.append(Event(today, phase.kind, "task_late", f"nicht rechtzeitig erledigt: {name}"))
    events.append(Event(today, phase.kind, "phase_closed", f"{phase.title} beendet: {reason}"))
    return events


def _tasks_of(phase: Phase, *, session: Session) -> list[tuple[Task, Deadline, str]]:
    from models.organisation import Department

    rows = session.exec(
        select(Task, Deadline, Department.name, Faction.name)
        .join(Deadline, Task.deadline_id == Deadline.id)
        .join(Department, Task.department_id == Department.id, isouter=True)
        .join(Faction, Task.faction_id == Faction.id, isouter=True)
        .where(Deadline.phase_id == phase.id)
        .order_by(Deadline.due_on, Task.assignee)
    ).all()
    return [(task, deadline, department or faction) for task, deadline, department, faction in rows]


def require_open_cycle(cycle_id: int, *, session: Session) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    if CycleStatus(cycle.status) == CycleStatus.closed:
        raise ConflictError(
            f"Der Steuerungskreislauf {cycle.year} ist abgeschlossen; "
            "er nimmt keine Änderungen mehr an."
        )
    return cycle


def get_phase(cycle: Cycle, kind: PhaseKind, *, session: Session) -> Phase | None:
    return session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id, Phase.kind == kind.value)
    ).first()


def complete_phase_tasks(
    phase: Phase, *, session: Session, now: dt.datetime, actor: str, today: dt.date, why: str
) -> list[Event]:
    """The administration's tasks of a phase are done by a recorded fact (session, resolution)."""
    events = []
    for task, deadline, name in _tasks_of(phase, session=session):
        if not TaskStatus(task.status).is_finished and transition(
            task, TaskStatus.accepted, session=session, now=now, actor=actor, detail={"by": why}
        ):
            events.append(
                Event(
                    today, phase.kind, "task_accepted", f"{name}: {deadline.title} erledigt ({why})"
                )
            )
    return events


# --------------------------------------------------------------------------- tasks


def submit_task(task: Task, *, session: Session, now: dt.datetime, actor: str) -> bool:
    require_open_cycle(task.cycle_id, session=session)
    return transition(task, TaskStatus.submitted, session=session, now=now, actor=actor)


def review_task(
    task: Task, *, accept: bool, comment: str | None, session: Session, now: dt.datetime, actor: str
) -> bool:
    require_open_cycle(task.cycle_id, session=session)
    new = TaskStatus.accepted if accept else TaskStatus.returned
    if TaskStatus(task.status) != TaskStatus.submitted:
        check_transition("task", TaskStatus(task.status), new)
    return transition(
        task,
        new,
        session=session,
        now=now,
        actor=actor,
        detail={"comment": comment} if comment else None,
    )


def review_submission_status(
    submission: Submission,
    *,
    accept: bool,
    comment: str | None,
    session: Session,
    now: dt.datetime,
    actor: str,
) -> bool:
    """The submission accepted or returned, with reviewer, time and comment."""
    new = SubmissionStatus.accepted if accept else SubmissionStatus.returned
    return transition(
        submission,
        new,
        session=session,
        now=now,
        actor=actor,
        detail={"comment": comment},
        columns={"reviewed_at": now, "reviewed_by": actor, "review_comment": comment},
    )


# --------------------------------------------------------------------------- survey


def answer_survey(
    cycle: Cycle,
    faction: Faction,
    *,
    need: bool,
    comment: str | None,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    """Record a faction leader's answer; once per faction, only while the survey runs."""
    require_open_cycle(cycle.id, session=session)
    phase = get_phase(cycle, PhaseKind.survey, session=session)
    if phase is None:
        raise ConflictError(f"Der Kreislauf {cycle.year} hat keine Befragung.")
    if PhaseStatus(phase.status) == PhaseStatus.closed:
        raise ConflictError(
            f"Die Befragung {cycle.year} ist abgeschlossen ({phase.outcome or 'beendet'})."
        )
    if today < phase.opens_on:
        raise ConflictError(
            f"Die Befragung {cycle.year} beginnt erst am {german_date(phase.opens_on)}."
        )
    if today > phase.closes_on:
        raise ConflictError(f"Die Befragung {cycle.year} endete am {german_date(phase.closes_on)}.")
    answer = SurveyAnswer(
        body_id=cycle.body_id,
        cycle_id=cycle.id,
        faction_id=faction.id,
        need=need,
        comment=comment,
        answered_at=now,
        actor=actor,
    )
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError(
            f"{faction.name} hat in der Befragung {cycle.year} bereits "
            "geantwortet; eine Antwort gilt einmal."
        ) from None
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="survey.answered",
        entity="survey_answer",
        entity_id=answer.id,
        body_id=cycle.body_id,
        after={"faction": faction.name, "need": need, "comment": comment},
    )
    events = [
        Event(
            today,
            PhaseKind.survey,
            "survey_answered",
            f"{faction.name}: {'Bedarf' if need else 'kein Bedarf'}"
            + (f" – {comment}" if comment else ""),
        )
    ]
    task = session.exec(
        select(Task)
        .join(Deadline, Task.deadline_id == Deadline.id)
        .where(Deadline.phase_id == phase.id, Task.faction_id == faction.id)
    ).first()
    if task is not None and not TaskStatus(task.status).is_finished:
        transition(
            task,
            TaskStatus.accepted,
            session=session,
            now=now,
            actor=actor,
            detail={"by": "Antwort in der Befragung"},
        )
    return events


# --------------------------------------------------------------------------- forum and retreat


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
    require_open_cycle(cycle.id, session=session)
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
        raise ConflictError(
            f"{kind.label} {cycle.year} ist bereits einberufen "
            f"({SessionTrigger(existing.trigger).label})."
        )
    before = None
    if existing is None:
        existing = StrategySession(
            body_id=cycle.body_id,
            cycle_id=cycle.id,
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
        cycle_id=cycle.id,
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
    require_open_cycle(cycle.id, session=session)
    row = get_strategy_session(cycle, session=session)
    if row is None or SessionStatus(row.status) == SessionStatus.not_needed:
        raise ConflictError(
            f"Für {cycle.year} ist weder ein Forum noch eine Klausurtagung einberufen.",
            hint="Bitte zuerst einberufen.",
            remedy=Remedy.convene,
        )
    kind = SessionKind(row.kind)
    if SessionStatus(row.status) == SessionStatus.held:
        raise ConflictError(
            f"{kind.label} {cycle.year} ist bereits festgehalten (am {german_date(row.held_on)})."
        )  # type: ignore[arg-type]
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
            f"{kind.label} am {german_date(held_on)}: {len(change_set.changes)} vereinbarte "
            f"Änderungen, {len(change_set.participants)} Teilnehmende",
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


# --------------------------------------------------------------------------- resolution


def record_resolution(
    cycle: Cycle,
    *,
    number: str,
    adopted_on: dt.date,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    """The council adopts the session's change set: a new strategy version, with its diff."""
    require_open_cycle(cycle.id, session=session)
    row = get_strategy_session(cycle, session=session)
    if row is None or SessionStatus(row.status) != SessionStatus.held or not row.change_set:
        raise ConflictError(
            f"Für {cycle.year} ist noch kein Forum und keine Klausurtagung mit vereinbarten "
            "Änderungen festgehalten; ohne sie gibt es nichts zu beschließen.",
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
    if session.exec(select(Resolution.id).where(Resolution.cycle_id == cycle.id)).first():
        raise ConflictError(f"Für {cycle.year} ist bereits ein Beschluss festgehalten.")
    if adopted_on < row.held_on:  # type: ignore[operator]
        raise KreislaufError(
            f"Der Beschluss ({german_date(adopted_on)}) kann nicht vor "
            f"der Sitzung ({german_date(row.held_on)}) liegen.",
            field="adopted_on",
        )  # type: ignore[arg-type]
    if adopted_on > today:
        raise KreislaufError(f"{german_date(adopted_on)} liegt in der Zukunft.", field="adopted_on")
    body = session.get(Body, cycle.body_id)
    assert body is not None
    previous = current_version(session=session, body_id=cycle.body_id)
    old = load_content(session=session, version=previous)
    new = apply_change_set(
        old,
        ChangeSet.model_validate(row.change_set),
        used_codes=used_priority_codes(session=session, body_id=cycle.body_id),
    )
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
        cycle_id=cycle.id,
        session_id=row.id,
        number=number,
        adopted_on=adopted_on,
        previous_version_id=previous.id,
        new_version_id=version.id,
        diff=diff,
        recorded_at=now,
    )
    try:
        with session.begin_nested():
            session.add(resolution)
            session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError(f"Die Beschlussnummer {number!r} ist bereits vergeben.") from None
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
            "diff": diff,
        },
    )
    events = [
        Event(
            today,
            PhaseKind.resolution,
            "resolution_adopted",
            f"Beschluss {number} vom {german_date(adopted_on)}: {len(diff)} Änderungen",
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
