"""The audit trail and the messages of a cycle's body on pages of their own: German, paged,
filtered by a text, downloadable as CSV (the overview links here instead of listing them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from models.accounts import Role
from services.journal_views import MAX_PAGE, MAX_QUERY
from web import auth
from web.render import page
from web.routes.common import Year, body_session, require_cycle, view_day

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Query(max_length=MAX_QUERY)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def _csv(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/cycles/{year}/audit")
def audit(
    request: Request,
    year: Year,
    q: Text = "",
    seite: PageNumber = 1,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    from services.journal_views import audit_page

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        day = view_day(request, body)
        until = day.cutoff if day.past else None
        paged = audit_page(session=session, body=body, query=q, page=seite, until=until)
        context = {"body": body, "year": year, "paged": paged, "as_of": day}
        return page(request, "audit.html", {"viewer": viewer, **context})


@router.get("/cycles/{year}/audit.csv")
def audit_csv(
    request: Request, year: Year, q: Text = "", viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    from services.journal_views import audit_csv as export

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        day = view_day(request, body)
        data = export(session=session, body=body, query=q, until=day.cutoff if day.past else None)
    return _csv(data, f"protokoll-{year}.csv")


@router.get("/cycles/{year}/messages")
def messages(
    request: Request,
    year: Year,
    q: Text = "",
    seite: PageNumber = 1,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    from services.journal_views import message_page, recipient_names

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        day = view_day(request, body)
        until = day.cutoff if day.past else None
        paged = message_page(session=session, body=body, query=q, page=seite, until=until)
        names = recipient_names(session, body)
        context = {"body": body, "year": year, "paged": paged, "names": names, "as_of": day}
        return page(request, "messages.html", {"viewer": viewer, **context})


@router.get("/cycles/{year}/messages.csv")
def messages_csv(
    request: Request, year: Year, q: Text = "", viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    from services.journal_views import message_csv

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        day = view_day(request, body)
        until = day.cutoff if day.past else None
        data = message_csv(session=session, body=body, query=q, until=until)
    return _csv(data, f"nachrichten-{year}.csv")
