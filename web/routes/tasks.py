"""A task fulfilled on the web by a confirmation or a document, and its review.

The forms sit on the department's page (web/templates/_task_deliveries.html); a mistake shows
that page again with the message beside the task's form. The department confirms its own
tasks; the controlling office also confirms its own and reviews the departments'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.body import Body
from models.commands import ConfirmTask, DeliverDocument, ReviewTask
from models.cycle import Task
from models.errors import KreislaufError, NotFoundError
from models.inputs import parse_day
from models.organisation import Department
from models.task_delivery import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES
from web import auth
from web.routes.common import Year, attachment, body_session
from web.routes.department import decide_for, may_review, may_upload

if TYPE_CHECKING:
    from services.commands import Outcome

router = APIRouter(include_in_schema=False)


def task_department(session: Session, body: Body, year: int, task_id: int) -> Department:
    """The department whose page shows the task; any other task is not found."""
    from models.cycle import Cycle

    task = session.get(Task, task_id)
    cycle = session.get(Cycle, task.cycle_id) if task is not None else None
    if (
        task is None
        or task.body_id != body.id
        or cycle is None
        or cycle.year != year
        or task.department_id is None
    ):
        raise NotFoundError(f"Die Aufgabe {task_id} gibt es nicht.", field="task_id")
    return session.get_one(Department, task.department_id)


def may_deliver(viewer: auth.Viewer, department: Department) -> bool:
    """The department itself; the controlling office for its own tasks."""
    return may_upload(viewer, department.key) or (
        department.is_controlling_office and may_review(viewer)
    )


def _department_key(request: Request, viewer: auth.Viewer, year: int, task_id: int) -> str:
    from fastapi import HTTPException

    with body_session(request, viewer) as (session, body):
        try:
            department = task_department(session, body, year, task_id)
        except NotFoundError as error:
            raise HTTPException(404, str(error)) from None
        auth.require_department(viewer, department.key)
        if not may_deliver(viewer, department) and not may_review(viewer):
            raise auth.Forbidden("Diese Aufgabe erledigt der Fachbereich selbst.")
        return department.key


def _require_deliverer(request: Request, viewer: auth.Viewer, year: int, task_id: int) -> str:
    with body_session(request, viewer) as (session, body):
        department = task_department(session, body, year, task_id)
        if not may_deliver(viewer, department):
            raise auth.Forbidden("Diese Aufgabe erledigt der Fachbereich selbst.")
        return department.key


@router.post("/cycles/{year}/tasks/{task_id}/confirm", dependencies=[Depends(auth.check_csrf)])
def confirm(
    request: Request,
    year: Year,
    task_id: int,
    done_on: str = Form(""),
    note: str = Form(""),
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The task done on a day, with a note of what was done."""
    key = _department_key(request, viewer, year, task_id)
    _require_deliverer(request, viewer, year, task_id)

    def command() -> ConfirmTask:
        if not done_on.strip():
            raise KreislaufError("Bitte das Datum der Erledigung angeben.", field="done_on")
        return ConfirmTask(task_id, parse_day(done_on, "done_on"), note)

    def confirmed(outcome: Outcome) -> str:
        return f"Erledigung am {outcome.record.done_on:%d.%m.%Y} festgehalten."

    return decide_for(
        request, viewer, year, key, form=f"task-{task_id}", command=command, confirm=confirmed
    )


@router.post("/cycles/{year}/tasks/{task_id}/document", dependencies=[Depends(auth.check_csrf)])
async def upload(
    request: Request,
    year: Year,
    task_id: int,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The task's document (e.g. the council paper); the check runs in a worker thread."""
    key = await run_in_threadpool(_department_key, request, viewer, year, task_id)
    await run_in_threadpool(_require_deliverer, request, viewer, year, task_id)
    form = await request.form()
    file = form.get("document")
    data = await file.read(MAX_DOCUMENT_BYTES + 1) if isinstance(file, UploadFile) else b""
    filename = (file.filename or "") if isinstance(file, UploadFile) else ""
    note = form.get("note")
    text = note if isinstance(note, str) else None

    def command() -> DeliverDocument:
        return DeliverDocument(task_id, filename, data, text)

    def uploaded(outcome: Outcome) -> str:
        return f"Dokument {outcome.record.filename} hochgeladen."

    return await run_in_threadpool(
        lambda: decide_for(
            request, viewer, year, key, form=f"task-{task_id}", command=command, confirm=uploaded
        )
    )


@router.get("/cycles/{year}/tasks/{task_id}/document")
def download(
    request: Request,
    year: Year,
    task_id: int,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    from fastapi import HTTPException

    from services.task_delivery import delivered_document

    _department_key(request, viewer, year, task_id)
    with body_session(request, viewer) as (session, body):
        try:
            filename, content = delivered_document(session=session, body=body, task_id=task_id)
        except NotFoundError as error:
            raise HTTPException(404, str(error)) from None
    suffix = "." + filename.rsplit(".", 1)[-1].lower()
    return attachment(content, filename, DOCUMENT_TYPES.get(suffix, "application/octet-stream"))


@router.post("/cycles/{year}/tasks/{task_id}/review", dependencies=[Depends(auth.check_csrf)])
def review(
    request: Request,
    year: Year,
    task_id: int,
    decision: str = Form(""),
    comment: str = Form(""),
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The controlling office accepts the delivery or returns it with a comment."""
    if not may_review(viewer):
        raise auth.Forbidden("Erledigte Aufgaben prüft das Controlling.")
    key = _department_key(request, viewer, year, task_id)

    def command() -> ReviewTask:
        if decision not in ("accept", "return"):
            raise KreislaufError("Bitte „annehmen“ oder „zurückgeben“ wählen.", field="accept")
        return ReviewTask(task_id, decision == "accept", comment)

    def reviewed(outcome: Outcome) -> str:
        return "Aufgabe " + ("angenommen." if decision == "accept" else "zurückgegeben.")

    return decide_for(
        request, viewer, year, key, form=f"task-{task_id}", command=command, confirm=reviewed
    )
