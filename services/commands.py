"""The one place where a person's decision is carried out.

`handle(command, ...)` looks up the command's handler in `HANDLERS`; the handler checks the
command against the database, writes the transition (through models.transitions), which
audits it, and returns an `Outcome`: the timeline events and the flow that carries the cycle
on. The CLI, the web forms, the simulation's script and the flows only build commands. A
refusal is a KreislaufError with the command's field; nothing is written then (the caller's
transaction is rolled back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from models.body import Body
from models.calendar_rules import PhaseKind
from models.commands import (
    AnswerSurvey,
    Command,
    ConfirmTask,
    Convene,
    CreateCycle,
    DeliverDocument,
    RecordBudgetResolution,
    RecordResolution,
    RecordSession,
    ReissueSurveyLink,
    ReviewFigures,
    ReviewPartialReport,
    ReviewPlan,
    ReviewTask,
    SubmitFigures,
    SubmitPartialReport,
    SubmitPlan,
)
from models.cycle import Cycle, Deadline, Phase, Task, TaskStatus
from models.decisions import Resolution, SessionTrigger
from models.errors import ConflictError, NotFoundError, Remedy
from models.organisation import Department, Faction
from models.submissions import Submission, SubmissionStatus
from models.transitions import (
    Event,
    answer_survey,
    record_resolution,
    record_session,
    review_task,
)
from services.budget_resolution import record_budget_resolution
from services.cycles import create_cycle, get_cycle
from services.decisions import convene_session, find_faction

# the Prefect flow (flows.starter.FLOWS, flows/deployments.py) that carries each phase on
PHASE_FLOWS = {
    PhaseKind.evaluation: "evaluation",
    PhaseKind.survey: "survey",
    PhaseKind.forum: "forum",
    PhaseKind.retreat: "retreat",
    PhaseKind.resolution: "resolution",
    PhaseKind.planning: "planning",
    PhaseKind.budget_resolution: "budget-resolution",
}


@dataclass(frozen=True)
class Outcome:
    """What a decision did: its events, the cycle's year, the flow to run next (None: none),
    and the row it wrote (a Cycle, Submission or Resolution) for callers that show it."""

    events: list[Event]
    year: int
    flow: str | None
    record: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class Context:
    session: Session
    body: Body
    now: dt.datetime
    actor: str

    @property
    def today(self) -> dt.date:
        return self.body.local_date(self.now)

    def cycle(self, year: int) -> Cycle:
        return get_cycle(session=self.session, body=self.body, year=year)


Handler = Callable[[Any, Context], Outcome]


def handle(
    command: Command, *, session: Session, body: Body, now: dt.datetime, actor: str
) -> Outcome:
    """Carry out `command` at `now` for `actor`; see the module's docstring."""
    handler = HANDLERS[type(command)]
    return handler(command, Context(session, body, now, actor))


def _session_flow(cycle: Cycle) -> str:
    return PHASE_FLOWS[PhaseKind.retreat if cycle.election_year else PhaseKind.forum]


def create_cycle_(command: CreateCycle, ctx: Context) -> Outcome:
    cycle = create_cycle(
        session=ctx.session, body=ctx.body, year=command.year, now=ctx.now, actor=ctx.actor
    )
    return Outcome([], command.year, "annual-cycle", cycle)


def answer_survey_(command: AnswerSurvey, ctx: Context) -> Outcome:
    cycle = ctx.cycle(command.year)
    faction = find_faction(session=ctx.session, body=ctx.body, name=command.faction)
    events = answer_survey(
        cycle,
        faction,
        need=command.need,
        comment=command.comment,
        session=ctx.session,
        now=ctx.now,
        actor=ctx.actor,
        today=ctx.today,
        change=command.change,
    )
    return Outcome(events, command.year, PHASE_FLOWS[PhaseKind.survey])


