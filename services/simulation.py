"""Scripted people for the simulation: who answers, submits, convenes and decides, and when.

A script is a TOML file whose dates are calendar rules of the cycle's year ("6th working day
of April", "15 working days after forum.opens", "resolution"), so one script serves any year.
`plan_actions` turns it into dated commands; `perform` hands one to the decision pipeline
(services.commands), as the CLI and the web do. Nothing here runs Prefect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col

from models.body import Body
from models.calendar_rules import (
    CalendarSpec,
    CyclePlan,
    PhaseKind,
    RuleContext,
    RuleError,
    parse_rule,
)
from models.change_set import Change, ChangeSet
from models.commands import (
    AnswerSurvey,
    BudgetAmendmentInput,
    Command,
    Convene,
    RecordBudgetResolution,
    RecordResolution,
    RecordSession,
    ReviewTask,
    SubmitFigures,
    SubmitTask,
)
from models.cycle import Cycle, Deadline, Phase, Task, TaskStatus
from models.errors import KreislaufError
from models.organisation import Department
from models.reconcile import WORK_PHASES
from models.transitions import Event
from services.commands import handle
from services.cycles import plan_cycle, working_days_of

if TYPE_CHECKING:
    from models.workbook_layout import FigureRow


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class DepartmentsScript(_Strict):
    submit_working_days_before_due: int = Field(default=2, ge=0)
    review_working_days_after_submission: int = Field(default=1, ge=0)
    late: list[str] = Field(default_factory=list)
    # a late department still delivers its plan, this many working days after the planning
    # window: without every plan accepted the council cannot adopt the budget
    late_plan_working_days_after_window: int = Field(default=5, ge=0)


class SurveyScript(_Strict):
    faction: str
    on: str
    need: bool
    comment: str | None = None


class ConveneScript(_Strict):
    on: str
    reason: str


class SessionScript(_Strict):
    held_on: str
    participants: list[str] = Field(default_factory=list)
    summary: str | None = None
    changes: list[Change] = Field(min_length=1)


class ResolutionScript(_Strict):
    on: str
    number: str


class BudgetAmendmentScript(_Strict):
    product_group: str
    income: Decimal = Decimal(0)
    expenses: Decimal = Decimal(0)
    note: str


class BudgetResolutionScript(_Strict):
    on: str
    number: str
    amendments: list[BudgetAmendmentScript] = Field(default_factory=list)


class SimulationScript(_Strict):
    departments: DepartmentsScript = DepartmentsScript()
    survey: list[SurveyScript] = Field(default_factory=list)
    convene: ConveneScript | None = None
    session: SessionScript | None = None
    resolution: ResolutionScript | None = None
    budget_resolution: BudgetResolutionScript | None = None


def load_script(path: Path | None) -> SimulationScript:
    """The script at `path` (German errors naming file and key); none: departments only."""
    if path is None:
        return SimulationScript()
    from config.loader import load_toml_model

    return load_toml_model(path, SimulationScript, field="script", what="Das Simulationsskript")


@dataclass(frozen=True)
class Action:
    """Something a person decides on `day`: the command `perform` hands to the pipeline."""

    day: dt.date
    phase: PhaseKind
    command: Command

    @property
    def kind(self) -> str:
        """The action's name on the timeline (e.g. in a refusal)."""
        return KINDS[type(self.command)]


KINDS: dict[type, str] = {
    AnswerSurvey: "survey_answer",
    Convene: "convene",
    RecordSession: "record_session",
    RecordResolution: "record_resolution",
    RecordBudgetResolution: "record_budget_resolution",
    SubmitTask: "submit",
    ReviewTask: "accept",
}


def resolve(rule: str, plan: CyclePlan, body: Body, where: str) -> dt.date:
    """A script date: a calendar rule resolved against the cycle's planned dates."""

    def lookup(name: str, edge: str | None) -> dt.date:
        return plan.date_of(name, edge)

    sessions = CalendarSpec.model_validate(body.calendar).council_sessions.get(plan.year, [])
    context = RuleContext(plan.year, working_days_of(body), tuple(sorted(sessions)), lookup)
    try:
        return parse_rule(rule).resolve(context)
    except RuleError as error:
        raise KreislaufError(f"Simulationsskript, {where}: {error}") from None


def plan_actions(
    script: SimulationScript, *, session: Session, body: Body, cycle: Cycle
) -> list[Action]:
    """Every scripted action of the cycle, in date order."""
    plan = plan_cycle(body, cycle.year)
    year = cycle.year
    actions = [
        Action(
            resolve(answer.on, plan, body, f"survey[{index}].on"),
            PhaseKind.survey,
            AnswerSurvey(year, answer.faction, answer.need, answer.comment),
        )
        for index, answer in enumerate(script.survey)
    ]
    if script.convene:
        day = resolve(script.convene.on, plan, body, "convene.on")
        actions.append(Action(day, PhaseKind.survey, Convene(year, script.convene.reason)))
    session_kind = PhaseKind.retreat if cycle.election_year else PhaseKind.forum
    if script.session:
        held_on = resolve(script.session.held_on, plan, body, "session.held_on")
        change_set = ChangeSet(
            summary=script.session.summary,
            participants=script.session.participants,
            changes=script.session.changes,
        )
        actions.append(Action(held_on, session_kind, RecordSession(year, held_on, change_set)))
    if script.resolution:
        day = resolve(script.resolution.on, plan, body, "resolution.on")
        number = script.resolution.number.format(year=year)
        actions.append(Action(day, PhaseKind.resolution, RecordResolution(year, number, day)))
    if script.budget_resolution:
        actions.append(_budget_resolution(script.budget_resolution, plan, body, year))
    actions += _department_actions(script.departments, session=session, body=body, cycle=cycle)
    return sorted(actions, key=lambda action: action.day)


