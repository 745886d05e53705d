"""A department's task: submitted, reviewed, and its submission's status following the review.

Apart from the phases because a task moves by people's actions, not by the calendar.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.body import Body
from models.cycle import Deadline, Phase, Task, TaskStatus
from models.errors import ConflictError
from models.german import german_date
from models.submissions import Submission, SubmissionStatus
from models.transitions.cycle import require_open_cycle
from models.transitions.status import check_transition, transition


def submit_task(task: Task, *, session: Session, now: dt.datetime, actor: str) -> bool:
    require_open_cycle(task.cycle_id, session=session)
    require_phase_begun(task, session=session, now=now)
    return transition(task, TaskStatus.submitted, session=session, now=now, actor=actor)


def require_phase_begun(task: Task, *, session: Session, now: dt.datetime) -> None:
    """A delivery dated before its phase's window (a decision day given by hand) would put
    the submission before the task existed for its people: refused, with the day it begins."""
    phase = session.get_one(Phase, session.get_one(Deadline, task.deadline_id).phase_id)
    today = session.get_one(Body, task.body_id).local_date(now)
    if today < phase.opens_on:
        raise ConflictError(
            f"Die Phase „{phase.title}“ beginnt erst am {german_date(phase.opens_on)}; "
            f"am {german_date(today)} kann noch nichts eingereicht werden.",
            field="on",
        )


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