def convene_(command: Convene, ctx: Context) -> Outcome:
    cycle = ctx.cycle(command.year)
    events = convene_session(
        session=ctx.session,
        body=ctx.body,
        cycle=cycle,
        trigger=SessionTrigger.administration,
        reason=command.reason,
        kind=command.kind,
        field=command.field,
        now=ctx.now,
        actor=ctx.actor,
    )
    return Outcome(events, command.year, _session_flow(cycle))


def record_session_(command: RecordSession, ctx: Context) -> Outcome:
    cycle = ctx.cycle(command.year)
    events = record_session(
        cycle,
        held_on=command.held_on,
        change_set=command.change_set,
        number=command.session,
        session=ctx.session,
        now=ctx.now,
        actor=ctx.actor,
        today=ctx.today,
    )
    return Outcome(events, command.year, _session_flow(cycle))


def record_resolution_(command: RecordResolution, ctx: Context) -> Outcome:
    cycle = ctx.cycle(command.year)
    events = record_resolution(
        cycle,
        number=command.number,
        adopted_on=command.adopted_on,
        paper_reference=command.paper_reference,
        session=ctx.session,
        now=ctx.now,
        actor=ctx.actor,
        today=ctx.today,
    )
    resolution = ctx.session.exec(select(Resolution).where(Resolution.cycle_id == cycle.id)).one()
    return Outcome(events, command.year, PHASE_FLOWS[PhaseKind.resolution], resolution)


def submit_figures(command: SubmitFigures, ctx: Context) -> Outcome:
    from services.submissions import submit_workbook

    submission = submit_workbook(
        ctx.session,
        ctx.body,
        command.year,
        command.content,
        command.filename,
        ctx.now,
        ctx.actor,
        command.department,
    )
    task = _task(submission.task_id, ctx)
    phase, name, title = _task_names(task, ctx)
    detail = f"{name}: {title} eingereicht (Meldevorlage, Versuch {submission.attempt})"
    event = Event(ctx.today, phase, "task_submitted", detail)
    return Outcome([event], command.year, PHASE_FLOWS[phase], submission)


def review_figures(command: ReviewFigures, ctx: Context) -> Outcome:
    from services.submissions import review_submission

    submission = review_submission(
        ctx.session,
        ctx.body,
        command.year,
        command.department,
        command.accept,
        command.comment,
        ctx.now,
        ctx.actor,
        attempt=command.attempt,
    )
    task = _task(submission.task_id, ctx)
    return Outcome(
        [_reviewed(task, command.accept, ctx)], command.year, _task_flow(task, ctx), submission
    )


def review_task_(command: ReviewTask, ctx: Context) -> Outcome:
    """Accept or return a submitted task; a waiting workbook is reviewed with it (accepting
    takes over its figures). Already reviewed: no events."""
    task = _task(command.task_id, ctx)
    cycle = ctx.session.get_one(Cycle, task.cycle_id)
    waiting = _waiting_plans(task, ctx)
    if waiting:
        return _review_waiting_plans(waiting, command, cycle.year, ctx)
    _require_no_plans_needed(task, ctx, "Es wartet keine Planung auf Prüfung.")
    if task.department_id is not None and _waiting_workbook(task, ctx):
        department = ctx.session.get_one(Department, task.department_id)
        figures = ReviewFigures(cycle.year, department.key, command.accept, command.comment)
        return review_figures(figures, ctx)
    if task.department_id is not None and _waiting_partial_report(task, ctx):
        department = ctx.session.get_one(Department, task.department_id)
        report = ReviewPartialReport(cycle.year, department.key, command.accept, command.comment)
        return review_partial_report_(report, ctx)
    reviewed = review_task(
        task,
        accept=command.accept,
        comment=command.comment,
        session=ctx.session,
        now=ctx.now,
        actor=ctx.actor,
    )
    if not reviewed:
        return Outcome([], cycle.year, None)
    return Outcome([_reviewed(task, command.accept, ctx)], cycle.year, _task_flow(task, ctx))


def confirm_task_(command: ConfirmTask, ctx: Context) -> Outcome:
    from services.task_delivery import confirm

    return _delivered(command.task_id, ctx, confirm, command)


