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

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col

from models.body import Body
from models.calendar_rules import (
    CalendarSpec,
    CyclePlan,
    Delivery,
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
)
from models.cycle import Cycle, Deadline, Phase, Task, TaskStatus
from models.errors import KreislaufError
from models.organisation import Department
from models.transitions import Event
from services.commands import handle
from services.cycles import plan_cycle, working_days_of
from services.scripted_deliveries import deliveries


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class DepartmentsScript(_Strict):
    submit_working_days_before_due: int = Field(default=2, ge=0, le=60)
    review_working_days_after_submission: int = Field(default=1, ge=0, le=60)
    late: list[str] = Field(default_factory=list, max_length=200)
    # their partial budget report is returned once with this comment, then delivered again
    returned_once: list[str] = Field(default_factory=list, max_length=200)
    return_comment: str = Field(
        default="Bitte die Bewertung der Produktgruppen ausführlicher begründen.",
        min_length=1,
        max_length=2000,
    )
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
class Deliver:
    """A scripted person hands in what the task's deadline asks for; the delivery is built
    on its day (services.scripted_deliveries), from the data as it stands then."""

    task_id: int


@dataclass(frozen=True)
class Action:
    """Something a person decides on `day`: the command `perform` hands to the pipeline."""

    day: dt.date
    phase: PhaseKind
    command: Command | Deliver

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
    Deliver: "deliver",
    ReviewTask: "review",
}


# what people hand in (the rest are decisions of their own: answers, sessions, resolutions)
DELIVERED_BY_PEOPLE = (
    Delivery.key_figures,
    Delivery.partial_budget_report,
    Delivery.planning,
    Delivery.document,
    Delivery.confirmation,
)


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
    """Each department delivers before the due day what its deadline asks for; the
    controlling office reviews a working day later (its own tasks need no review)."""
    working_days = working_days_of(body)
    # six columns: more than sqlmodel's select() is typed for, so SQLAlchemy's and execute()
    rows = session.execute(
        sa.select(
            col(Task.id),
            col(Deadline.due_on),
            col(Deadline.delivers),
            col(Phase.kind),
            col(Phase.opens_on),
            col(Phase.closes_on),
            col(Department.key),
            col(Department.is_controlling_office),
        )
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Phase, col(Deadline.phase_id) == Phase.id)
        .join(Department, col(Task.department_id) == Department.id)
        .where(
            col(Task.cycle_id) == cycle.id,
            col(Deadline.delivers).in_([d.value for d in DELIVERED_BY_PEOPLE]),
        )
    ).all()
    actions = []
    for task_id, due, delivers, kind, opens, closes, department, own in rows:
        phase = PhaseKind(kind)
        if department in script.late and delivers != Delivery.planning.value:
            continue
        submitted = max(opens, working_days.shift(due, -script.submit_working_days_before_due))
        if department in script.late:  # the plan, late: the budget needs it
            submitted = working_days.shift(closes, script.late_plan_working_days_after_window)
        actions.append(Action(submitted, phase, Deliver(task_id)))
        if own:  # the controlling office's own task is accepted with its delivery
            continue
        reviewed = working_days.shift(submitted, script.review_working_days_after_submission)
        if department in script.returned_once and delivers == Delivery.partial_budget_report:
            comment = script.return_comment
            actions.append(Action(reviewed, phase, ReviewTask(task_id, False, comment)))
            submitted = working_days.shift(reviewed, 1)
            actions.append(Action(submitted, phase, Deliver(task_id)))
            reviewed = working_days.shift(submitted, script.review_working_days_after_submission)
        actions.append(Action(reviewed, phase, ReviewTask(task_id, accept=True)))
    return actions


def perform(
    action: Action, *, session: Session, body: Body, cycle: Cycle, now: dt.datetime, actor: str
) -> list[Event]:
    """Carry out one action through the decision pipeline; a refusal becomes a timeline event
    (and writes nothing, as for everyone else)."""
    try:
        commands = _commands(action, session=session, body=body, year=cycle.year, now=now)
        events: list[Event] = []
        for command in commands:
            with session.begin_nested():
                events += handle(command, session=session, body=body, now=now, actor=actor).events
        return events
    except KreislaufError as error:
        today = body.local_date(now)
        return [Event(today, action.phase, "script_refused", f"{action.kind}: {error}")]


def _commands(
    action: Action, *, session: Session, body: Body, year: int, now: dt.datetime
) -> list[Command]:
    """What the action hands to the pipeline today: a delivery as its deadline asks for it,
    a review only of what waits for one; nothing for a task that needs nothing any more."""
    command = action.command
    if isinstance(command, Deliver):
        task = session.get_one(Task, command.task_id)
        found = deliveries(task, session=session, body=body, year=year, today=action.day)
        return found or []
    if isinstance(command, ReviewTask):
        task = session.get_one(Task, command.task_id)
        return [command] if TaskStatus(task.status) == TaskStatus.submitted else []
    return [command]
