"""What the controlling office sees before it accepts or returns a partial budget report.

The department's waiting report (status "submitted") beside what it reports on: per product
group plan, result and deviation (the evaluation's numbers, as `services.partial_report_draft`
reads them), the department's assessment and explanations, and the missed key figures with
target, actual, light and explanation. Read only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from models.achievement import Light
from models.as_of import waited_for_review
from models.body import Body
from models.db import id_of
from models.errors import NotFoundError
from models.organisation import Department
from models.partial_report import PartialReport, PartialReportStatus
from models.partial_report_rules import PartialReportRules
from services.delivery_files import FileKind, has_file
from services.journal_views import person
from services.partial_report import entries_of, waiting_report
from services.partial_report_draft import build_draft, partial_report_task


@dataclass(frozen=True)
class FigureExplained:
    key: str
    name: str
    unit: str
    target: float | None
    actual: float | None
    light: Light
    explanation: str | None

    @property
    def missed(self) -> bool:
        return self.light == Light.red


@dataclass(frozen=True)
class GroupReview:
    number: str
    name: str
    partial_budget: str  # "8 Umwelt"
    planned: Decimal | None
    result: Decimal | None
    deviation: Decimal | None  # result − plan, in euro
    deviation_pct: Decimal | None
    deviation_needs_explanation: bool  # above both thresholds
    assessment: str | None
    deviation_text: str | None
    figures: list[FigureExplained]  # missed ones and those the department explained
    other_figures: int  # reached (or without a light) and not explained: only counted

    @property
    def hints(self) -> list[str]:
        """German hints for the reviewer: what deserves a second look in this group."""
        found = []
        if self.deviation_needs_explanation:
            found.append("Abweichung über beiden Schwellen")
        missed = sum(1 for f in self.figures if f.missed)
        if missed:
            found.append(f"{missed} {'Kennzahl' if missed == 1 else 'Kennzahlen'} verfehlt")
        return found


@dataclass(frozen=True)
class PartialReportReview:
    department_key: str
    department_name: str
    cycle_year: int
    report_year: int
    attempt: int
    source: str  # "xlsx" (an uploaded workbook) or "web" (the form)
    filename: str | None
    sha256: str | None
    submitted_at: dt.datetime
    submitted_by: str  # as people read it (a user's display name)
    report_id: int
    # the uploaded workbook as it came (none for the web form, nor before migration 0016)
    file_stored: bool
    rules: PartialReportRules
    groups: list[GroupReview]

    @property
    def hint_count(self) -> int:
        return sum(1 for g in self.groups if g.hints)


def report_waiting(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    cutoff: dt.datetime | None = None,
) -> PartialReport | None:
    """The department's report of cycle `year` that waits for review (with `cutoff`, a past
    view: the one that waited at that instant); None without a task or a waiting report."""
    try:
        task = partial_report_task(session=session, body=body, year=year, department=department)
    except NotFoundError:
        return None
    if cutoff is None:
        return waiting_report(session=session, task=task)
    found = session.exec(
        select(PartialReport)
        .where(PartialReport.task_id == task.id, col(PartialReport.submitted_at) <= cutoff)
        .order_by(col(PartialReport.attempt).desc())
    ).first()
    if found is None:
        return None
    still = PartialReportStatus(found.status) == PartialReportStatus.submitted
    if not waited_for_review(still_waiting=still, reviewed_at=found.reviewed_at, cutoff=cutoff):
        return None
    return found


def partial_report_review(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    cutoff: dt.datetime | None = None,
) -> PartialReportReview | None:
    """The waiting report as the review screen shows it; None when nothing waits."""
    report = report_waiting(
        session=session, body=body, year=year, department=department, cutoff=cutoff
    )
    if report is None:
        return None
    texts = entries_of(session=session, report=report)
    draft = build_draft(session=session, body=body, year=year, department=department)
    groups = []
    for group in draft.groups:
        figures = [
            FigureExplained(
                f.key,
                f.name,
                f.unit,
                f.target,
                f.actual,
                f.light,
                texts.get(f"figure:{group.number}:{f.key}"),
            )
            for f in group.figures
        ]
        shown = [f for f in figures if f.missed or f.explanation]
        groups.append(
            GroupReview(
                number=group.number,
                name=group.name,
                partial_budget=group.partial_budget,
                planned=group.planned,
                result=group.result,
                deviation=group.deviation.amount if group.deviation else None,
                deviation_pct=group.deviation.pct if group.deviation else None,
                deviation_needs_explanation=group.deviation_needs_explanation,
                assessment=texts.get(f"assessment:{group.number}"),
                deviation_text=texts.get(f"deviation:{group.number}"),
                figures=shown,
                other_figures=len(figures) - len(shown),
            )
        )
    return PartialReportReview(
        department_key=department.key,
        department_name=department.name,
        cycle_year=year,
        report_year=report.report_year,
        attempt=report.attempt,
        source=report.source,
        filename=report.filename,
        sha256=report.sha256,
        submitted_at=report.submitted_at,
        submitted_by=person(session, body, report.submitted_by),
        report_id=id_of(report),
        file_stored=has_file(session, FileKind.partial_report, report.id),
        rules=draft.rules,
        groups=groups,
    )
