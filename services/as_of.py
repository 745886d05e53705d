"""A cycle as it stood at a past instant: the statuses read back from the audit trail
(models.as_of) laid over what the pages show, and rows created later left out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from models.as_of import Current, Key, StatusChange, changed_at, status_change, statuses_at
from models.audit import AuditEvent
from models.body import Body
from models.cycle import (
    Cycle,
    CycleStatus,
    Phase,
    PhaseStatus,
    Task,
    TaskStatus,
    days_overdue,
)
from models.db import id_of
from models.organisation import Department
from models.submissions import Submission, SubmissionStatus
from models.task_delivery import TaskDelivery
from services.cycle_views import CycleView, TaskView
from services.cycles import get_cycle
from services.journal_views import person
from services.submission_list import SubmissionView


@dataclass(frozen=True)
class Overlay:
    """The statuses of one cycle's rows at `cutoff` (None: the row did not exist yet) and
    when each task last changed status up to then."""

    cutoff: dt.datetime
    statuses: dict[Key, str | None]
    task_since: dict[int, dt.datetime] = field(default_factory=dict)

    def status(self, entity: str, entity_id: int) -> str | None:
        return self.statuses.get((entity, entity_id))


def status_changes(session: Session, body: Body, rows: Iterable[Key]) -> list[StatusChange]:
    """The recorded status changes of `rows` (entity, id), oldest first."""
    wanted: dict[str, set[int]] = {}
    for entity, entity_id in rows:
        wanted.setdefault(entity, set()).add(entity_id)
    changes: list[StatusChange] = []
    for entity, ids in wanted.items():
        events = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.body_id == body.id,
                AuditEvent.entity == entity,
                col(AuditEvent.entity_id).in_(sorted(ids)),
            )
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
        for event in events:
            change = status_change(
                event.entity, event.entity_id, event.at, event.before, event.after, id_of(event)
            )
            if change is not None:
                changes.append(change)
    return changes


def cycle_overlay(*, session: Session, body: Body, cycle: Cycle, cutoff: dt.datetime) -> Overlay:
    """The statuses of the cycle, its phases, tasks and figures submissions at `cutoff`."""
    current: dict[Key, Current] = {("cycle", id_of(cycle)): Current(cycle.status, cycle.created_at)}
    for phase in session.exec(select(Phase).where(Phase.cycle_id == cycle.id)).all():
        current[("phase", id_of(phase))] = Current(phase.status)
    for task in session.exec(select(Task).where(Task.cycle_id == cycle.id)).all():
        current[("task", id_of(task))] = Current(task.status)
    for submission in session.exec(select(Submission).where(Submission.cycle_id == cycle.id)):
        current[("submission", id_of(submission))] = Current(
            submission.status, submission.submitted_at
        )
    changes = status_changes(session, body, current)
    by_task: dict[int, list[StatusChange]] = {}
    for change in changes:
        if change.entity == "task":
            by_task.setdefault(change.entity_id, []).append(change)
    since = {
        task_id: at
        for task_id, found in by_task.items()
        if (at := changed_at(found, cutoff)) is not None
    }
    return Overlay(cutoff, statuses_at(changes, cutoff, current), since)


def view_as_of(
    *, session: Session, body: Body, view: CycleView, today: dt.date, overlay: Overlay
) -> CycleView:
    """`view` (services.cycle_views) with the statuses it had at the overlay's cutoff; days
    overdue count to `today`, the day the cutoff ends."""
    cycle = get_cycle(session=session, body=body, year=view.year)
    phases = session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id).order_by(col(Phase.opens_on), col(Phase.id))
    ).all()
    phase_views = []
    for phase, shown in zip(phases, view.phases, strict=True):
        phase_status = PhaseStatus(overlay.status("phase", id_of(phase)) or shown.status)
        phase_views.append(
            dataclasses.replace(shown, status=phase_status, status_label=phase_status.label)
        )
    tasks = []
    for task in view.tasks:
        status = TaskStatus(overlay.status("task", task.task_id) or task.status)
        tasks.append(
            dataclasses.replace(
                task, status=status, days_overdue=days_overdue(status, task.due, today)
            )
        )
    cycle_status = CycleStatus(overlay.status("cycle", id_of(cycle)) or view.status)
    return dataclasses.replace(
        view,
        phases=phase_views,
        tasks=tasks,
        status=cycle_status,
        status_label=cycle_status.label,
    )


def deliveries_until(
    deliveries: dict[int, TaskDelivery], *, session: Session, cutoff: dt.datetime
) -> dict[int, TaskDelivery]:
    """The last delivery of each task made at or before `cutoff`."""
    if not deliveries:
        return {}
    rows = session.exec(
        select(TaskDelivery)
        .where(
            col(TaskDelivery.task_id).in_(sorted(deliveries)),
            col(TaskDelivery.delivered_at) <= cutoff,
        )
        .order_by(col(TaskDelivery.task_id), col(TaskDelivery.attempt))
    ).all()
    return {row.task_id: row for row in rows}


def submission_at(
    *, session: Session, cycle: Cycle, department_id: int, overlay: Overlay
) -> tuple[Submission, SubmissionStatus] | None:
    """The department's latest figures submission made by the cutoff, with its status then."""
    found = session.exec(
        select(Submission)
        .where(
            Submission.cycle_id == cycle.id,
            Submission.department_id == department_id,
            col(Submission.submitted_at) <= overlay.cutoff,
        )
        .order_by(col(Submission.attempt).desc())
    ).first()
    if found is None:
        return None
    status = overlay.status("submission", id_of(found)) or found.status
    return found, SubmissionStatus(status)


def submission_view_at(
    view: SubmissionView | None,
    *,
    session: Session,
    body: Body,
    cycle: Cycle,
    department: Department,
    rows: Sequence[TaskView],
    cutoff: dt.datetime,
) -> SubmissionView | None:
    """A department's figures delivery (services.submission_list) as it stood at `cutoff`:
    its task's status then and the latest submission made by then, with its status then."""
    if view is None:
        return None
    overlay = cycle_overlay(session=session, body=body, cycle=cycle, cutoff=cutoff)
    task_status = next(
        (row.status for row in rows if row.delivers.value == "key_figures"), view.task_status
    )
    found = submission_at(
        session=session, cycle=cycle, department_id=id_of(department), overlay=overlay
    )
    if found is None:
        return dataclasses.replace(
            view,
            task_status=task_status,
            attempt=None,
            status=None,
            submitted_at=None,
            submitted_by=None,
            submitted_by_name=None,
            review_comment=None,
        )
    submission, status = found
    return dataclasses.replace(
        view,
        task_status=task_status,
        attempt=submission.attempt,
        status=status,
        submitted_at=submission.submitted_at,
        submitted_by=submission.submitted_by,
        submitted_by_name=person(session, body, submission.submitted_by),
        review_comment=submission.review_comment if status != SubmissionStatus.submitted else None,
    )
