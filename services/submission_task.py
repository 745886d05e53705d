"""The department and its figures task a workbook belongs to, and whether it can be submitted.

Shared by building the template, submitting and reviewing, so that none of them imports
another for it.
"""

from __future__ import annotations

from sqlmodel import Session, select

from models.body import Body
from models.cycle import Deadline, Task, TaskStatus
from models.errors import ConflictError, NotFoundError
from models.organisation import Department
from services.cycles import get_cycle


def find_department(*, session: Session, body: Body, name: str) -> Department:
    """A department by key or name (case-insensitive), as people type it."""
    departments = session.exec(
        select(Department).where(Department.body_id == body.id).order_by(Department.key)
    ).all()
    wanted = name.strip().casefold()
    for department in departments:
        if wanted in (department.key.casefold(), department.name.casefold()):
            return department
    known = ", ".join(f"{d.name} ({d.key})" for d in departments) or "keine"
    raise NotFoundError(f"Den Fachbereich {name!r} gibt es nicht (vorhanden: {known}).")


def figures_deadline_key(body: Body) -> str:
    """The key of the calendar's deadline that the figures workbook fulfils."""
    for phase in body.calendar.get("phases", []):
        for deadline in phase.get("deadlines", []):
            if deadline.get("delivers") == "key_figures":
                return str(deadline["key"])
    raise NotFoundError(
        f"Der Kalender von {body.name} hat keine Frist für die Kennzahlenmeldung "
        '(delivers = "key_figures" in calendar.toml).'
    )


def figures_task(*, session: Session, body: Body, year: int, department: Department) -> Task:
    cycle = get_cycle(session=session, body=body, year=year)
    assert cycle is not None
    key = figures_deadline_key(body)
    deadline = session.exec(
        select(Deadline).where(Deadline.cycle_id == cycle.id, Deadline.key == key)
    ).first()
    if deadline is None:
        raise NotFoundError(
            f"Der Steuerungskreislauf {year} hat keine Frist „{key}“ für die Kennzahlenmeldung."
        )
    task = session.exec(
        select(Task).where(Task.deadline_id == deadline.id, Task.department_id == department.id)
    ).first()
    if task is None:
        raise NotFoundError(
            f"{department.name} hat im Steuerungskreislauf {year} keine Aufgabe „{deadline.title}“."
        )
    return task


def require_submittable(task: Task, department: Department, year: int) -> None:
    status = TaskStatus(task.status)
    what = f"Die Kennzahlenmeldung {year} von {department.name}"
    if status == TaskStatus.planned:
        raise ConflictError(f"{what} ist noch nicht fällig: die Phase ist noch nicht eröffnet.")
    if status == TaskStatus.submitted:
        raise ConflictError(f"{what} ist bereits eingereicht und wartet auf Prüfung.")
    if status == TaskStatus.accepted:
        raise ConflictError(f"{what} ist bereits angenommen; sie kann nicht mehr geändert werden.")
    if status == TaskStatus.cancelled:
        raise ConflictError(f"{what} entfällt (Aufgabe abgesagt).")
