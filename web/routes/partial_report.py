"""A department's partial budget report on the web: the draft to download, the upload of the
filled workbook or the same texts typed into the form. The controlling office reviews it on
its own screen (web.routes.delivery_reviews).

Shown on the department's page (web/templates/_partial_report.html); a refusal shows that
page again with the problems, and the form keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.commands import Command, SubmitPartialReport
from models.errors import KreislaufError
from models.workbook_read import MAX_FILE_BYTES, too_large
from services.commands import Outcome
from web import auth
from web.routes.common import Year, body_session, decide, require_cycle, status_of
from web.routes.department import department_page_response, get_department, may_upload

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BASE = "/cycles/{year}/departments/{key}/partial-report"
MAX_FIELDS = 2_000  # texts in one form: far above any department's groups and figures


@router.get(BASE + ".xlsx")
def draft(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """The department's report workbook to fill in."""
    from services.partial_report_draft import write_draft

    auth.require_department(viewer, key)
    with body_session(request, viewer) as (session, body):
        department = get_department(session, body, key)
        require_cycle(session, body, year)
        data = write_draft(session=session, body=body, year=year, department=department)
    return Response(
        data,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="teilhaushaltsbericht-{key}-{year}.xlsx"'
        },
    )


@router.post(BASE + "/upload", dependencies=[Depends(auth.check_csrf)])
async def upload(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """The filled workbook, checked whole in a worker thread."""
    _require_uploader(viewer, key)
    form = await request.form()
    upload = form.get("report")
    data = await upload.read(MAX_FILE_BYTES + 1) if isinstance(upload, UploadFile) else b""
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""

    def command() -> SubmitPartialReport:
        if len(data) > MAX_FILE_BYTES:
            raise too_large(filename)
        return SubmitPartialReport(year, key, filename, data)

    return await run_in_threadpool(_decide, request, viewer, year, key, "thh-upload", command)


@router.post(BASE + "/form", dependencies=[Depends(auth.check_csrf)])
async def form(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """The same texts typed into the page's form; field names as `ReportField.name`."""
    _require_uploader(viewer, key)
    received = await request.form(max_fields=MAX_FIELDS)
    texts = tuple(
        (name, value)
        for name, value in received.items()
        if isinstance(value, str) and name.split(":", 1)[0] in ("assessment", "deviation", "figure")
    )

    def command() -> SubmitPartialReport:
        return SubmitPartialReport(year, key, texts=texts)

    return await run_in_threadpool(
        _decide, request, viewer, year, key, "thh-form", command, dict(texts)
    )


def _require_uploader(viewer: auth.Viewer, key: str) -> None:
    auth.require_department(viewer, key)
    if not may_upload(viewer, key):
        raise auth.Forbidden("Den Teilhaushaltsbericht reicht der Fachbereich selbst ein.")


def _decide(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    key: str,
    form: str,
    command: Callable[[], Command],
    typed: dict[str, str] | None = None,
) -> Response:
    def refused(error: KreislaufError) -> Response:
        return department_page_response(
            request,
            viewer,
            year,
            key,
            error=error,
            form=form,
            status=status_of(error),
            extra={"thh_typed": typed},
        )

    def confirm(outcome: Outcome) -> str:
        report = outcome.record
        return (
            f"Teilhaushaltsbericht {year} eingereicht (Versuch {report.attempt}). "
            "Das Controlling prüft ihn."
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
