"""The workbooks departments uploaded, kept as they came (migration 0016), for the review
screens' downloads: a figures submission, a partial budget report, a plan attempt."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session, col, select

from models.body import Body
from models.cycle import Cycle
from models.errors import NotFoundError
from models.organisation import Department
from models.partial_report import PartialReport, PartialReportFile
from models.planning import Plan, PlanFile
from models.product_plan import PartialBudgetDepartment
from models.submissions import Submission, SubmissionFile


class FileKind(StrEnum):
    """What a stored file was delivered as; the word in its download's address."""

    figures = "figures"
    partial_report = "partial-report"
    plan = "plan"


Delivery = Submission | PartialReport | Plan


def _delivery(session: Session, kind: FileKind, delivery_id: int) -> Delivery | None:
    if kind is FileKind.figures:
        return session.get(Submission, delivery_id)
    if kind is FileKind.partial_report:
        return session.get(PartialReport, delivery_id)
    return session.get(Plan, delivery_id)


def _content(session: Session, kind: FileKind, delivery_id: int | None) -> bytes | None:
    if kind is FileKind.figures:
        return session.exec(
            select(SubmissionFile.content).where(SubmissionFile.submission_id == delivery_id)
        ).first()
    if kind is FileKind.partial_report:
        return session.exec(
            select(PartialReportFile.content).where(
                PartialReportFile.partial_report_id == delivery_id
            )
        ).first()
    return session.exec(select(PlanFile.content).where(PlanFile.plan_id == delivery_id)).first()


def has_file(session: Session, kind: FileKind, delivery_id: int | None) -> bool:
    """Whether the delivery's upload is on record."""
    if kind is FileKind.figures:
        key = col(SubmissionFile.submission_id)
    elif kind is FileKind.partial_report:
        key = col(PartialReportFile.partial_report_id)
    else:
        key = col(PlanFile.plan_id)
    return session.exec(select(key).where(key == delivery_id)).first() is not None


def stored_file(
    session: Session,
    body: Body,
    year: int,
    department: Department,
    kind: FileKind,
    delivery_id: int,
) -> tuple[str, bytes]:
    """(file name, bytes) of a delivery of `department` in the cycle `year`; NotFoundError
    for another body's, cycle's or department's delivery, and for one without a file."""
    delivery = _delivery(session, kind, delivery_id)
    cycle = session.get(Cycle, delivery.cycle_id) if delivery is not None else None
    if (
        delivery is None
        or cycle is None
        or cycle.body_id != body.id
        or cycle.year != year
        or not _belongs(session, delivery, department)
    ):
        raise NotFoundError(f"Diese Datei gibt es bei {department.name} für {year} nicht.")
    content = _content(session, kind, delivery_id)
    if content is None or not delivery.filename:
        raise NotFoundError(
            f"Von Versuch {delivery.attempt} liegt keine Datei vor "
            "(nur ihre Werte sind gespeichert)."
        )
    return delivery.filename, content


def _belongs(
    session: Session, delivery: Submission | PartialReport | Plan, department: Department
) -> bool:
    if isinstance(delivery, Plan):
        return (
            session.exec(
                select(PartialBudgetDepartment.id).where(
                    PartialBudgetDepartment.partial_budget_id == delivery.partial_budget_id,
                    PartialBudgetDepartment.department_id == department.id,
                )
            ).first()
            is not None
        )
    return delivery.department_id == department.id
