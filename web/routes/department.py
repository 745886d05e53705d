"""A department's page: its tasks and deadlines, its template, its uploads and their review.

A department user sees only their own department; administrators and the controlling office
may open any department's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.accounts import Role
from models.body import Body
from models.commands import Command, SubmitFigures
from models.errors import KreislaufError
from models.organisation import Department
from models.workbook_read import MAX_FILE_BYTES, too_large
from services.delivery_files import FileKind
from web import auth
from web.render import page
from web.routes.common import (
    RowId,
    Year,
    attachment,
    body_session,
    decide,
    require_cycle,
    status_of,
    view_day,
)
from web.views import cycle_page, cycle_years

if TYPE_CHECKING:
    from services.commands import Outcome
    from services.submission_template import Format

router = APIRouter(include_in_schema=False)


def get_department(session: Session, body: Body, key: str) -> Department:
    department = session.exec(
        select(Department).where(Department.body_id == body.id, Department.key == key)
    ).first()
    if department is None:
        raise HTTPException(404, f"Den Fachbereich {key!r} gibt es nicht.")
    return department


MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # the reader's limit, checked again before parsing
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def may_upload(viewer: auth.Viewer, key: str) -> bool:
    return viewer.is_admin or viewer.department_key == key


def may_review(viewer: auth.Viewer) -> bool:
    return viewer.role in (Role.admin, Role.controlling)


def department_page_response(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    key: str,
    *,
    error: KreislaufError | None = None,
    form: str | None = None,
    status: int = 200,
    extra: dict[str, object] | None = None,
) -> Response:
    from services.committees import committees_of
    from services.money import money_overview, profiles_of_department
    from services.partial_report_views import report_state
    from services.planning import plan_overview
    from services.submission_list import list_submissions
    from services.task_delivery import latest_deliveries

    auth.require_department(viewer, key)
    with body_session(request, viewer) as (session, body):
        department = get_department(session, body, key)
        cycle = require_cycle(session, body, year)
        day = view_day(request, body)
        cutoff = day.cutoff if day.past else None
        data = cycle_page(session=session, body=body, year=year, today=day.today, cutoff=cutoff)
        try:
            delivery = next(
                (
                    v
                    for v in list_submissions(session=session, body=body, year=year)
                    if v.department_key == key
                ),
                None,
            )
        except KreislaufError:  # a calendar without a figures deadline: nothing to deliver
            delivery = None
        money = money_overview(session=session, body=body, year=year)
        rows = [row for row in data.rows if row.assignee == department.name]
        deliveries = latest_deliveries(session=session, task_ids=[r.task_id for r in rows])
        if cutoff is not None:  # a past view: what was delivered and submitted by then
            from services.as_of import deliveries_until, submission_view_at

            deliveries = deliveries_until(deliveries, session=session, cutoff=cutoff)
            delivery = submission_view_at(
                delivery,
                session=session,
                body=body,
                cycle=cycle,
                department=department,
                rows=rows,
                cutoff=cutoff,
            )
        context = {
            "body": body,
            "department": department,
            "cycle": data,
            "rows": rows,
            "deliveries": deliveries,
            "as_of": day,
            "committees": committees_of(
                session=session, body=body, year=year, department_key=department.key
            ),
            "may_deliver": may_upload(viewer, key)
            or (department.is_controlling_office and may_review(viewer)),
            "years": cycle_years(session=session, body=body),
            "delivery": delivery,
            "money": money,
            "groups": profiles_of_department(money, key),
            "plans": plan_overview(session=session, body=body, year=year, department=department),
            "may_upload": may_upload(viewer, key),
            "may_review": may_review(viewer),
            "error": str(error) if error else None,
            "error_field": error.field if error else None,
            "form": form,
            "flash": request.state.session.pop("flash", None),
            "partial_report": report_state(
                session=session, body=body, year=year, department=department, overview=money
            ),
            **(extra or {}),
        }
    if context["flash"]:
        request.state.session_changed = True
    return page(request, "department.html", {"viewer": viewer, **context}, status=status)


@router.get("/cycles/{year}/departments/{key}")
def department_page(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    return department_page_response(request, viewer, year, key)


@router.get("/cycles/{year}/departments/{key}/files/{kind}/{delivery_id}")
def delivered_workbook(
    request: Request,
    year: Year,
    key: str,
    kind: FileKind,
    delivery_id: RowId,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """A workbook the department uploaded (figures, partial budget report, plan), as it
    came: for its reviewer and for the department itself."""
    from services.delivery_files import stored_file

    auth.require_department(viewer, key)
    with body_session(request, viewer) as (session, body):
        department = get_department(session, body, key)
        require_cycle(session, body, year)
        try:
            filename, content = stored_file(session, body, year, department, kind, delivery_id)
        except KreislaufError as error:
            raise HTTPException(404, str(error)) from None
    suffix = filename.rsplit(".", 1)[-1].lower()
    return attachment(content, filename, FORMATS.get(suffix, "application/octet-stream"))


@router.get("/cycles/{year}/departments/{key}/template.{fmt}")
def template(
    request: Request,
    year: Year,
    key: str,
    fmt: str,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The department's figures workbook to fill in (.xlsx or .csv)."""
    from services.submission_template import write_template

    auth.require_department(viewer, key)
    if fmt not in FORMATS:
        raise HTTPException(404, "Die Vorlage gibt es als .xlsx oder .csv.")
    with body_session(request, viewer) as (session, body):
        get_department(session, body, key)
        require_cycle(session, body, year)
        try:  # a department without a figures task has no template (not a server error)
            data = write_template(session, body, year, key, cast("Format", fmt))  # one of FORMATS
        except KreislaufError as error:
            raise HTTPException(404, error.message) from None
    return Response(
        data,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{key}-{year}.{fmt}"'},
    )