def _budget_resolution(
    script: BudgetResolutionScript, plan: CyclePlan, body: Body, year: int
) -> Action:
    """The council adopts the budget on the scripted day, with the scripted amendments."""
    day = resolve(script.on, plan, body, "budget_resolution.on")
    amendments = tuple(
        BudgetAmendmentInput(
            entry.product_group,
            entry.income,
            entry.expenses,
            entry.note,
            f"budget_resolution.amendments[{index}]",
        )
        for index, entry in enumerate(script.amendments)
    )
    number = script.number.format(year=year)
    command = RecordBudgetResolution(year, number, day, amendments)
    return Action(day, PhaseKind.budget_resolution, command)


def _department_actions(
    script: DepartmentsScript, *, session: Session, body: Body, cycle: Cycle
) -> list[Action]:
    """Each department submits before the due day; the controlling office accepts after."""
    working_days = working_days_of(body)
    # five columns: more than sqlmodel's select() is typed for, so SQLAlchemy's and execute()
    rows = session.execute(
        sa.select(
            col(Task.id),
            col(Deadline.due_on),
            col(Phase.kind),
            col(Phase.opens_on),
            col(Phase.closes_on),
            col(Department.key),
        )
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Phase, col(Deadline.phase_id) == Phase.id)
        .join(Department, col(Task.department_id) == Department.id)
        .where(
            col(Task.cycle_id) == cycle.id,
            col(Phase.kind).in_([k.value for k in WORK_PHASES]),
        )
    ).all()
    actions = []
    for task_id, due, kind, opens, closes, department in rows:
        if department in script.late and kind != PhaseKind.planning:
            continue
        submitted = max(opens, working_days.shift(due, -script.submit_working_days_before_due))
        if department in script.late:  # the plan, late: the budget needs it
            submitted = working_days.shift(closes, script.late_plan_working_days_after_window)
        reviewed = working_days.shift(submitted, script.review_working_days_after_submission)
        actions.append(Action(submitted, PhaseKind(kind), SubmitTask(task_id)))
        actions.append(Action(reviewed, PhaseKind(kind), ReviewTask(task_id, accept=True)))
    return actions


def perform(
    action: Action, *, session: Session, body: Body, cycle: Cycle, now: dt.datetime, actor: str
) -> list[Event]:
    """Carry out one action through the decision pipeline; a refusal becomes a timeline event."""
    try:
        command = _as_delivered(action.command, session=session, body=body, year=cycle.year)
        if command is None:
            return []
        with session.begin_nested():  # a refusal writes nothing, as for everyone else
            return handle(command, session=session, body=body, now=now, actor=actor).events
    except KreislaufError as error:
        today = body.local_date(now)
        return [Event(today, action.phase, "script_refused", f"{action.kind}: {error}")]


def _as_delivered(command: Command, *, session: Session, body: Body, year: int) -> Command | None:
    """A scripted person delivers the key-figure task with a filled-in workbook (None: that
    task is not open for one); every other command stands as planned."""
    if not isinstance(command, SubmitTask):
        return command
    task = session.get(Task, command.task_id)
    if task is None:
        return command
    workbook = _figures_workbook(task, session=session, body=body, year=year)
    if workbook is None:
        return command
    if TaskStatus(task.status) not in (TaskStatus.open, TaskStatus.returned):
        return None
    department, content = workbook
    return SubmitFigures(year, None, f"{department.key}.csv", content)


def _figures_workbook(
    task: Task, *, session: Session, body: Body, year: int
) -> tuple[Department, bytes] | None:
    """For the key-figure deadline: the department's workbook, filled in by a scripted person
    (actuals near the target, the same every run), as CSV; None for other tasks or when the
    department has nothing to report."""
    from dataclasses import replace

    from models.workbook import write_csv
    from services.submissions import build_template, figures_deadline_key

    deadline = session.get(Deadline, task.deadline_id)
    department = session.get(Department, task.department_id)
    try:
        key = figures_deadline_key(body)
    except KreislaufError:
        return None
    if deadline is None or department is None or deadline.key != key:
        return None
    template = build_template(session=session, body=body, year=year, department=department)
    if not template.figures and not template.measures:
        return None
    figures = [replace(row, actual=_scripted_actual(row, year)) for row in template.figures]
    return department, write_csv(replace(template, figures=figures))


def _scripted_actual(row: FigureRow, year: int) -> float:
    """Between 92 % and 104 % of the target (or of last year's actual), within the plausible
    range; derived from the figure's key and the year so that a simulation is repeatable."""
    import hashlib

    base = row.target if row.target is not None else row.last_actual
    if base is None:
        base = row.plausible_min if row.plausible_min is not None else 0.0
    spread = int(hashlib.sha256(f"{row.key}:{year}".encode()).hexdigest(), 16) % 13
    value = round(base * (0.92 + spread / 100), 1)
    if row.plausible_min is not None:
        value = max(value, row.plausible_min)
    if row.plausible_max is not None:
        value = min(value, row.plausible_max)
    return value
