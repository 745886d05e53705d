"""A department's task: submitted, reviewed, and its submission's status following the review.

Apart from the phases because a task moves by people's actions, not by the calendar.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.cycle import Task, TaskStatus
from models.submissions import Submission, SubmissionStatus
from models.transitions.cycle import require_open_cycle
from models.transitions.status import check_transition, transition


def submit_task(task: Task, *, session: Session, now: dt.datetime, actor: str) -> bool:
    require_open_cycle(task.cycle_id, session=session)
    return transition(task, TaskStatus.submitted, session=session, now=now, actor=actor)


def review_task(
    task: Task, *, accept: bool, comment: str | None, session: Session, now: dt.datetime, actor: str
) -> bool:
    require_open_cycle(task.cycle_id, session=session)
    new = TaskStatus.accepted if accept else TaskStatus.returned
    if TaskStatus(task.status) != TaskStatus.submitted:
        check_transition("task", TaskStatus(task.status), new)
    return transition(
        task,
        new,
        session=session,
        now=now,
        actor=actor,
        detail={"comment": comment} if comment else None,
    )


def review_submission_status(
    submission: Submission,
    *,
    accept: bool,
    comment: str | None,
    session: Session,
    now: dt.datetime,
    actor: str,
) -> bool:
    """The submission accepted or returned, with reviewer, time and comment."""
    new = SubmissionStatus.accepted if accept else SubmissionStatus.returned
    return transition(
        submission,
        new,
        session=session,
        now=now,
        actor=actor,
        detail={"comment": comment},
        columns={"reviewed_at": now, "reviewed_by": actor, "review_comment": comment},
    )
