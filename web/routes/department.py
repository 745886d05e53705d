"""A department's page: its tasks and deadlines, its template, its uploads and their review.

A department user sees only their own department; administrators and the controlling office
may open any department's page.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from models.body import Body
from models.organisation import Department
from web import auth
from web.render import page
from web.routes.common import body_session, now, require_cycle
from web.views import cycle_page, cycle_years

router = APIRouter(include_in_schema=False)


def get_department(session: Session, body: Body, key: str) -> Department:
    department = session.exec(
        select(Department).where(Department.body_id == body.id, Department.key == key)
    ).first()
    if department is None:
        raise HTTPException(404, f"Den Fachbereich {key!r} gibt es nicht.")
    return department


@router.get("/cycles/{year}/departments/{key}")
def department_page(
    request: Request, year: int, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    auth.require_department(viewer, key)
    with body_session(request, viewer) as (session, body):
        department = get_department(session, body, key)
        require_cycle(session, body, year)
        data = cycle_page(
            session=session, body=body, year=year, today=body.local_date(now(request))
        )
        context = {
            "body": body,
            "department": department,
            "cycle": data,
            "rows": [row for row in data.rows if row.assignee == department.name],
            "years": cycle_years(session=session, body=body),
        }
    return page(request, "department.html", {"viewer": viewer, **context})
