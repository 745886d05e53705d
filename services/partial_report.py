"""Departments deliver their partial budget report (Teilhaushaltsbericht); the controlling
office reviews it. The one handler module of `SubmitPartialReport` and `ReviewPartialReport`.

A delivery is a filled workbook or the web form's texts; both are checked whole against the
department's current `Draft` (every missing assessment or required explanation named), then
recorded as a new attempt and the task is submitted. Nothing is written on any problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.commands import ReviewPartialReport, SubmitPartialReport
from models.cycle import Task
from models.db import id_of
from models.errors import (
    ConflictError,
    KreislaufError,
    NotFoundError,
    Remedy,
    file_refused,
    listed_problems,
)
from models.organisation import Department
from models.partial_report import (
    EntryKind,
    PartialReport,
    PartialReportEntry,
    PartialReportFile,
    PartialReportStatus,
)
from models.partial_report_rules import Answers, Draft, check_answers
from models.transitions import review_task, submit_task, transition
from services.partial_report_draft import build_draft, partial_report_task, require_submittable
from services.submission_task import find_department

FORM = "Formular"


class PartialReportInvalid(KreislaufError):
    """A report that cannot be taken over; `problems` name sheet, row and column (or the
    form's field; `field` is the first such field)."""


def submit_partial_report(
    command: SubmitPartialReport, *, session: Session, body: Body, now: dt.datetime, actor: str
) -> PartialReport:
    """Check the delivery whole, then record it; PartialReportInvalid or ConflictError."""
    if command.texts is not None:
        department = find_department(session=session, body=body, name=command.department or "")
        draft = build_draft(session=session, body=body, year=command.year, department=department)
        answers = _form_answers(draft, dict(command.texts))
        label = f"Der Teilhaushaltsbericht {command.year}"
    else:
        department, draft, answers = _file_answers(command, session=session, body=body)
        label = command.filename
    if answers.problems and not answers.texts and not answers.places:  # whose file: first
        raise _refused(label, answers)
    task = partial_report_task(session=session, body=body, year=command.year, department=department)
    require_submittable(task, department, command.year)
    texts = check_answers(draft, answers)
    if answers.problems:
        raise _refused(label, answers, whose=False)
    source = "web" if command.texts is not None else "xlsx"
    return _record(session, body, task, department, draft, texts, command, source, now, actor)


def _file_answers(
    command: SubmitPartialReport, *, session: Session, body: Body
) -> tuple[Department, Draft, Answers]:
    from models.partial_report_workbook import INFO, INFO_DEPARTMENT, read_answers
    from models.workbook_place import cell_text
    from models.workbook_read import read_sheets

    sheets = read_sheets(command.content, command.filename)
    wanted = command.department
    if wanted is None and INFO in sheets:  # the file says whose it is
        wanted = next(
            (cell_text(c, 1) for _, c in sheets[INFO].rows if cell_text(c, 0) == INFO_DEPARTMENT),
            None,
        )
    try:
        department = find_department(session=session, body=body, name=wanted or "")
    except NotFoundError:
        problem = f"{INFO}: den Fachbereich „{wanted or ''}“ gibt es nicht"
        raise _refused(command.filename, Answers(problems=[problem])) from None
    draft = build_draft(session=session, body=body, year=command.year, department=department)
    return department, draft, read_answers(sheets, draft)


def _form_answers(draft: Draft, texts: dict[str, str]) -> Answers:
    answers = Answers()
    for wanted in draft.fields():
        answers.places[wanted.name] = FORM
        if wanted.name in texts:
            answers.texts[wanted.name] = texts[wanted.name]
    return answers


def _refused(label: str, answers: Answers, *, whose: bool = True) -> PartialReportInvalid:
    """`whose`: the file is not this report's draft (then the draft is the remedy); else
    its texts are what is wrong."""
    return PartialReportInvalid(
        file_refused(label, len(answers.problems)),
        problems=listed_problems(answers.problems),
        field=answers.invalid[0] if answers.invalid else "content",
        remedy=Remedy.partial_report_template if whose else None,
    )


def _record(
    session: Session,
    body: Body,
    task: Task,
    department: Department,
    draft: Draft,
    texts: dict[str, str],
    command: SubmitPartialReport,
    source: str,
    now: dt.datetime,
    actor: str,
) -> PartialReport:
    # the task's conditional update first: of two deliveries at once, one wins
    if not submit_task(task, session=session, now=now, actor=actor):
        raise ConflictError("Die Aufgabe wurde gleichzeitig von jemand anderem geändert.")
    previous = session.exec(
        select(sa.func.max(PartialReport.attempt)).where(PartialReport.task_id == task.id)
    ).one()
    report = PartialReport(
        body_id=id_of(body),
        cycle_id=task.cycle_id,
        task_id=id_of(task),
        department_id=id_of(department),
        attempt=(previous or 0) + 1,
        report_year=draft.report_year,
        source=source,
        filename=command.filename[-300:] if source == "xlsx" else None,
        sha256=hashlib.sha256(command.content).hexdigest() if source == "xlsx" else None,
        submitted_at=now,
        submitted_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError("Gleichzeitig wurde ein anderer Bericht eingereicht.") from None
    if source == "xlsx":
        session.add(PartialReportFile(partial_report_id=id_of(report), content=command.content))
    for wanted in draft.fields():
        if wanted.name in texts:
            session.add(
                PartialReportEntry(
                    partial_report_id=id_of(report),
                    kind=wanted.kind.value,
                    group_number=wanted.group,
                    subject=wanted.subject,
                    text=texts[wanted.name],
                )
            )
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="partial_report.submitted",
        entity="partial_report",
        entity_id=report.id,
        body_id=body.id,
        after={
            "department": department.key,
            "attempt": report.attempt,
            "source": source,
            "filename": report.filename,
            "texts": len(texts),
        },
    )
    session.flush()
    return report


def waiting_report(*, session: Session, task: Task) -> PartialReport | None:
    """The task's latest report when it waits for review."""
    return session.exec(
        select(PartialReport).where(
            PartialReport.task_id == task.id,
            PartialReport.status == PartialReportStatus.submitted,
        )
    ).first()


def review_partial_report(
    command: ReviewPartialReport, *, session: Session, body: Body, now: dt.datetime, actor: str
) -> PartialReport:
    """Accept the department's waiting report or return it with a comment (task open again)."""
    department = find_department(session=session, body=body, name=command.department)
    task = partial_report_task(session=session, body=body, year=command.year, department=department)
    report = waiting_report(session=session, task=task)
    if report is None:
        raise ConflictError(
            f"{department.name}: für {command.year} gibt es keinen Teilhaushaltsbericht zu prüfen."
        )
    if command.attempt is not None and command.attempt != report.attempt:
        raise ConflictError(
            f"{department.name} hat inzwischen Versuch {report.attempt} des "
            "Teilhaushaltsberichts eingereicht; bitte den neuen Bericht prüfen.",
            field="attempt",
        )
    if not review_task(
        task, accept=command.accept, comment=command.comment, session=session, now=now, actor=actor
    ):
        raise ConflictError("Die Aufgabe wurde gleichzeitig von jemand anderem geändert.")
    new = PartialReportStatus.accepted if command.accept else PartialReportStatus.returned
    if not transition(
        report,
        new,
        session=session,
        now=now,
        actor=actor,
        detail={"comment": command.comment},
        columns={"reviewed_at": now, "reviewed_by": actor, "review_comment": command.comment},
    ):
        raise ConflictError("Der Bericht wurde gleichzeitig von jemand anderem geprüft.")
    session.flush()
    return report


def latest_report(*, session: Session, task: Task) -> PartialReport | None:
    return session.exec(
        select(PartialReport)
        .where(PartialReport.task_id == task.id)
        .order_by(col(PartialReport.attempt).desc())
    ).first()


def entries_of(*, session: Session, report: PartialReport) -> dict[str, str]:
    """The report's texts by field name (as `ReportField.name`)."""
    found = {}
    for entry in session.exec(
        select(PartialReportEntry).where(PartialReportEntry.partial_report_id == report.id)
    ):
        kind = EntryKind(entry.kind)
        name = f"{kind.value}:{entry.group_number}" + (f":{entry.subject}" if entry.subject else "")
        found[name] = entry.text
    return found
