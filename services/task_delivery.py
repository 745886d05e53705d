"""Confirmations and documents: the deliveries of tasks without a workbook of their own.

The deadline says what fulfils it (`Deadline.delivers`); a confirmation or document for a task
that is fulfilled another way is refused with the way that fulfils it. A task of the
controlling office itself is accepted with its delivery: nobody reviews their own work.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlmodel import Session, col, func, select

from models.body import Body
from models.calendar_rules import Delivery
from models.commands import ConfirmTask, DeliverDocument
from models.cycle import Cycle, Deadline, Phase, Task, TaskStatus
from models.db import id_of
from models.errors import ConflictError, KreislaufError, NotFoundError
from models.german import german_date
from models.organisation import Department
from models.task_delivery import DeliveryKind, TaskDelivery, check_document
from models.transitions import Event, submit_task, transition

# how each delivery is made, for a refusal that names the right path
HOW = {
    Delivery.key_figures: "mit der ausgefüllten Meldevorlage (kreislauf submit)",
    Delivery.partial_budget_report: "mit dem Teilhaushaltsbericht",
    Delivery.planning: "mit der Planungsvorlage je Teilhaushalt",
    Delivery.document: "mit einem Dokument (kreislauf task upload)",
    Delivery.confirmation: "mit einer Bestätigung (kreislauf task confirm)",
    Delivery.survey_answer: "mit der Antwort der Fraktion (kreislauf survey answer)",
    Delivery.session_record: "mit dem Ergebnis der Sitzung (kreislauf forum record)",
    Delivery.strategy_resolution: "mit dem Strategiebeschluss (kreislauf resolution record)",
    Delivery.budget_resolution: "mit dem Haushaltsbeschluss",
}


def require_delivery(deadline: Deadline, wanted: Delivery) -> None:
    delivers = Delivery(deadline.delivers)
    if delivers != wanted:
        raise ConflictError(
            f"Die Aufgabe „{deadline.title}“ wird {HOW[delivers]} erfüllt, "
            f"nicht {HOW[wanted].split(' (')[0]}.",
            field="task_id",
        )


def require_deliverable(task: Task, deadline: Deadline) -> None:
    status = TaskStatus(task.status)
    what = f"Die Aufgabe „{deadline.title}“"
    if status == TaskStatus.planned:
        raise ConflictError(f"{what} ist noch nicht fällig: die Phase ist noch nicht eröffnet.")
    if status == TaskStatus.submitted:
        raise ConflictError(f"{what} ist bereits erledigt gemeldet und wartet auf Prüfung.")
    if status == TaskStatus.accepted:
        raise ConflictError(f"{what} ist bereits angenommen; sie kann nicht mehr geändert werden.")
    if status == TaskStatus.cancelled:
        raise ConflictError(f"{what} entfällt.")


def check_done_on(done_on: dt.date, *, cycle: Cycle, today: dt.date) -> None:
    if done_on > today:
        raise KreislaufError(
            f"Das Datum {german_date(done_on)} liegt in der Zukunft; erledigt werden kann "
            f"nur, was bis heute ({german_date(today)}) getan ist.",
            field="done_on",
        )
    earliest = dt.date(cycle.year - 1, 1, 1)
    if done_on < earliest:
        raise KreislaufError(
            f"Das Datum {german_date(done_on)} liegt vor dem Steuerungskreislauf "
            f"{cycle.year} (frühestens {german_date(earliest)}).",
            field="done_on",
        )


def deliver(
    *,
    session: Session,
    task: Task,
    kind: DeliveryKind,
    done_on: dt.date,
    note: str | None,
    filename: str | None,
    content: bytes | None,
    today: dt.date,
    now: dt.datetime,
    actor: str,
) -> tuple[TaskDelivery, list[Event]]:
    """Record the delivery and submit the task (accept it too for the controlling office)."""
    deadline = session.get_one(Deadline, task.deadline_id)
    require_delivery(deadline, Delivery(kind.value))
    require_deliverable(task, deadline)
    cycle = session.get_one(Cycle, task.cycle_id)
    check_done_on(done_on, cycle=cycle, today=today)
    media_type = check_document(filename, content) if content is not None and filename else None
    attempt = (
        session.exec(
            select(func.count()).select_from(TaskDelivery).where(TaskDelivery.task_id == task.id)
        ).one()
        + 1
    )
    delivery = TaskDelivery(
        body_id=task.body_id,
        task_id=id_of(task),
        attempt=attempt,
        kind=kind,
        done_on=done_on,
        note=note,
        filename=filename,
        media_type=media_type,
        sha256=hashlib.sha256(content).hexdigest() if content is not None else None,
        size=len(content) if content is not None else None,
        content=content,
        delivered_at=now,
        delivered_by=actor,
    )
    if not submit_task(task, session=session, now=now, actor=actor):
        raise ConflictError(
            f"Die Aufgabe „{deadline.title}“ wurde gerade von jemand anderem erledigt gemeldet."
        )
    session.add(delivery)
    session.flush()
    phase = session.get_one(Phase, deadline.phase_id)
    name = _assignee_name(session, task)
    what = "Dokument " + (filename or "") if kind == DeliveryKind.document else "Bestätigung"
    events = [
        Event(
            today,
            phase.kind,
            "task_submitted",
            f"{name}: {deadline.title} erledigt am {german_date(done_on)} ({what.strip()})",
        )
    ]
    department = session.get(Department, task.department_id) if task.department_id else None
    if department is not None and department.is_controlling_office:
        if transition(
            task,
            TaskStatus.accepted,
            session=session,
            now=now,
            actor=actor,
            detail={"by": "eigene Aufgabe des Controllings"},
        ):
            events.append(
                Event(today, phase.kind, "task_accepted", f"{name}: {deadline.title} angenommen")
            )
    return delivery, events


def latest_deliveries(*, session: Session, task_ids: list[int]) -> dict[int, TaskDelivery]:
    """The last delivery of each task (without its content), for pages and lists."""
    if not task_ids:
        return {}
    rows = session.exec(
        select(TaskDelivery)
        .where(col(TaskDelivery.task_id).in_(task_ids))
        .order_by(col(TaskDelivery.task_id), col(TaskDelivery.attempt))
    ).all()
    return {row.task_id: row for row in rows}


def delivered_document(*, session: Session, body: Body, task_id: int) -> tuple[str, bytes]:
    """The last document delivered for the task: its filename and content."""
    row = session.exec(
        select(TaskDelivery)
        .where(
            TaskDelivery.task_id == task_id,
            TaskDelivery.body_id == body.id,
            TaskDelivery.kind == DeliveryKind.document.value,
        )
        .order_by(col(TaskDelivery.attempt).desc())
    ).first()
    if row is None or row.content is None or row.filename is None:
        raise NotFoundError(f"Zur Aufgabe {task_id} gibt es kein Dokument.", field="task_id")
    return row.filename, row.content


def _assignee_name(session: Session, task: Task) -> str:
    department = session.get(Department, task.department_id) if task.department_id else None
    return department.name if department is not None else task.assignee


def confirm(
    command: ConfirmTask,
    *,
    session: Session,
    task: Task,
    today: dt.date,
    now: dt.datetime,
    actor: str,
) -> tuple[TaskDelivery, list[Event]]:
    return deliver(
        session=session,
        task=task,
        kind=DeliveryKind.confirmation,
        done_on=command.done_on,
        note=command.note,
        filename=None,
        content=None,
        today=today,
        now=now,
        actor=actor,
    )


def upload(
    command: DeliverDocument,
    *,
    session: Session,
    task: Task,
    today: dt.date,
    now: dt.datetime,
    actor: str,
) -> tuple[TaskDelivery, list[Event]]:
    return deliver(
        session=session,
        task=task,
        kind=DeliveryKind.document,
        done_on=today,
        note=command.note,
        filename=command.filename.strip(),
        content=command.content,
        today=today,
        now=now,
        actor=actor,
    )