def deliver_document_(command: DeliverDocument, ctx: Context) -> Outcome:
    from services.task_delivery import upload

    return _delivered(command.task_id, ctx, upload, command)


def _delivered(task_id: int, ctx: Context, deliver: Callable[..., Any], command: Any) -> Outcome:
    task = _task(task_id, ctx)
    year = ctx.session.get_one(Cycle, task.cycle_id).year
    record, events = deliver(
        command, session=ctx.session, task=task, today=ctx.today, now=ctx.now, actor=ctx.actor
    )
    return Outcome(events, year, _task_flow(task, ctx), record)


def record_budget_resolution_(command: RecordBudgetResolution, ctx: Context) -> Outcome:
    events, resolution = record_budget_resolution(
        command,
        ctx.cycle(command.year),
        session=ctx.session,
        now=ctx.now,
        actor=ctx.actor,
        today=ctx.today,
    )
    return Outcome(events, command.year, PHASE_FLOWS[PhaseKind.budget_resolution], resolution)


def submit_partial_report_(command: SubmitPartialReport, ctx: Context) -> Outcome:
    from services.partial_report import submit_partial_report

    report = submit_partial_report(
        command, session=ctx.session, body=ctx.body, now=ctx.now, actor=ctx.actor
    )
    task = _task(report.task_id, ctx)
    phase, name, title = _task_names(task, ctx)
    detail = f"{name}: {title} eingereicht (Teilhaushaltsbericht, Versuch {report.attempt})"
    event = Event(ctx.today, phase, "task_submitted", detail)
    return Outcome([event], command.year, PHASE_FLOWS[phase], report)


def review_partial_report_(command: ReviewPartialReport, ctx: Context) -> Outcome:
    from services.partial_report import review_partial_report

    report = review_partial_report(
        command, session=ctx.session, body=ctx.body, now=ctx.now, actor=ctx.actor
    )
    task = _task(report.task_id, ctx)
    return Outcome(
        [_reviewed(task, command.accept, ctx)], command.year, _task_flow(task, ctx), report
    )


def _waiting_partial_report(task: Task, ctx: Context) -> bool:
    from services.partial_report import waiting_report

    return (
        TaskStatus(task.status) == TaskStatus.submitted
        and waiting_report(session=ctx.session, task=task) is not None
    )


HANDLERS: dict[type, Handler] = {
    CreateCycle: create_cycle_,
    AnswerSurvey: answer_survey_,
    Convene: convene_,
    RecordSession: record_session_,
    RecordResolution: record_resolution_,
    SubmitFigures: submit_figures,
    ReviewFigures: review_figures,
    ReviewTask: review_task_,
    ConfirmTask: confirm_task_,
    DeliverDocument: deliver_document_,
    RecordBudgetResolution: record_budget_resolution_,
    SubmitPartialReport: submit_partial_report_,
    ReviewPartialReport: review_partial_report_,
}


def _task(task_id: int, ctx: Context) -> Task:
    task = ctx.session.get(Task, task_id)
    if task is None or task.body_id != ctx.body.id:
        raise NotFoundError(f"Die Aufgabe {task_id} gibt es nicht.", field="task_id")
    return task


def _task_names(task: Task, ctx: Context) -> tuple[PhaseKind, str, str]:
    """The task's phase, its assignee's name and its title, for the timeline."""
    deadline, kind = ctx.session.exec(
        select(Deadline, col(Phase.kind))
        .join(Phase, col(Deadline.phase_id) == Phase.id)
        .where(Deadline.id == task.deadline_id)
    ).one()
    assignee: Department | Faction | None = (
        ctx.session.get(Department, task.department_id) if task.department_id else None
    )
    if assignee is None and task.faction_id:
        assignee = ctx.session.get(Faction, task.faction_id)
    name = assignee.name if assignee is not None else task.assignee
    return PhaseKind(kind), name, deadline.title


def _task_flow(task: Task, ctx: Context) -> str:
    return PHASE_FLOWS[_task_names(task, ctx)[0]]


