"""Departments report their key-figure actuals with a workbook; the controlling office reviews.

Shared by the CLI and the web upload: functions take the session, the body, the cycle year,
the file's bytes and `now`/`actor`, and raise KreislaufError subclasses with German messages.
`write_template` -> the department fills it -> `submit_workbook` (validates everything, then
records a Submission and marks the task submitted) -> `review_submission` (accept: the values
become the report year's actuals; return: the task is open again, with the reviewer's comment).
The template, the task and the list live in `services.submission_template`, `.submission_task`
and `.submission_list`; the names that `cli.figures` and `services.simulation` import from
here are re-exported (`import ... as ...`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.cycle import Task
from models.db import id_of
from models.errors import (
    ConflictError,
    KreislaufError,
    NotFoundError,
    file_refused,
    listed_problems,
)
from models.organisation import Department
from models.strategy import KeyFigure, KeyFigureValue, Measure, MeasureStatus
from models.submissions import (
    Submission,
    SubmissionFigure,
    SubmissionFile,
    SubmissionMeasure,
    SubmissionStatus,
)
from models.transitions import review_submission_status, review_task, submit_task
from services.submission_list import list_submissions as list_submissions
from services.submission_task import figures_deadline_key as figures_deadline_key
from services.submission_task import figures_task, require_submittable
from services.submission_task import find_department as find_department
from services.submission_template import build_template as build_template
from services.submission_template import write_template as write_template

if TYPE_CHECKING:
    from models.workbook_layout import SubmissionInvalid
    from models.workbook_report import Expected, Report


def submit_workbook(
    session: Session,
    body: Body,
    year: int,
    data: bytes,
    filename: str,
    now: dt.datetime,
    actor: str,
    department: str | None = None,
) -> Submission:
    """Validate the whole file, then record it as the department's submission for its open
    (or returned) task and mark the task submitted. `department` (key or name), when given,
    must be the file's department (the web passes the uploader's). SubmissionInvalid with
    every problem when anything is wrong; then nothing is written."""
    from models.workbook_check import check_report
    from models.workbook_layout import INFO, INFO_DEPARTMENT
    from models.workbook_read import read_sheets
    from models.workbook_sheets import check_identity, check_sheets, read_info

    sheets = read_sheets(data, filename)
    info = read_info(sheets)
    key = info.text(INFO_DEPARTMENT) if INFO in sheets else None
    if department is not None:
        found: Department | None = find_department(session=session, body=body, name=department)
    else:
        found = _department_of_file(session=session, body=body, key=key)
    if found is None:
        problems = check_sheets(sheets) + info.problems
        if not problems:
            problems.append(f"{INFO}: den Fachbereich „{key}“ gibt es nicht")
        raise _refused(filename, problems)
    expected = _expected(session=session, body=body, year=year, department=found)
    # whose file and for what: when that is wrong, the rows' problems only follow from it
    identity = info.problems + (check_identity(info, sheets, expected) if INFO in sheets else [])
    if identity:
        raise _refused(filename, identity)
    # an accepted or waiting task takes no file, whatever the file holds
    task = figures_task(session=session, body=body, year=year, department=found)
    require_submittable(task, found, year)
    report = check_report(sheets, info, expected)
    if report.problems:
        raise _refused(filename, report.problems)
    return _record(session, body, task, found, report, data, filename, now, actor, year)


def _department_of_file(*, session: Session, body: Body, key: str | None) -> Department | None:
    if not key:
        return None
    try:
        return find_department(session=session, body=body, name=key)
    except NotFoundError:
        return None


def _refused(filename: str, problems: list[str]) -> SubmissionInvalid:
    """The refusal of a file with its problems: the first MAX_PROBLEMS, then how many more."""
    from models.workbook_layout import SubmissionInvalid

    return SubmissionInvalid(
        file_refused(filename, len(problems)), problems=listed_problems(problems)
    )


def _expected(*, session: Session, body: Body, year: int, department: Department) -> Expected:
    from models.workbook_report import Expected, FigureSpec

    template = build_template(session=session, body=body, year=year, department=department)
    return Expected(
        body_slug=body.slug,
        cycle_year=year,
        department_key=department.key,
        figures=[
            FigureSpec(row.key, row.name, row.unit, row.plausible_min, row.plausible_max)
            for row in template.figures
        ],
        measure_keys=[row.key for row in template.measures],
    )


def _record(
    session: Session,
    body: Body,
    task: Task,
    department: Department,
    report: Report,
    data: bytes,
    filename: str,
    now: dt.datetime,
    actor: str,
    year: int,
) -> Submission:
    # the task's conditional update first: of two uploads at once, one wins
    if not submit_task(task, session=session, now=now, actor=actor):
        raise ConflictError("Die Aufgabe wurde gleichzeitig von jemand anderem geändert.")
    previous = session.exec(
        select(sa.func.max(Submission.attempt)).where(Submission.task_id == task.id)
    ).one()
    submission = Submission(
        body_id=id_of(body),
        cycle_id=task.cycle_id,
        task_id=id_of(task),
        department_id=id_of(department),
        attempt=(previous or 0) + 1,
        report_year=year - 1,
        filename=filename[-300:],
        sha256=hashlib.sha256(data).hexdigest(),
        submitted_at=now,
        submitted_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError("Gleichzeitig wurde eine andere Meldung eingereicht.") from None
    session.add(SubmissionFile(submission_id=id_of(submission), content=data))
    _add_reported(session=session, body=body, submission=submission, report=report)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="submission.submitted",
        entity="submission",
        entity_id=submission.id,
        body_id=body.id,
        after={
            "department": department.key,
            "attempt": submission.attempt,
            "filename": submission.filename,
            "sha256": submission.sha256,
            "figures": len(report.figures),
            "measures": len(report.measures),
        },
    )
    session.flush()
    return submission


def _add_reported(*, session: Session, body: Body, submission: Submission, report: Report) -> None:
    figure_ids = {
        f.key: id_of(f)
        for f in session.exec(select(KeyFigure).where(KeyFigure.body_id == body.id)).all()
    }
    measure_ids = {
        m.key: id_of(m)
        for m in session.exec(select(Measure).where(Measure.body_id == body.id)).all()
    }
    for figure in report.figures:
        session.add(
            SubmissionFigure(
                submission_id=id_of(submission),
                key_figure_id=figure_ids[figure.key],
                actual=figure.actual,
                comment=figure.comment,
            )
        )
    for measure in report.measures:
        session.add(
            SubmissionMeasure(
                submission_id=id_of(submission),
                measure_id=measure_ids[measure.key],
                status=measure.status.value,
                comment=measure.comment,
            )
        )


def review_submission(
    session: Session,
    body: Body,
    year: int,
    department: str,
    accept: bool,
    comment: str | None,
    now: dt.datetime,
    actor: str,
    *,
    attempt: int | None = None,
) -> Submission:
    """Accept the department's submitted figures (they become the report year's actuals and
    measure statuses) or return them with a comment (the task is open again); `attempt` is
    the one the reviewer looked at, if known."""
    found = find_department(session=session, body=body, name=department)
    if not accept and not (comment and comment.strip()):
        raise KreislaufError(
            "Eine Rückgabe braucht einen Kommentar: was ist zu ändern?", field="comment"
        )
    task = figures_task(session=session, body=body, year=year, department=found)
    submission = session.exec(
        select(Submission)
        .where(Submission.task_id == task.id)
        .order_by(col(Submission.attempt).desc())
    ).first()
    if submission is None or SubmissionStatus(submission.status) != SubmissionStatus.submitted:
        state = (
            "keine eingereichte Meldung"
            if submission is None
            else f"die letzte Meldung ist {SubmissionStatus(submission.status).label}"
        )
        raise ConflictError(f"{found.name}: für {year} gibt es nichts zu prüfen ({state}).")
    if attempt is not None and attempt != submission.attempt:
        raise ConflictError(
            f"{found.name} hat inzwischen Versuch {submission.attempt} eingereicht; bitte "
            "die neuen Werte prüfen.",
            field="attempt",
        )
    if not review_task(task, accept=accept, comment=comment, session=session, now=now, actor=actor):
        raise ConflictError("Die Aufgabe wurde gleichzeitig von jemand anderem geändert.")
    if not review_submission_status(
        submission,
        accept=accept,
        comment=comment.strip() if comment else None,
        session=session,
        now=now,
        actor=actor,
    ):
        raise ConflictError("Die Meldung wurde gleichzeitig von jemand anderem geprüft.")
    if accept:
        _take_over(session=session, body=body, submission=submission, now=now, actor=actor)
    session.flush()
    return submission


def _take_over(
    *, session: Session, body: Body, submission: Submission, now: dt.datetime, actor: str
) -> None:
    """The accepted figures become actuals of the report year, the statuses the measures'."""
    figures = session.exec(
        select(SubmissionFigure).where(SubmissionFigure.submission_id == submission.id)
    ).all()
    values = {
        value.key_figure_id: value
        for value in session.exec(
            select(KeyFigureValue).where(
                KeyFigureValue.body_id == body.id, KeyFigureValue.year == submission.report_year
            )
        ).all()
    }
    for figure in figures:
        value = values.get(figure.key_figure_id)
        if value is not None and value.actual is not None and value.actual != figure.actual:
            audit.record(
                session=session,
                now=now,
                actor=actor,
                action="key_figure_value.actual_overwritten",
                entity="key_figure_value",
                entity_id=value.id,
                body_id=body.id,
                before={"actual": value.actual, "comment": value.comment},
                after={
                    "actual": figure.actual,
                    "comment": figure.comment,
                    "submission": submission.id,
                },
            )
        if value is None:
            value = KeyFigureValue(
                body_id=id_of(body), key_figure_id=figure.key_figure_id, year=submission.report_year
            )
            session.add(value)
        value.actual = figure.actual
        value.comment = figure.comment
        value.submission_id = submission.id
    for reported in session.exec(
        select(SubmissionMeasure).where(SubmissionMeasure.submission_id == submission.id)
    ).all():
        measure = session.get_one(Measure, reported.measure_id)  # the row's foreign key
        old, new = MeasureStatus(measure.status), MeasureStatus(reported.status)
        if old == new:
            continue
        measure.status = new
        audit.record(
            session=session,
            now=now,
            actor=actor,
            action="measure.status",
            entity="measure",
            entity_id=measure.id,
            body_id=body.id,
            before={"status": old.value},
            after={"status": new.value, "submission": submission.id},
        )
