"""What the cycle should do next: a pure function of its state and the day.

The flows are reconcilers: they load a `CycleState`, ask `next_steps` what is due at `today`,
and apply those steps through `models.transitions`. Applying every step and asking again
returns nothing new, which is why running a flow twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from models.calendar_rules.spec import PhaseKind
from models.cycle import CycleStatus, PhaseStatus, TaskStatus
from models.decisions import SessionKind, SessionStatus

# Phases closed by their people's work: open until every task is accepted or the window ends.
WORK_PHASES = (PhaseKind.evaluation, PhaseKind.planning)
SESSION_PHASES = (PhaseKind.forum, PhaseKind.retreat)


@dataclass(frozen=True)
class PhaseState:
    kind: PhaseKind
    opens: dt.date
    closes: dt.date
    status: PhaseStatus


@dataclass(frozen=True)
class TaskState:
    id: int
    phase: PhaseKind
    assignee: str  # a name for people, e.g. "Fachbereich Umwelt"
    title: str
    due: dt.date
    status: TaskStatus


@dataclass(frozen=True)
class SessionState:
    kind: SessionKind
    status: SessionStatus
    has_changes: bool


@dataclass(frozen=True)
class CycleState:
    year: int
    status: CycleStatus
    election_year: bool
    phases: tuple[PhaseState, ...]
    tasks: tuple[TaskState, ...] = ()
    factions: tuple[str, ...] = ()
    answers: tuple[tuple[str, bool], ...] = ()  # (faction name, need)
    session: SessionState | None = None
    resolution_recorded: bool = False
    next_cycle_exists: bool = False

    def phase(self, kind: PhaseKind) -> PhaseState | None:
        return next((phase for phase in self.phases if phase.kind == kind), None)

    def tasks_of(self, kind: PhaseKind) -> list[TaskState]:
        return [task for task in self.tasks if task.phase == kind]


class StepKind(StrEnum):
    """The transitions a reconcile step can ask for (services.reconcile.STEPS applies them)."""

    start_cycle = "start_cycle"
    open_phase = "open_phase"
    convene_retreat = "convene_retreat"
    convene_forum = "convene_forum"
    forum_not_needed = "forum_not_needed"
    close_phase = "close_phase"
    note_survey = "note_survey"
    close_cycle = "close_cycle"
    create_next_cycle = "create_next_cycle"


@dataclass(frozen=True)
class Step:
    """One thing to do. `kind` names the transition; `phase` where it belongs."""

    kind: StepKind
    phase: PhaseKind
    reason: str = ""
    late: tuple[str, ...] = ()
    requested_by: tuple[str, ...] = field(default=())
    cancel_open_tasks: bool = False  # the phase's remaining tasks are moot ("entfällt")


def next_steps(state: CycleState, today: dt.date, only: PhaseKind | None = None) -> list[Step]:
    """Steps due at `today`, in order; `only` limits them to one phase (a phase flow)."""
    if state.status == CycleStatus.closed:
        return _after_close(state) if only in (None, PhaseKind.budget_resolution) else []
    steps: list[Step] = []
    for phase in sorted(state.phases, key=lambda p: (p.opens, list(PhaseKind).index(p.kind))):
        if only is not None and phase.kind != only:
            continue
        steps += _phase_steps(state, phase, today)
    if state.status == CycleStatus.planned and any(s.kind == StepKind.open_phase for s in steps):
        first = next(s for s in steps if s.kind == StepKind.open_phase)
        steps.insert(0, Step(StepKind.start_cycle, first.phase))
    return steps


def _phase_steps(state: CycleState, phase: PhaseState, today: dt.date) -> list[Step]:
    if phase.status == PhaseStatus.closed or today < phase.opens:
        return []
    steps: list[Step] = []
    if phase.status == PhaseStatus.planned:
        steps.append(Step(StepKind.open_phase, phase.kind))
        if phase.kind == PhaseKind.retreat and state.session is None:
            steps.append(Step(StepKind.convene_retreat, phase.kind, reason="Wahljahr"))
    closing = _closing(state, phase, today)
    if closing is not None:
        steps.append(closing)
        if phase.kind == PhaseKind.survey:
            steps += _survey_outcome(state)
        if phase.kind == PhaseKind.budget_resolution:
            steps.append(Step(StepKind.close_cycle, phase.kind))
            if not state.next_cycle_exists:
                steps.append(Step(StepKind.create_next_cycle, phase.kind))
    return steps


def _closing(state: CycleState, phase: PhaseState, today: dt.date) -> Step | None:
    """The close step when the phase is finished at `today`, else None."""
    tasks = state.tasks_of(phase.kind)
    expired = today > phase.closes
    open_tasks = tuple(f"{t.assignee} – {t.title}" for t in tasks if not t.status.is_finished)
    # late: never delivered; a delivery waiting for review is the reviewer's, not late
    undelivered = tuple(
        f"{t.assignee} – {t.title}"
        for t in tasks
        if not t.status.is_finished and t.status != TaskStatus.submitted
    )
    if phase.kind in WORK_PHASES:
        if not open_tasks:
            return Step(StepKind.close_phase, phase.kind, reason="alle Aufgaben angenommen")
        return (
            Step(
                StepKind.close_phase, phase.kind, reason="Zeitfenster abgelaufen", late=undelivered
            )
            if expired
            else None
        )
    if phase.kind == PhaseKind.survey:
        answered = {name for name, _ in state.answers}
        missing = tuple(name for name in state.factions if name not in answered)
        if not missing:
            return Step(
                StepKind.close_phase, phase.kind, reason="alle Fraktionen haben geantwortet"
            )
        return (
            Step(StepKind.close_phase, phase.kind, reason="Frist abgelaufen", late=missing)
            if expired
            else None
        )
    if phase.kind in SESSION_PHASES:
        session = state.session
        if session is not None and session.status == SessionStatus.held:
            return Step(
                StepKind.close_phase, phase.kind, reason=f"{session.kind.label} durchgeführt"
            )
        if not expired:
            return None
        if session is None or session.status == SessionStatus.not_needed:
            return Step(
                StepKind.close_phase,
                phase.kind,
                reason="nicht erforderlich",
                cancel_open_tasks=True,
            )
        return Step(StepKind.close_phase, phase.kind, reason="nicht durchgeführt", late=open_tasks)
    if phase.kind == PhaseKind.resolution:
        session = state.session
        pending = (
            session is not None and session.status == SessionStatus.held and session.has_changes
        )
        if state.resolution_recorded:
            return Step(StepKind.close_phase, phase.kind, reason="Beschluss gefasst")
        if not pending and _sessions_over(state, today):
            return Step(
                StepKind.close_phase,
                phase.kind,
                reason="kein Beschluss erforderlich",
                cancel_open_tasks=True,
            )
        if expired:
            return Step(
                StepKind.close_phase,
                phase.kind,
                reason="kein Beschluss gefasst: Änderungen nicht wirksam",
                late=open_tasks,
            )
        return None
    # budget_resolution: adopted in the council session that ends the window
    if today >= phase.closes:
        return Step(StepKind.close_phase, phase.kind, reason="Haushalt beschlossen")
    return None


def _sessions_over(state: CycleState, today: dt.date) -> bool:
    """No forum or retreat can still bring changes this cycle."""
    return all(
        phase.status == PhaseStatus.closed or today > phase.closes
        for phase in state.phases
        if phase.kind in SESSION_PHASES
    )


def _survey_outcome(state: CycleState) -> list[Step]:
    """Any 'yes' means a forum is needed; recorded with who said it. Not in an election year:
    the retreat is planned anyway, and an administrator's convening stands."""
    requested = tuple(name for name, need in state.answers if need)
    if state.election_year:
        wish = f"; Bedarf gemeldet von {', '.join(requested)}" if requested else ""
        return [
            Step(
                StepKind.note_survey,
                PhaseKind.survey,
                reason=f"Wahljahr: die Klausurtagung ist geplant{wish}",
            )
        ]
    if state.session is not None:
        return []
    if requested:
        return [
            Step(
                StepKind.convene_forum,
                PhaseKind.survey,
                reason="Bedarf in der Befragung",
                requested_by=requested,
            )
        ]
    return [
        Step(StepKind.forum_not_needed, PhaseKind.survey, reason="kein Bedarf in der Befragung")
    ]


def _after_close(state: CycleState) -> list[Step]:
    if state.next_cycle_exists:
        return []
    return [Step(StepKind.create_next_cycle, PhaseKind.budget_resolution)]
