"""Operational planning: a Teilhaushalt's plan workbook submitted, checked whole, reviewed.

`submit_plan` validates the whole file, then records a new plan attempt of the Teilhaushalt
(goals, measures, targets, budget rows); `review_plan` accepts or returns the latest one.
The departments' planning tasks (the deadline that `delivers = "planning"`) follow: a
department's task is submitted when every Teilhaushalt it answers for (products.toml) has a
submitted or accepted plan, accepted when all of them are accepted, and returned when one is
returned. Nothing is written on a refusal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.calendar_rules import Delivery
from models.cycle import Cycle, Deadline, Task, TaskStatus
from models.db import id_of
from models.errors import ConflictError, NotFoundError, Remedy, file_refused, listed_problems
from models.organisation import Department
from models.planning import (
    BudgetCeiling,
    Plan,
    PlanBudget,
    PlanFile,
    PlanGoal,
    PlanMeasure,
    PlanStatus,
    PlanTarget,
)
from models.planning_workbook import Expected, PlanReport, check_identity, check_plan
from models.product_plan import PartialBudget, PartialBudgetDepartment
from models.strategy import KeyFigure, Priority
from models.transitions import require_open_cycle, review_task, submit_task, transition
from models.workbook_layout import Sheet, SubmissionInvalid
from services.cycles import get_cycle
from services.plan_workbook import build_plan_template, latest_plan, thh_groups


def find_thh(*, session: Session, body: Body, number: str) -> PartialBudget:
    """A Teilhaushalt by its number ("3" or "THH 3")."""
    wanted = number.strip().removeprefix("THH").strip()
    found = session.exec(
        select(PartialBudget).where(
            PartialBudget.body_id == body.id, PartialBudget.number == wanted
        )
    ).first()
    if found is None:
        known = session.exec(
            select(PartialBudget.number).where(PartialBudget.body_id == body.id)
        ).all()
        raise NotFoundError(
            f"Den Teilhaushalt {number!r} gibt es nicht "
            f"(vorhanden: {', '.join(known) or 'keine'}).",
            field="thh",
        )
    return found


def departments_of(*, session: Session, thh: PartialBudget) -> list[Department]:
    return list(
        session.exec(
            select(Department)
            .join(
                PartialBudgetDepartment, col(PartialBudgetDepartment.department_id) == Department.id
            )
            .where(PartialBudgetDepartment.partial_budget_id == thh.id)
            .order_by(Department.key)
        ).all()
    )


def thhs_of(*, session: Session, department: Department) -> list[PartialBudget]:
    """The Teilhaushalte a department answers for (products.toml)."""
    return list(
        session.exec(
            select(PartialBudget)
            .join(
                PartialBudgetDepartment,
                col(PartialBudgetDepartment.partial_budget_id) == PartialBudget.id,
            )
            .where(PartialBudgetDepartment.department_id == department.id)
            .order_by(col(PartialBudget.id))
        ).all()
    )


def planning_task(*, session: Session, cycle: Cycle, department: Department) -> Task | None:
    """The department's task of the deadline that the planning workbook fulfils."""
    return session.exec(
        select(Task)
        .join(Deadline, col(Deadline.id) == Task.deadline_id)
        .where(
            Deadline.cycle_id == cycle.id,
            Deadline.delivers == Delivery.planning.value,
            Task.department_id == department.id,
        )
        .order_by(col(Task.id))
    ).first()


def is_planning_task(*, session: Session, task: Task) -> bool:
    return session.get_one(Deadline, task.deadline_id).delivers == Delivery.planning


def needs_plans(*, session: Session, task: Task) -> bool:
    """A planning task of a department that answers for a Teilhaushalt: fulfilled only by
    the Teilhaushalte's plans, never by a bare confirmation or review. (A department without
    one keeps the generic path: it has nothing to plan in a workbook.)"""
    if task.department_id is None or not is_planning_task(session=session, task=task):
        return False
    department = session.get_one(Department, task.department_id)
    return bool(thhs_of(session=session, department=department))


