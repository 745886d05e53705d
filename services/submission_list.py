"""The submissions of a cycle as people see them: one row per department, its task and
its latest submission.

A read-only view for the CLI and the web, apart from the writes of submitting and reviewing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.body import Body
from models.cycle import Cycle, Deadline, Task, TaskStatus
from models.db import id_of
from models.organisation import Department
from models.submissions import Submission, SubmissionStatus
from services.cycles import get_cycle
from services.journal_views import person
from services.submission_task import figures_deadline_key


@dataclass(frozen=True)
class SubmissionView:
    department: str
    department_key: str
    task_status: TaskStatus
    attempt: int | None
    status: SubmissionStatus | None
    submitted_at: dt.datetime | None
    submitted_by: str | None
    review_comment: str | None
    submitted_by_name: str | None = None  # as people read it (a user's display name)

    def as_dict(self) -> dict[str, object]:
        return {
            "department": self.department_key,
            "task_status": self.task_status.value,
            "attempt": self.attempt,
            "status": self.status.value if self.status else None,
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "submitted_by": self.submitted_by,
            "review_comment": self.review_comment,
        }


def figures_tasks(
    *, session: Session, body: Body, cycle: Cycle
) -> list[tuple[Task, Department, dt.date, Submission | None]]:
    """Each department's figures task of `cycle` (by department name) with its due day and
    its latest submission (None before the first)."""
    key = figures_deadline_key(body)
    rows = session.exec(
        select(Task, Department, col(Deadline.due_on))
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id)
        .where(Deadline.cycle_id == cycle.id, Deadline.key == key)
        .order_by(col(Department.name))
    ).all()
    latest: dict[int, Submission] = {}
    for submission in session.exec(
        select(Submission).where(Submission.cycle_id == cycle.id).order_by(col(Submission.attempt))
    ).all():
        latest[submission.task_id] = submission
    return [(task, department, due, latest.get(id_of(task))) for task, department, due in rows]


def list_submissions(*, session: Session, body: Body, year: int) -> list[SubmissionView]:
    """Each department's figures task with its latest submission (if any)."""
    cycle = get_cycle(session=session, body=body, year=year)
    views = []
    for task, department, _, s in figures_tasks(session=session, body=body, cycle=cycle):
        views.append(
            SubmissionView(
                department=department.name,
                department_key=department.key,
                task_status=TaskStatus(task.status),
                attempt=s.attempt if s else None,
                status=SubmissionStatus(s.status) if s else None,
                submitted_at=s.submitted_at if s else None,
                submitted_by=s.submitted_by if s else None,
                submitted_by_name=person(session, body, s.submitted_by) if s else None,
                review_comment=s.review_comment if s else None,
            )
        )
    return views