def _reviewed(task: Task, accept: bool, ctx: Context) -> Event:
    phase, name, title = _task_names(task, ctx)
    if accept:
        return Event(ctx.today, phase, "task_accepted", f"{name}: {title} angenommen")
    return Event(ctx.today, phase, "task_returned", f"{name}: {title} zurückgegeben")


def _waiting_workbook(task: Task, ctx: Context) -> bool:
    return (
        TaskStatus(task.status) == TaskStatus.submitted
        and ctx.session.exec(
            select(Submission.id).where(
                Submission.task_id == task.id, Submission.status == SubmissionStatus.submitted
            )
        ).first()
        is not None
    )


def submit_plan_(command: SubmitPlan, ctx: Context) -> Outcome:
    from services.planning import submit_plan

    plan = submit_plan(
        session=ctx.session,
        body=ctx.body,
        year=command.year,
        data=command.content,
        filename=command.filename,
        now=ctx.now,
        actor=ctx.actor,
        department=command.department,
    )
    thh = _thh_name(plan.partial_budget_id, ctx)
    detail = f"{thh}: Planung {plan.plan_year} eingereicht (Versuch {plan.attempt})"
    event = Event(ctx.today, PhaseKind.planning, "plan_submitted", detail)
    return Outcome([event], command.year, PHASE_FLOWS[PhaseKind.planning], plan)


def review_plan_(command: ReviewPlan, ctx: Context) -> Outcome:
    from services.planning import review_plan

    plan = review_plan(
        session=ctx.session,
        body=ctx.body,
        year=command.year,
        thh=command.thh,
        accept=command.accept,
        comment=command.comment,
        now=ctx.now,
        actor=ctx.actor,
        attempt=command.attempt,
    )
    verb = "angenommen" if command.accept else "zurückgegeben"
    detail = f"{_thh_name(plan.partial_budget_id, ctx)}: Planung {plan.plan_year} {verb}"
    event = Event(ctx.today, PhaseKind.planning, f"plan_{plan.status}", detail)
    return Outcome([event], command.year, PHASE_FLOWS[PhaseKind.planning], plan)


def _thh_name(partial_budget_id: int, ctx: Context) -> str:
    from models.product_plan import PartialBudget

    thh = ctx.session.get_one(PartialBudget, partial_budget_id)
    return f"Teilhaushalt {thh.number} {thh.name}"


def _require_no_plans_needed(task: Task, ctx: Context, why: str) -> None:
    """A department's planning task moves with its Teilhaushalte's plans (SubmitPlan,
    ReviewPlan), never by a bare confirmation or a review without a waiting plan."""
    from services.planning import needs_plans

    if needs_plans(session=ctx.session, task=task):
        raise ConflictError(
            f"Die Planung geht je Teilhaushalt ein und wird je Teilhaushalt geprüft. {why}",
            field="task_id",
            remedy=Remedy.template,
        )


def _waiting_plans(task: Task, ctx: Context) -> list[str]:
    from services.planning import waiting_plans

    return [thh.number for thh in waiting_plans(session=ctx.session, task=task)]


def _review_waiting_plans(
    numbers: list[str], command: ReviewTask, year: int, ctx: Context
) -> Outcome:
    """A planning task's review is the review of its waiting plans (the task follows them)."""
    events: list[Event] = []
    outcome = None
    for number in numbers:
        outcome = review_plan_(ReviewPlan(year, number, command.accept, command.comment), ctx)
        events.extend(outcome.events)
    assert outcome is not None  # numbers is not empty
    return Outcome(events, year, outcome.flow, outcome.record)


HANDLERS[SubmitPlan] = submit_plan_
HANDLERS[ReviewPlan] = review_plan_


def reissue_survey_link_(command: ReissueSurveyLink, ctx: Context) -> Outcome:
    from services.survey_links import events_of_reissue, reissue_link

    link, faction = reissue_link(
        command, session=ctx.session, body=ctx.body, now=ctx.now, actor=ctx.actor
    )
    return Outcome(events_of_reissue(link, faction, ctx.today), command.year, None, link)


HANDLERS[ReissueSurveyLink] = reissue_survey_link_
