"""Reconciling a cycle at `now`: load its state, apply the steps the rules ask for, repeat.

`settle` is the one loop: `reconcile` runs it directly (tests, `tick`, the simulation's fast
path), flows.phase with each decision and step as a Prefect task. It is idempotent: a second
run at the same `now` finds no step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel import Session, col, select

from models.body import Body
from models.budget_resolution import BudgetResolution
from models.calendar_rules import PhaseKind
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.db import id_of
from models.decisions import (
    Resolution,
    SessionKind,
    SessionStatus,
    SessionTrigger,
    SurveyAnswer,
)
from models.errors import KreislaufError
from models.organisation import Department, Faction
from models.reconcile import (
    BudgetDecision,
    CycleState,
    PhaseState,
    SessionState,
    Step,
    StepKind,
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
from models.transitions.sessions import get_strategy_session, unresolved_held
from notifications.messages import survey_invitation
from services.cycles import create_cycle, get_cycle
from services.decisions import convene_session, queued

MAX_ROUNDS = 10  # each round applies every due step; a cycle needs at most a handful
E = TypeVar("E")  # what applying a step gives: Events here, their dicts in a flow
S = TypeVar("S", bound=Hashable)  # a step, or a due phase of a day (services.daily)


def load_state(*, session: Session, cycle: Cycle) -> CycleState:
    phases = session.exec(select(Phase).where(Phase.cycle_id == cycle.id)).all()
    kinds = {phase.id: PhaseKind(phase.kind) for phase in phases}
    rows = session.exec(
        select(Task, Deadline, Department.name, Faction.name)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .join(Faction, col(Task.faction_id) == Faction.id, isouter=True)
        .where(Task.cycle_id == cycle.id)
    ).all()
    factions = session.exec(
        select(Faction.name).where(Faction.body_id == cycle.body_id).order_by(Faction.name)
    ).all()
    answers = session.exec(
        select(Faction.name, SurveyAnswer.need)
        .join(Faction, col(SurveyAnswer.faction_id) == Faction.id)
        .where(SurveyAnswer.cycle_id == cycle.id)
        .order_by(col(SurveyAnswer.answered_at), col(Faction.name))
    ).all()
    strategy_session = get_strategy_session(cycle, session=session)  # the main session
    agreed = bool(unresolved_held(cycle, session=session))  # changes await the resolution
    resolution = session.exec(select(Resolution.id).where(Resolution.cycle_id == cycle.id)).first()
    next_cycle = session.exec(
        select(Cycle.id).where(Cycle.body_id == cycle.body_id, Cycle.year == cycle.year + 1)
    ).first()
    budget = session.exec(
        select(col(BudgetResolution.number), col(BudgetResolution.adopted_on)).where(
            BudgetResolution.cycle_id == cycle.id
        )
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
                id_of(task),
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
            agreed
            or bool(strategy_session.change_set and strategy_session.change_set.get("changes")),
        ),
        resolution_recorded=resolution is not None,
        next_cycle_exists=next_cycle is not None,
        budget_resolution=None if budget is None else BudgetDecision(*budget),
    )


def pending_phases(*, session: Session, body: Body, year: int, now: dt.datetime) -> list[PhaseKind]:
    """Phases with something to do at `now`, in order: which phase flows to run."""
    cycle = get_cycle(session=session, body=body, year=year, required=False)
    if cycle is None:
        return []
    steps = next_steps(load_state(session=session, cycle=cycle), body.local_date(now))
    return list(dict.fromkeys(step.phase for step in steps))


def settle(decide: Callable[[], list[S]], apply: Callable[[S], list[E]], *, what: str) -> list[E]:
    """The reconcile loop: apply every step `decide` names, ask again, until nothing is left or
    nothing more can be done now. A step that could not be done is not tried again. The flows
    wrap `decide` and `apply` as Prefect tasks; `reconcile` calls them directly; a day's
    due phases (services.daily) settle the same way."""
    events: list[E] = []
    attempted: set[S] = set()
    for _ in range(MAX_ROUNDS):
        steps = [step for step in decide() if step not in attempted]
        if not steps:
            return events
        attempted.update(steps)
        applied: list[E] = []
        for step in steps:
            applied += apply(step)
        if not applied:  # what is left cannot be done now (e.g. next year lacks session dates)
            return events
        events += applied
    raise RuntimeError(f"{what} did not settle after {MAX_ROUNDS} rounds")


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
    today = body.local_date(now)
    context = StepContext(session, body, cycle, now, actor, today)
    return settle(
        lambda: next_steps(load_state(session=session, cycle=cycle), today, only),
        lambda step: STEPS[step.kind](step, context),
        what=f"cycle {year} of {body.slug}",
    )


@dataclass(frozen=True)
class StepContext:
    session: Session
    body: Body
    cycle: Cycle
    now: dt.datetime
    actor: str
    today: dt.date

    def phase(self, kind: PhaseKind) -> Phase:
        """The cycle's phase of `kind`; a step names only phases the cycle has."""
        phase = get_phase(self.cycle, kind, session=self.session)
        if phase is None:
            raise LookupError(f"cycle {self.cycle.year} has no phase {kind.value}")
        return phase


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
    """Apply one step (idempotent: a step already done yields no events)."""
    return STEPS[step.kind](step, StepContext(session, body, cycle, now, actor, today))


