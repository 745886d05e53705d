"""Reconciling a cycle at `now`: load its state, apply the steps the rules ask for, repeat.

Flows call `reconcile`; it is idempotent: a second call at the same `now` finds no step.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from models.body import Body
from models.calendar_rules import PhaseKind
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.decisions import (
    Resolution,
    SessionKind,
    SessionStatus,
    SessionTrigger,
    StrategySession,
    SurveyAnswer,
)
from models.errors import KreislaufError
from models.organisation import Department, Faction
from models.reconcile import (
    CycleState,
    PhaseState,
    SessionState,
    Step,
    TaskState,
    next_steps,
)
from models.transitions import (
    Event,
    close_cycle,
    close_phase,
    complete_phase_tasks,
    get_phase,
    open_phase,
    record_not_needed,
    start_cycle,
)
from notifications.messages import survey_invitation
from services.cycles import create_cycle, get_cycle
from services.decisions import convene_session, queued

MAX_ROUNDS = 10  # each round applies every due step; a cycle needs at most a handful


def load_state(*, session: Session, cycle: Cycle) -> CycleState:
    phases = session.exec(select(Phase).where(Phase.cycle_id == cycle.id)).all()
    kinds = {phase.id: PhaseKind(phase.kind) for phase in phases}
    rows = session.exec(
        select(Task, Deadline, Department.name, Faction.name)
        .join(Deadline, Task.deadline_id == Deadline.id)
        .join(Department, Task.department_id == Department.id, isouter=True)
        .join(Faction, Task.faction_id == Faction.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
    ).all()
    factions = session.exec(
        select(Faction.name).where(Faction.body_id == cycle.body_id).order_by(Faction.name)
    ).all()
    answers = session.exec(
        select(Faction.name, SurveyAnswer.need)
        .join(Faction, SurveyAnswer.faction_id == Faction.id)
        .where(SurveyAnswer.cycle_id == cycle.id)
        .order_by(SurveyAnswer.answered_at, Faction.name)
    ).all()
    strategy_session = session.exec(
        select(StrategySession).where(StrategySession.cycle_id == cycle.id)
    ).first()
    resolution = session.exec(select(Resolution.id).where(Resolution.cycle_id == cycle.id)).first()
    next_cycle = session.exec(
        select(Cycle.id).where(Cycle.body_id == cycle.body_id, Cycle.year == cycle.year + 1)
    ).first()
    return CycleState(
        year=cycle.year,
        status=CycleStatus(cycle.status),
        election_year=cycle.election_year,
        phases=tuple(
            PhaseState(PhaseKind(p.kind), p.opens_on, p.closes_on, PhaseStatus(p.status))
            for p in phases
        ),
        tasks=tuple(
            TaskState(
                task.id,
                kinds[deadline.phase_id],
                department or faction,
                deadline.title,
                deadline.due_on,
                TaskStatus(task.status),
            )
            for task, deadline, department, faction in rows
        ),
        factions=tuple(factions),
        answers=tuple((name, need) for name, need in answers),
        session=None
        if strategy_session is None
        else SessionState(
            SessionKind(strategy_session.kind),
            SessionStatus(strategy_session.status),
            bool(strategy_session.change_set and strategy_session.change_set.get("changes")),
        ),
        resolution_recorded=resolution is not None,
        next_cycle_exists=next_cycle is not None,
    )


def pending_phases(*, session: Session, body: Body, year: int, now: dt.datetime) -> list[PhaseKind]:
    """Phases with something to do at `now`, in order: which phase flows to run."""
    cycle = get_cycle(session=session, body=body, year=year, required=False)
    if cycle is None:
        return []
    steps = next_steps(load_state(session=session, cycle=cycle), body.local_date(now))
    return list(dict.fromkeys(step.phase for step in steps))


def reconcile(
    *,
    session: Session,
    body: Body,
    year: int,
    now: dt.datetime,
    actor: str,
    only: PhaseKind | None = None,
) -> list[Event]:
    """Apply every step due at `now` (for one phase with `only`) until none is left."""
    cycle = get_cycle(session=session, body=body, year=year)
    assert cycle is not None
    today = body.local_date(now)
    events: list[Event] = []
    attempted: set[Step] = set()  # a step that could not be done now is not tried again
    for _ in range(MAX_ROUNDS):
        steps = [
            step
            for step in next_steps(load_state(session=session, cycle=cycle), today, only)
            if step not in attempted
        ]
        if not steps:
            return events
        attempted.update(steps)
        applied = []
        for step in steps:
            applied += apply_step(
                step, session=session, body=body, cycle=cycle, now=now, actor=actor, today=today
            )
        if not applied:  # what is left cannot be done now (e.g. next year lacks session dates)
            return events
        events += applied
    raise RuntimeError(f"cycle {year} of {body.slug} did not settle after {MAX_ROUNDS} rounds")


def apply_step(
    step: Step,
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    phase = get_phase(cycle, step.phase, session=session)
    match step.kind:
        case "start_cycle":
            return start_cycle(
                cycle, step.phase, session=session, now=now, actor=actor, today=today
            )
        case "open_phase":
            assert phase is not None
            events = open_phase(phase, session=session, now=now, actor=actor, today=today)
            if step.phase == PhaseKind.survey:
                events += _invite_to_survey(
                    session=session, body=body, cycle=cycle, phase=phase, now=now
                )
            return events
        case "convene_retreat":
            return convene_session(
                session=session,
                body=body,
                cycle=cycle,
                trigger=SessionTrigger.election,
                reason=step.reason,
                now=now,
                actor=actor,
            )
        case "convene_forum":
            return convene_session(
                session=session,
                body=body,
                cycle=cycle,
                trigger=SessionTrigger.survey,
                reason=step.reason,
                requested_by=step.requested_by,
                now=now,
                actor=actor,
            )
        case "forum_not_needed":
            return record_not_needed(
                cycle, session=session, now=now, actor=actor, today=today, reason=step.reason
            )
        case "close_phase":
            assert phase is not None
            events = []
            if step.phase == PhaseKind.budget_resolution:
                events += complete_phase_tasks(
                    phase,
                    session=session,
                    now=now,
                    actor=actor,
                    today=today,
                    why="Haushaltsbeschluss",
                )
            return events + close_phase(
                phase,
                session=session,
                now=now,
                actor=actor,
                today=today,
                reason=step.reason,
                late=step.late,
                cancel_open_tasks=step.cancel_open_tasks,
            )
        case "note_survey":
            return [Event(today, step.phase, "survey_outcome", step.reason)]
        case "close_cycle":
            return close_cycle(cycle, session=session, now=now, actor=actor, today=today)
        case "create_next_cycle":
            return _create_next_cycle(
                session=session, body=body, cycle=cycle, now=now, actor=actor, today=today
            )
    raise ValueError(f"unknown step {step.kind}")


def _invite_to_survey(
    *, session: Session, body: Body, cycle: Cycle, phase: Phase, now: dt.datetime
) -> list[Event]:
    due = (
        session.exec(
            select(Deadline.due_on).where(Deadline.phase_id == phase.id).order_by(Deadline.due_on)
        ).first()
        or phase.closes_on
    )
    factions = session.exec(
        select(Faction).where(Faction.body_id == body.id).order_by(Faction.name)
    ).all()
    messages = [
        survey_invitation(
            body_slug=body.slug,
            faction_key=f.key,
            faction_name=f.name,
            leader=f.leader,
            address=f.email,
            year=cycle.year,
            due=due,
            council=body.council,
        )
        for f in factions
    ]
    return queued(messages, session=session, body=body, now=now, phase=PhaseKind.survey)


def _create_next_cycle(
    *, session: Session, body: Body, cycle: Cycle, now: dt.datetime, actor: str, today: dt.date
) -> list[Event]:
    """The budget resolution closes the loop: next year's cycle with its evaluation tasks."""
    year = cycle.year + 1
    try:
        with session.begin_nested():
            following = create_cycle(session=session, body=body, year=year, now=now, actor=actor)
    except KreislaufError as error:
        return [
            Event(
                today,
                PhaseKind.budget_resolution,
                "next_cycle_pending",
                f"Kreislauf {year} noch nicht angelegt: {error}",
            )
        ]
    tasks = session.exec(
        select(Deadline.title, Deadline.due_on)
        .join(Phase, Deadline.phase_id == Phase.id)
        .where(Phase.cycle_id == following.id, Phase.kind == PhaseKind.evaluation.value)
        .order_by(Deadline.due_on)
    ).all()
    detail = "; ".join(f"{title} (fällig {due.strftime('%d.%m.%Y')})" for title, due in tasks)
    return [
        Event(
            today,
            PhaseKind.budget_resolution,
            "next_cycle_created",
            f"Steuerungskreislauf {year} angelegt; Evaluierung: {detail}",
        )
    ]
