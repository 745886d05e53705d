"""A department's planning on its page: the workbook per Teilhaushalt and its upload.

The department uploads the plan of a Teilhaushalt it answers for (SubmitPlan, as the CLI);
the controlling office accepts or returns it on its review screen (web.routes.delivery_reviews).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.commands import SubmitPlan
from models.errors import KreislaufError
from models.workbook_read import MAX_FILE_BYTES, too_large
from web import auth
from web.routes.common import Year, body_session, require_cycle
from web.routes.department import FORMATS, decide_for, get_department, may_upload

if TYPE_CHECKING:
    from services.commands import Outcome

router = APIRouter(include_in_schema=False)


@router.get("/cycles/{year}/departments/{key}/plans/{thh}.xlsx")
def plan_template(
    request: Request,
    year: Year,
    key: str,
    thh: str,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The planning workbook of a Teilhaushalt the department answers for."""
    from services.planning import departments_of, find_thh, write_plan_template

    auth.require_department(viewer, key)
    with body_session(request, viewer) as (session, body):
        get_department(session, body, key)
        require_cycle(session, body, year)
        try:
            found = find_thh(session=session, body=body, number=thh[:10])
        except KreislaufError as error:
            raise HTTPException(404, error.message) from None
        if key not in {d.key for d in departments_of(session=session, thh=found)}:
            raise HTTPException(404, f"Der Teilhaushalt {thh} gehört nicht zu diesem Fachbereich.")
        data, _ = write_plan_template(session=session, body=body, year=year, thh=found.number)
    return Response(
        data,
        media_type=FORMATS["xlsx"],
        headers={
            "Content-Disposition": f'attachment; filename="planung-thh{found.number}-{year}.xlsx"'
        },
    )


@router.post("/cycles/{year}/departments/{key}/plans", dependencies=[Depends(auth.check_csrf)])
async def plan_upload(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """Submit a filled planning workbook; checked whole, taken over only without a problem."""
    auth.require_department(viewer, key)
    if not may_upload(viewer, key):
        raise auth.Forbidden("Die Planung reicht der Fachbereich selbst ein.")
    form = await request.form()
    upload = form.get("plan")
    data = await upload.read(MAX_FILE_BYTES + 1) if isinstance(upload, UploadFile) else b""
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""

    def submit() -> Response:
        def command() -> SubmitPlan:
            if len(data) > MAX_FILE_BYTES:
                raise too_large(filename)
            return SubmitPlan(year, key, filename, data)

        def confirm(outcome: Outcome) -> str:
            plan = outcome.record
            return (
                f"Planung {plan.plan_year} eingereicht (Versuch {plan.attempt}). "
                "Das Controlling prüft sie."
            )

        return decide_for(
            request, viewer, year, key, form="plan-upload", command=command, confirm=confirm
        )

    return await run_in_threadpool(submit)
