"""Across the cycle years: a key figure's page, a priority's page and the strategy's
versions as a timeline (the controlling office's workbench)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response
from markupsafe import Markup

from models.accounts import Role
from web import auth
from web.render import page
from web.routes.common import body_session, view_day

router = APIRouter(include_in_schema=False)

# a key or a code as the configuration writes them ("klima-biodiversitaet.1"); longer is 404
Key = Annotated[str, Path(max_length=80)]


@router.get("/figures/{key}")
def figure_page(
    request: Request, key: Key, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    from services.years_views import figure_history

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        day = view_day(request, body)
        figure = figure_history(session=session, body=body, key=key, today=day.today)
        if figure is None:
            raise HTTPException(404, "Diese Kennzahl gibt es nicht.")
        context = {"body": body, "figure": figure, "chart": Markup(figure.chart), "as_of": day}
    return page(request, "figure.html", {"viewer": viewer, **context})


@router.get("/priorities/{code}")
def priority_page(
    request: Request, code: Key, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    from services.years_views import priority_history

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        day = view_day(request, body)
        priority = priority_history(session=session, body=body, code=code, today=day.today)
        if priority is None:
            raise HTTPException(404, "Diesen strategischen Schwerpunkt gibt es nicht.")
        context = {"body": body, "p": priority, "as_of": day}
    return page(request, "priority.html", {"viewer": viewer, **context})


@router.get("/strategy")
def strategy_page(request: Request, viewer: auth.Viewer = Depends(auth.require_viewer)) -> Response:
    from services.years_views import strategy_timeline

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        day = view_day(request, body)
        timeline = strategy_timeline(session=session, body=body, today=day.today)
        context = {"body": body, "timeline": timeline, "as_of": day}
    return page(request, "strategy.html", {"viewer": viewer, **context})
