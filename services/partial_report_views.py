"""The partial budget reports as people read them: the department page's state and form,
and the accepted reports' texts for the committee's evaluation report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from models.body import Body
from models.calendar_rules import Delivery
from models.cycle import Deadline, Task, TaskStatus
from models.errors import NotFoundError
from models.organisation import Department
from models.partial_report import EntryKind, PartialReport, PartialReportEntry, PartialReportStatus
from models.partial_report_rules import Draft
from models.product_plan import PartialBudget, ProductGroup
from models.strategy import KeyFigure
from services.cycles import get_cycle
from services.journal_views import person
from services.money import MoneyOverview
from services.partial_report import entries_of, latest_report
from services.partial_report_draft import build_draft, partial_report_task


@dataclass(frozen=True)
class ReportState:
    """The department page's section: the task, the latest attempt, and the form."""

    task_status: TaskStatus
    report: PartialReport | None
    draft: Draft
    texts: dict[str, str]  # the latest attempt's texts, to start the form from
    submitted_by: str | None = None  # who delivered the latest attempt, as people read it

    @property
    def status(self) -> PartialReportStatus | None:
        return PartialReportStatus(self.report.status) if self.report else None

    @property
    def open(self) -> bool:
        return self.task_status in (TaskStatus.open, TaskStatus.returned, TaskStatus.missed)


def report_state(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    overview: MoneyOverview | None = None,
) -> ReportState | None:
    """None where the department has no partial report task in the cycle."""
    try:
        task = partial_report_task(session=session, body=body, year=year, department=department)
    except NotFoundError:
        return None
    report = latest_report(session=session, task=task)
    return ReportState(
        TaskStatus(task.status),
        report,
        build_draft(
            session=session, body=body, year=year, department=department, overview=overview
        ),
        entries_of(session=session, report=report) if report else {},
        person(session, body, report.submitted_by) if report else None,
    )


@dataclass(frozen=True)
class GroupTexts:
    number: str
    name: str
    assessment: str | None
    deviation: str | None
    figures: list[tuple[str, str]]  # (figure name, explanation)


@dataclass(frozen=True)
class AcceptedReport:
    department: str
    partial_budgets: list[str]  # "8 Umwelt"
    attempt: int
    reviewed_at: dt.datetime | None
    groups: list[GroupTexts] = field(default_factory=list)


def accepted_reports(*, session: Session, body: Body, year: int) -> list[AcceptedReport]:
    """The accepted reports of cycle `year`, by department, with their texts per group."""
    cycle = get_cycle(session=session, body=body, year=year, required=False)
    if cycle is None:
        return []
    rows = session.exec(
        select(PartialReport, Department)
        .join(Department, col(Department.id) == PartialReport.department_id)
        .join(Task, col(Task.id) == PartialReport.task_id)
        .join(Deadline, col(Deadline.id) == Task.deadline_id)
        .where(
            PartialReport.cycle_id == cycle.id,
            PartialReport.status == PartialReportStatus.accepted,
            Deadline.delivers == Delivery.partial_budget_report,
        )
        .order_by(col(Department.name))
    ).all()
    if not rows:
        return []
    groups = {
        g.number: g
        for g in session.exec(select(ProductGroup).where(ProductGroup.body_id == body.id))
    }
    budgets = {
        b.id: f"{b.number} {b.name}"
        for b in session.exec(select(PartialBudget).where(PartialBudget.body_id == body.id))
    }
    figures = {
        f.key: f.name for f in session.exec(select(KeyFigure).where(KeyFigure.body_id == body.id))
    }
    entries: dict[int, list[PartialReportEntry]] = {}
    for entry in session.exec(
        select(PartialReportEntry)
        .where(col(PartialReportEntry.partial_report_id).in_([r.id for r, _ in rows]))
        .order_by(col(PartialReportEntry.id))
    ):
        entries.setdefault(entry.partial_report_id, []).append(entry)
    return [
        _accepted(report, department, entries.get(report.id or 0, []), groups, budgets, figures)
        for report, department in rows
    ]


def _accepted(
    report: PartialReport,
    department: Department,
    entries: list[PartialReportEntry],
    groups: dict[str, ProductGroup],
    budgets: dict[int | None, str],
    figures: dict[str, str],
) -> AcceptedReport:
    numbers = list(dict.fromkeys(e.group_number for e in entries))
    texts = []
    for number in numbers:
        mine = [e for e in entries if e.group_number == number]
        by_kind = {EntryKind(e.kind): e.text for e in mine if not e.subject}
        group = groups.get(number)
        texts.append(
            GroupTexts(
                number,
                group.name if group else "",
                by_kind.get(EntryKind.assessment),
                by_kind.get(EntryKind.deviation),
                [(figures.get(e.subject, e.subject), e.text) for e in mine if e.subject],
            )
        )
    partial_budgets = sorted({budgets[groups[n].partial_budget_id] for n in numbers if n in groups})
    return AcceptedReport(
        department.name, partial_budgets, report.attempt, report.reviewed_at, texts
    )