@router.post(
    "/cycles/{year}/departments/{key}/submissions", dependencies=[Depends(auth.check_csrf)]
)
async def upload(
    request: Request,
    year: Year,
    key: str,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """Submit the filled workbook: checked whole, with the CLI's messages; taken over only
    without any problem. The check and the record run in a worker thread: a large file
    must not stall the other requests on the event loop."""
    auth.require_department(viewer, key)
    if not may_upload(viewer, key):
        raise auth.Forbidden("Die Meldung reicht der Fachbereich selbst ein.")
    form = await request.form()
    upload = form.get("workbook")
    data = await upload.read(MAX_UPLOAD_BYTES + 1) if isinstance(upload, UploadFile) else b""
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    return await run_in_threadpool(submit_upload, request, viewer, year, key, data, filename)


def submit_upload(
    request: Request, viewer: auth.Viewer, year: int, key: str, data: bytes, filename: str
) -> Response:
    def command() -> SubmitFigures:
        if len(data) > MAX_UPLOAD_BYTES:
            raise too_large(filename)
        return SubmitFigures(year, key, filename, data)

    def confirm(outcome: Outcome) -> str:
        attempt = outcome.record.attempt
        return f"Meldung {year} eingereicht (Versuch {attempt}). Das Controlling prüft sie."

    return decide_for(request, viewer, year, key, form="upload", command=command, confirm=confirm)


def decide_for(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    key: str,
    *,
    form: str,
    command: Callable[[], Command],
    confirm: Callable[[Outcome], str],
) -> Response:
    """A department form's decision (web.routes.common.decide) for the department `key`; a
    mistake shows the department's page again with the message beside its field."""

    def refused(error: KreislaufError) -> Response:
        return department_page_response(
            request, viewer, year, key, error=error, form=form, status=status_of(error)
        )

    return decide(
        request,
        viewer,
        command=command,
        confirm=confirm,
        refused=refused,
        redirect=f"/cycles/{year}/departments/{key}",
        check=lambda session, body: get_department(session, body, key),
    )
