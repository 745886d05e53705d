"""The JSON API under /api: the same data as the pages, for tools.

Authenticated by `Authorization: Bearer <token>` (`kreislauf user token USER`) or the
session cookie; without either it answers 401. Department users see their department only.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from web import auth
from web.routes.common import Year, body_session, now, require_cycle
from web.views import cycle_page, cycle_years

router = APIRouter(prefix="/api", tags=["api"])


class MePublic(BaseModel):
    username: str
    display_name: str
    role: str
    department: str | None


class PhasePublic(BaseModel):
    kind: str
    title: str
    opens: dt.date
    closes: dt.date
    status: str
    timing: str
    outcome: str | None


class CyclePublic(BaseModel):
    year: int
    election_year: bool
    status: str
    phases: list[PhasePublic]
    decisions: list[str]


class TaskPublic(BaseModel):
    assignee: str
    department: str | None
    deadline_key: str
    deadline_title: str
    phase: str
    due: dt.date
    status: str
    status_label: str
    days_overdue: int


@router.get("/me", response_model=MePublic, summary="Wer angemeldet ist")
def me(viewer: auth.Viewer = Depends(auth.require_api_viewer)) -> MePublic:
    return MePublic(
        username=viewer.username,
        display_name=viewer.display_name,
        role=viewer.role.value,
        department=viewer.department_key,
    )


@router.get("/cycles", response_model=list[int], summary="Jahre der angelegten Kreisläufe")
def cycles(request: Request, viewer: auth.Viewer = Depends(auth.require_api_viewer)) -> list[int]:
    with body_session(request, viewer) as (session, body):
        return cycle_years(session=session, body=body)


@router.get("/cycles/{year}", response_model=CyclePublic, summary="Ein Kreislauf mit Phasen")
def cycle(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_api_viewer)
) -> CyclePublic:
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        data = cycle_page(
            session=session, body=body, year=year, today=body.local_date(now(request))
        )
    view = data.view
    return CyclePublic(
        year=year,
        election_year=view.election_year,
        status=view.status_label,
        phases=[
            PhasePublic(
                kind=p.kind,
                title=p.title,
                opens=p.opens,
                closes=p.closes,
                status=p.status_label,
                timing=p.timing.value,
                outcome=p.outcome,
            )
            for p in view.phases
        ],
        decisions=view.decisions if viewer.sees_all_departments else [],
    )


@router.get(
    "/cycles/{year}/tasks",
    response_model=list[TaskPublic],
    summary="Aufgaben mit Frist, Stand und Tagen Verzug",
)
def tasks(
    request: Request,
    year: Year,
    department: str | None = None,
    overdue: bool = False,
    viewer: auth.Viewer = Depends(auth.require_api_viewer),
) -> list[TaskPublic]:
    """All tasks (administration, controlling) or the own department's (department users);
    `department` narrows to one department, `overdue=true` to tasks past their due date."""
    if department is not None:
        auth.require_department(viewer, department)
    elif not viewer.sees_all_departments:
        department = viewer.department_key
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        data = cycle_page(
            session=session, body=body, year=year, today=body.local_date(now(request))
        )
    rows = [r for r in data.rows if department is None or r.department_key == department]
    return [
        TaskPublic(
            assignee=r.assignee,
            department=r.department_key,
            deadline_key=r.deadline_key,
            deadline_title=r.deadline_title,
            phase=r.phase_title,
            due=r.due,
            status=r.status.value,
            status_label=r.status.label,
            days_overdue=r.days_overdue,
        )
        for r in rows
        if not overdue or r.days_overdue > 0
    ]


class FigurePublic(BaseModel):
    key: str
    name: str
    unit: str
    field: str | None
    department: str | None
    target: float | None
    actual: float | None
    light: str
    light_label: str
    trend: str
    trend_label: str


@router.get(
    "/cycles/{year}/figures",
    response_model=list[FigurePublic],
    summary="Kennzahlen des Berichtsjahres mit Ampel und Trend",
)
def figures(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_api_viewer)
) -> list[FigurePublic]:
    """The key figures of budget year `year - 1` as the evaluation sees them at `now`;
    department users get their department's figures."""
    from services.evaluation import FigureStatus, evaluate

    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        evaluation = evaluate(session=session, body=body, year=year, now=now(request))
    by_field: list[tuple[str | None, FigureStatus]] = [
        (f.name, figure) for f in evaluation.fields for figure in f.figures
    ]
    by_field += [(None, figure) for figure in evaluation.other_figures]
    return [
        FigurePublic(
            key=figure.key,
            name=figure.name,
            unit=figure.unit,
            field=field,
            department=figure.department,
            target=figure.target,
            actual=figure.actual,
            light=figure.light.value,
            light_label=figure.light.label,
            trend=figure.trend.value,
            trend_label=figure.trend.label,
        )
        for field, figure in by_field
        if viewer.sees_all_departments or figure.department == viewer.department_name
    ]