def expected(*, session: Session, body: Body, year: int, thh: PartialBudget) -> Expected:
    """What the Teilhaushalt's workbook of cycle `year` may hold: its groups and figures, the
    priorities of the strategy in force, and the ceiling of the plan year."""
    from models.planning_workbook import TargetRow
    from models.strategy import FieldOfAction
    from models.strategy_versions import current_version
    from services.plan_workbook import thh_figures

    groups = thh_groups(session=session, thh=thh)
    ceiling = session.exec(
        select(col(BudgetCeiling.net)).where(
            BudgetCeiling.partial_budget_id == thh.id, BudgetCeiling.year == year + 1
        )
    ).first()
    version = current_version(session=session, body_id=id_of(body))
    priorities = session.exec(
        select(Priority.code)
        .join(FieldOfAction, col(FieldOfAction.id) == Priority.field_id)
        .where(FieldOfAction.version_id == version.id)
    ).all()
    return Expected(
        body_slug=body.slug,
        cycle_year=year,
        thh_number=thh.number,
        groups={group.number: group.name for group in groups},
        priorities=frozenset(priorities),
        targets={
            f.key: TargetRow(
                f.key, f.name, f.unit, f.product_group, None, {}, f.plausible_min, f.plausible_max
            )
            for f in thh_figures(session=session, body=body, groups=groups)
        },
        ceiling=ceiling,
    )


def write_plan_template(
    *, session: Session, body: Body, year: int, thh: str
) -> tuple[bytes, PartialBudget]:
    from services.plan_workbook import write_plan_xlsx

    cycle = get_cycle(session=session, body=body, year=year)
    found = find_thh(session=session, body=body, number=thh)
    template = build_plan_template(
        session=session, body=body, cycle_id=id_of(cycle), year=year, thh=found
    )
    return write_plan_xlsx(template), found


def _refused(filename: str, problems: list[str], *, whose: bool = True) -> SubmissionInvalid:
    """`whose`: the file is not this Teilhaushalt's planning workbook (then the template is
    the remedy); else its rows are what is wrong."""
    return SubmissionInvalid(
        file_refused(filename, len(problems)),
        problems=listed_problems(problems),
        field="content",
        remedy=Remedy.plan_template if whose else None,
    )


def _thh_of_file(sheets: dict[str, Sheet], filename: str) -> str:
    from models.planning_workbook import INFO, INFO_THH
    from models.workbook_place import cell_text

    if INFO not in sheets:
        raise _refused(filename, [f"Blatt „{INFO}“ fehlt – ist das die Planungsvorlage?"])
    for _, cells in sheets[INFO].rows:
        if cell_text(cells, 0) == INFO_THH and cell_text(cells, 1):
            return str(cell_text(cells, 1))
    raise _refused(filename, [f"{INFO}: das Feld „{INFO_THH}“ fehlt"])


def submit_plan(
    *,
    session: Session,
    body: Body,
    year: int,
    data: bytes,
    filename: str,
    now: dt.datetime,
    actor: str,
    department: str | None = None,
) -> Plan:
    """Check the whole workbook, then record it as the Teilhaushalt's next plan attempt and
    move the departments' planning tasks. `department` (the web's uploader) must answer for
    the workbook's Teilhaushalt."""
    from models.workbook_read import read_sheets

    sheets = read_sheets(data, filename)
    thh_number = _thh_of_file(sheets, filename)
    cycle = get_cycle(session=session, body=body, year=year)
    try:
        thh = find_thh(session=session, body=body, number=thh_number)
    except NotFoundError as error:
        raise _refused(filename, [f"Info: {error.message}"]) from None
    want = expected(session=session, body=body, year=year, thh=thh)
    identity = check_identity(sheets, want)
    if identity:
        raise _refused(filename, identity)
    departments = departments_of(session=session, thh=thh)
    if department is not None and department not in {d.key for d in departments}:
        raise _refused(
            filename,
            [f"Info: der Teilhaushalt {thh.number} gehört nicht zum Fachbereich {department}"],
        )
    _require_open(session=session, cycle=cycle, thh=thh, departments=departments)
    report = check_plan(sheets, want)
    if report.problems:
        raise _refused(filename, report.problems, whose=False)
    plan = _record(session, body, cycle, thh, report, data, filename, now, actor)
    for found in departments:
        _follow_submitted(session=session, cycle=cycle, department=found, now=now, actor=actor)
    session.flush()
    return plan