def _start_cycle(step: Step, c: StepContext) -> list[Event]:
    return start_cycle(
        c.cycle, step.phase, session=c.session, now=c.now, actor=c.actor, today=c.today
    )


def _open_phase(step: Step, c: StepContext) -> list[Event]:
    phase = c.phase(step.phase)
    events = open_phase(phase, session=c.session, now=c.now, actor=c.actor, today=c.today)
    if step.phase == PhaseKind.survey:
        events += _invite_to_survey(
            session=c.session, body=c.body, cycle=c.cycle, phase=phase, now=c.now, actor=c.actor
        )
    return events


def _convene(trigger: SessionTrigger) -> Callable[[Step, StepContext], list[Event]]:
    def convene(step: Step, c: StepContext) -> list[Event]:
        return convene_session(
            session=c.session,
            body=c.body,
            cycle=c.cycle,
            trigger=trigger,
            reason=step.reason,
            requested_by=step.requested_by,
            now=c.now,
            actor=c.actor,
        )

    return convene


def _forum_not_needed(step: Step, c: StepContext) -> list[Event]:
    return record_not_needed(
        c.cycle, session=c.session, now=c.now, actor=c.actor, today=c.today, reason=step.reason
    )


def _close_phase(step: Step, c: StepContext) -> list[Event]:
    phase = c.phase(step.phase)
    events = []
    if step.phase == PhaseKind.budget_resolution:
        events += complete_phase_tasks(
            phase,
            session=c.session,
            now=c.now,
            actor=c.actor,
            today=c.today,
            why="Haushaltsbeschluss",
        )
    return events + close_phase(
        phase,
        session=c.session,
        now=c.now,
        actor=c.actor,
        today=c.today,
        reason=step.reason,
        late=step.late,
        cancel_open_tasks=step.cancel_open_tasks,
    )


def _note_survey(step: Step, c: StepContext) -> list[Event]:
    return [Event(c.today, step.phase, "survey_outcome", step.reason)]


def _close_cycle(step: Step, c: StepContext) -> list[Event]:
    return close_cycle(c.cycle, session=c.session, now=c.now, actor=c.actor, today=c.today)


def _create_next(step: Step, c: StepContext) -> list[Event]:
    return _create_next_cycle(
        session=c.session, body=c.body, cycle=c.cycle, now=c.now, actor=c.actor, today=c.today
    )


STEPS: dict[StepKind, Callable[[Step, StepContext], list[Event]]] = {
    StepKind.start_cycle: _start_cycle,
    StepKind.open_phase: _open_phase,
    StepKind.convene_retreat: _convene(SessionTrigger.election),
    StepKind.convene_forum: _convene(SessionTrigger.survey),
    StepKind.forum_not_needed: _forum_not_needed,
    StepKind.close_phase: _close_phase,
    StepKind.note_survey: _note_survey,
    StepKind.close_cycle: _close_cycle,
    StepKind.create_next_cycle: _create_next,
}


def _invite_to_survey(
    *, session: Session, body: Body, cycle: Cycle, phase: Phase, now: dt.datetime, actor: str
) -> list[Event]:
    """Each faction leader's invitation, with their personal link (issued here) when
    KREISLAUF_BASE_URL says where the site is."""
    from config.settings import Settings
    from services.survey_links import ensure_link, link_url, token_of

    base_url = Settings().base_url
    due = (
        session.exec(
            select(col(Deadline.due_on))
            .where(Deadline.phase_id == phase.id)
            .order_by(col(Deadline.due_on))
        ).first()
        or phase.closes_on
    )
    factions = session.exec(
        select(Faction).where(Faction.body_id == body.id).order_by(Faction.name)
    ).all()
    messages = []
    for f in factions:
        link = ensure_link(session=session, body=body, cycle=cycle, faction=f, now=now, actor=actor)
        token = token_of(link, body=body, cycle=cycle, faction=f)
        messages.append(
            survey_invitation(
                body_slug=body.slug,
                faction_key=f.key,
                faction_name=f.name,
                leader=f.leader,
                address=f.email,
                year=cycle.year,
                due=due,
                council=body.council,
                link=link_url(base_url, token) if base_url else None,
            )
        )
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
        select(col(Deadline.title), col(Deadline.due_on))
        .join(Phase, col(Deadline.phase_id) == Phase.id)
        .where(Phase.cycle_id == following.id, Phase.kind == PhaseKind.evaluation.value)
        .order_by(col(Deadline.due_on))
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
