"""Reconciling a cycle at `now`: load its state, apply the steps the rules ask for, repeat.

`settle` is the one loop: `reconcile` runs it directly (tests, `tick`, the simulation's fast
path), flows.phase with each decision and step as a Prefect task. It is idempotent: a second
run at the same `now` finds no step.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa
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
    StrategySession,
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
from notifications.messages import survey_invitation
from services.cycles import create_cycle, get_cycle
from services.decisions import convene_session, queued

MAX_ROUNDS = 10  # each round applies every due step; a cycle needs at most a handful
E = TypeVar("E")  # what applying a step gives: Events here, their dicts in a flow
S = TypeVar("S", bound=Hashable)  # a step, or a due phase of a day (services.daily)


def load_state(*, session: Session, cycle: Cycle) -> CycleState:
    """The state the rules decide on, for one cycle: the set-based load of one."""
    return load_states(session=session, cycle_ids=[id_of(cycle)])[id_of(cycle)]


# a task's status by its value: a dict lookup, not an Enum call, for tens of thousands of rows
TASK_STATUSES = {status.value: status for status in TaskStatus}
CHUNK = 2000  # cycle ids per IN list: well below every driver's limit on bound parameters


def load_states(*, session: Session, cycle_ids: Collection[int]) -> dict[int, CycleState]:
    """The CycleState of each cycle, in a constant number of queries per CHUNK cycles (one per
    table, grouped here), so that deciding a day for a thousand bodies costs a handful of
    queries instead of a handful per cycle. `load_state` is this for one cycle."""
    states: dict[int, CycleState] = {}
    ordered = sorted(set(cycle_ids))
    for start in range(0, len(ordered), CHUNK):
        states.update(_load_chunk(session, ordered[start : start + CHUNK]))
    return states


@dataclass(frozen=True)
class _StateQueries:
    """The statements of `load_states`, built once: a cycle's reconcile loads its state every
    round, and building SQLAlchemy statements costs more than running them on SQLite."""

    cycles: sa.Executable
    phases: sa.Executable
    tasks: sa.Executable
    factions: sa.Executable
    answers: sa.Executable
    resolutions: sa.Executable
    sessions: sa.Executable
    years: sa.Executable
    budgets: sa.Executable


@functools.cache
def _state_queries() -> _StateQueries:
    ids: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)  # the cycles
    bodies: sa.BindParameter[list[int]] = sa.bindparam("bodies", expanding=True)
    return _StateQueries(
        cycles=sa.select(
            col(Cycle.id),
            col(Cycle.body_id),
            col(Cycle.year),
            col(Cycle.status),
            col(Cycle.election_year),
        ).where(col(Cycle.id).in_(ids)),
        phases=sa.select(
            col(Phase.id),
            col(Phase.cycle_id),
            col(Phase.kind),
            col(Phase.opens_on),
            col(Phase.closes_on),
            col(Phase.status),
        )
        .where(col(Phase.cycle_id).in_(ids))
        .order_by(col(Phase.id)),
        tasks=sa.select(
            col(Task.id),
            col(Task.cycle_id),
            col(Task.status),
            col(Deadline.phase_id),
            col(Deadline.title),
            col(Deadline.due_on),
            col(Department.name),
            col(Faction.name),
        )
        .join(Deadline, col(Task.deadline_id) == col(Deadline.id))
        .join(Department, col(Task.department_id) == col(Department.id), isouter=True)
        .join(Faction, col(Task.faction_id) == col(Faction.id), isouter=True)
        .where(col(Task.cycle_id).in_(ids))
        .order_by(col(Task.id)),
        factions=sa.select(col(Faction.body_id), col(Faction.name))
        .where(col(Faction.body_id).in_(bodies))
        .order_by(col(Faction.name)),
        answers=sa.select(col(SurveyAnswer.cycle_id), col(Faction.name), col(SurveyAnswer.need))
        .join(Faction, col(SurveyAnswer.faction_id) == col(Faction.id))
        .where(col(SurveyAnswer.cycle_id).in_(ids))
        .order_by(col(SurveyAnswer.answered_at), col(Faction.name)),
        resolutions=sa.select(
            col(Resolution.cycle_id), col(Resolution.session_id), col(Resolution.session_ids)
        ).where(col(Resolution.cycle_id).in_(ids)),
        sessions=sa.select(
            col(StrategySession.id),
            col(StrategySession.cycle_id),
            col(StrategySession.field_key),
            col(StrategySession.kind),
            col(StrategySession.status),
            col(StrategySession.change_set),
        )
        .where(col(StrategySession.cycle_id).in_(ids))
        .order_by(col(StrategySession.id)),
        years=sa.select(col(Cycle.body_id), col(Cycle.year)).where(col(Cycle.body_id).in_(bodies)),
        budgets=sa.select(
            col(BudgetResolution.cycle_id),
            col(BudgetResolution.number),
            col(BudgetResolution.adopted_on),
        ).where(col(BudgetResolution.cycle_id).in_(ids)),
    )


def _load_chunk(session: Session, ids: list[int]) -> dict[int, CycleState]:
    q = _state_queries()
    by_cycle = {"ids": ids}
    cycles = session.execute(q.cycles, by_cycle).all()
    if not cycles:
        return {}
    by_body = {"bodies": sorted({body_id for _, body_id, *_ in cycles})}
    phases: dict[int, list[tuple[int, PhaseState]]] = defaultdict(list)
    for phase_id, cycle_id, kind, opens, closes, status in session.execute(q.phases, by_cycle):
        phases[cycle_id].append(
            (phase_id, PhaseState(PhaseKind(kind), opens, closes, PhaseStatus(status)))
        )
    kinds = {phase_id: state.kind for rows in phases.values() for phase_id, state in rows}
    tasks: dict[int, list[TaskState]] = defaultdict(list)
    for task_id, cycle_id, status, phase_id, title, due, department, faction in session.execute(
        q.tasks, by_cycle
    ):
        tasks[cycle_id].append(
            TaskState(
                task_id, kinds[phase_id], department or faction, title, due, TASK_STATUSES[status]
            )
        )
    factions: dict[int, list[str]] = defaultdict(list)
    for body_id, name in session.execute(q.factions, by_body):
        factions[body_id].append(name)
    answers: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for cycle_id, name, need in session.execute(q.answers, by_cycle):
        answers[cycle_id].append((name, need))
    resolved: dict[int, set[int]] = {}  # cycle -> the session ids its resolution adopted
    for cycle_id, session_id, session_ids in session.execute(q.resolutions, by_cycle):
        resolved.setdefault(cycle_id, set()).update(session_ids or [session_id])
    main: dict[int, SessionState] = {}  # the latest main session (field_key "")
    agreed: set[int] = set()  # cycles with held changes that await the resolution
    sessions = session.execute(q.sessions, by_cycle).all()
    for session_id, cycle_id, _, _, status, change_set in sessions:
        adopted = resolved.get(cycle_id, set())
        if status == SessionStatus.held and change_set and session_id not in adopted:
            agreed.add(cycle_id)
    for _, cycle_id, field_key, kind, status, change_set in sessions:
        if field_key == "":  # ordered by id: the last one wins
            main[cycle_id] = SessionState(
                SessionKind(kind),
                SessionStatus(status),
                cycle_id in agreed or bool(change_set and change_set.get("changes")),
            )
    years = {(body_id, year) for body_id, year in session.execute(q.years, by_body)}
    budgets = {
        cycle_id: BudgetDecision(number, adopted_on)
        for cycle_id, number, adopted_on in session.execute(q.budgets, by_cycle)
    }
    return {
        cycle_id: CycleState(
            year=year,
            status=CycleStatus(status),
            election_year=election_year,
            phases=tuple(state for _, state in phases[cycle_id]),
            tasks=tuple(tasks[cycle_id]),
            factions=tuple(factions[body_id]),
            answers=tuple(answers[cycle_id]),
            session=main.get(cycle_id),
            resolution_recorded=cycle_id in resolved,
            next_cycle_exists=(body_id, year + 1) in years,
            budget_resolution=budgets.get(cycle_id),
        )
        for cycle_id, body_id, year, status, election_year in cycles
    }


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