def _require_open(
    *, session: Session, cycle: Cycle, thh: PartialBudget, departments: list[Department]
) -> None:
    require_open_cycle(id_of(cycle), session=session)
    what = f"Die Planung {cycle.year + 1} des Teilhaushalts {thh.number}"
    latest = latest_plan(session=session, cycle_id=id_of(cycle), thh_id=id_of(thh))
    if latest is not None and PlanStatus(latest.status) == PlanStatus.submitted:
        raise ConflictError(f"{what} ist bereits eingereicht und wartet auf Prüfung.")
    if latest is not None and PlanStatus(latest.status) == PlanStatus.accepted:
        raise ConflictError(f"{what} ist bereits angenommen; sie kann nicht mehr geändert werden.")
    tasks = [planning_task(session=session, cycle=cycle, department=d) for d in departments]
    if not any(tasks):
        raise NotFoundError(f"{what}: im Kreislauf {cycle.year} gibt es keine Planungsaufgabe.")
    for task in tasks:
        status = TaskStatus(task.status) if task else None
        if status == TaskStatus.planned:
            raise ConflictError(f"{what} ist noch nicht fällig: die Phase ist noch nicht eröffnet.")
        if status == TaskStatus.accepted:
            raise ConflictError(f"{what}: die Planungsaufgabe ist bereits angenommen.")
        if status == TaskStatus.cancelled:
            raise ConflictError(f"{what} entfällt (Aufgabe abgesagt).")


def _record(
    session: Session,
    body: Body,
    cycle: Cycle,
    thh: PartialBudget,
    report: PlanReport,
    data: bytes,
    filename: str,
    now: dt.datetime,
    actor: str,
) -> Plan:
    previous = session.exec(
        select(sa.func.max(Plan.attempt)).where(
            Plan.cycle_id == cycle.id, Plan.partial_budget_id == thh.id
        )
    ).one()
    plan = Plan(
        body_id=id_of(body),
        cycle_id=id_of(cycle),
        partial_budget_id=id_of(thh),
        plan_year=cycle.year + 1,
        attempt=(previous or 0) + 1,
        filename=filename[-300:],
        sha256=hashlib.sha256(data).hexdigest(),
        submitted_at=now,
        submitted_by=actor[:200],
    )
    try:
        with session.begin_nested():
            session.add(plan)
            session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError("Gleichzeitig wurde eine andere Planung eingereicht.") from None
    session.add(PlanFile(plan_id=id_of(plan), content=data))
    _add_rows(session=session, body=body, plan=plan, thh=thh, report=report)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="plan.submitted",
        entity="plan",
        entity_id=plan.id,
        body_id=body.id,
        after={
            "thh": thh.number,
            "attempt": plan.attempt,
            "filename": plan.filename,
            "sha256": plan.sha256,
            "goals": len(report.goals),
            "measures": len(report.measures),
            "targets": len(report.targets),
        },
    )
    return plan


def _add_rows(
    *, session: Session, body: Body, plan: Plan, thh: PartialBudget, report: PlanReport
) -> None:
    groups = {g.number: id_of(g) for g in thh_groups(session=session, thh=thh)}
    goal_ids = {}
    for goal in report.goals:
        row = PlanGoal(
            plan_id=id_of(plan),
            product_group_id=groups[goal.group],
            position=goal.number,
            priority_code=goal.priority,
            text=goal.text,
        )
        session.add(row)
        session.flush()
        goal_ids[goal.number] = id_of(row)
    for position, measure in enumerate(report.measures, start=1):
        session.add(
            PlanMeasure(
                plan_id=id_of(plan),
                plan_goal_id=goal_ids[measure.goal_number],
                position=position,
                text=measure.text,
                owner=measure.owner,
                starts_on=measure.starts_on,
                ends_on=measure.ends_on,
                cost=measure.cost,
                status=measure.status.value,
            )
        )
    figures = {
        f.key: id_of(f)
        for f in session.exec(select(KeyFigure).where(KeyFigure.body_id == body.id)).all()
    }
    for (key, year), target in report.targets.items():
        session.add(
            PlanTarget(plan_id=id_of(plan), key_figure_id=figures[key], year=year, target=target)
        )
    for (group, year), (income, expenses) in report.budget.items():
        session.add(
            PlanBudget(
                plan_id=id_of(plan),
                product_group_id=groups[group],
                year=year,
                income=income,
                expenses=expenses,
                justification=report.justifications.get(group) if year == plan.plan_year else None,
            )
        )
    session.flush()


def _latest_statuses(
    *, session: Session, cycle: Cycle, department: Department
) -> list[PlanStatus | None]:
    statuses: list[PlanStatus | None] = []
    for thh in thhs_of(session=session, department=department):
        latest = latest_plan(session=session, cycle_id=id_of(cycle), thh_id=id_of(thh))
        statuses.append(PlanStatus(latest.status) if latest else None)
    return statuses


def _follow_submitted(
    *, session: Session, cycle: Cycle, department: Department, now: dt.datetime, actor: str
) -> None:
    task = planning_task(session=session, cycle=cycle, department=department)
    if task is None or TaskStatus(task.status) not in (
        TaskStatus.open,
        TaskStatus.returned,
        TaskStatus.missed,
    ):
        return
    statuses = _latest_statuses(session=session, cycle=cycle, department=department)
    if all(s in (PlanStatus.submitted, PlanStatus.accepted) for s in statuses):
        submit_task(task, session=session, now=now, actor=actor)


def review_plan(
    *,
    session: Session,
    body: Body,
    year: int,
    thh: str,
    accept: bool,
    comment: str | None,
    now: dt.datetime,
    actor: str,
    attempt: int | None = None,
) -> Plan:
    """Accept the Teilhaushalt's submitted plan or return it with a comment; the departments'
    planning tasks follow (accepted when all their plans are, returned when one is).
    `attempt`: the one the reviewer looked at, if known (a newer one is refused)."""
    cycle = get_cycle(session=session, body=body, year=year)
    require_open_cycle(id_of(cycle), session=session)
    found = find_thh(session=session, body=body, number=thh)
    plan = latest_plan(session=session, cycle_id=id_of(cycle), thh_id=id_of(found))
    if plan is None or PlanStatus(plan.status) != PlanStatus.submitted:
        state = (
            "keine eingereichte Planung"
            if plan is None
            else (f"die letzte Planung ist {PlanStatus(plan.status).label}")
        )
        raise ConflictError(
            f"Teilhaushalt {found.number}: für {year + 1} gibt es nichts zu prüfen ({state})."
        )
    if attempt is not None and attempt != plan.attempt:
        raise ConflictError(
            f"Für den Teilhaushalt {found.number} ist inzwischen Versuch {plan.attempt} "
            "der Planung eingegangen; bitte die neue Planung prüfen.",
            field="attempt",
        )
    if not transition(
        plan,
        PlanStatus.accepted if accept else PlanStatus.returned,
        session=session,
        now=now,
        actor=actor,
        detail={"comment": comment},
        columns={"reviewed_at": now, "reviewed_by": actor[:200], "review_comment": comment},
    ):
        raise ConflictError("Die Planung wurde gleichzeitig von jemand anderem geprüft.")
    for department in departments_of(session=session, thh=found):
        task = planning_task(session=session, cycle=cycle, department=department)
        if task is None or TaskStatus(task.status) != TaskStatus.submitted:
            continue
        statuses = _latest_statuses(session=session, cycle=cycle, department=department)
        if not accept:
            review_task(task, accept=False, comment=comment, session=session, now=now, actor=actor)
        elif all(s == PlanStatus.accepted for s in statuses):
            review_task(task, accept=True, comment=comment, session=session, now=now, actor=actor)
    session.flush()
    return plan


def waiting_plans(*, session: Session, task: Task) -> list[PartialBudget]:
    """The department's Teilhaushalte whose latest plan waits for review (for ReviewTask)."""
    if task.department_id is None or not is_planning_task(session=session, task=task):
        return []
    cycle = session.get_one(Cycle, task.cycle_id)
    department = session.get_one(Department, task.department_id)
    return [
        thh
        for thh in thhs_of(session=session, department=department)
        if (latest := latest_plan(session=session, cycle_id=id_of(cycle), thh_id=id_of(thh)))
        and PlanStatus(latest.status) == PlanStatus.submitted
    ]


@dataclass(frozen=True)
class PlanRow:
    """A Teilhaushalt's planning at a glance, for the list and the department page."""

    number: str
    name: str
    attempt: int | None
    status: PlanStatus | None
    comment: str | None
    ceiling: Decimal | None


def plan_overview(
    *, session: Session, body: Body, year: int, department: Department | None = None
) -> list[PlanRow]:
    cycle = get_cycle(session=session, body=body, year=year)
    if department is not None:
        thhs = thhs_of(session=session, department=department)
    else:
        thhs = list(
            session.exec(
                select(PartialBudget)
                .where(PartialBudget.body_id == body.id)
                .order_by(col(PartialBudget.id))
            ).all()
        )
    ceilings = {
        c.partial_budget_id: c.net
        for c in session.exec(
            select(BudgetCeiling).where(
                BudgetCeiling.body_id == body.id, BudgetCeiling.year == year + 1
            )
        ).all()
    }
    rows = []
    for thh in thhs:
        latest = latest_plan(session=session, cycle_id=id_of(cycle), thh_id=id_of(thh))
        rows.append(
            PlanRow(
                thh.number,
                thh.name,
                latest.attempt if latest else None,
                PlanStatus(latest.status) if latest else None,
                latest.review_comment if latest else None,
                ceilings.get(id_of(thh)),
            )
        )
    return rows
