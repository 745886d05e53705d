"""The controlling office's view of a cycle, and the deadlines as iCalendar."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from models.accounts import Role
from models.cycle import Cycle, Task
from models.organisation import Department
from web import auth
from web.render import page
from web.routes.common import RowId, Year, body_session, now, require_cycle, view_day
from web.views import (
    CELL_STATES,
    STATE_FILTERS,
    Counts,
    TaskFilter,
    cycle_page,
    cycle_years,
    department_matrix,
    phase_groups,
    queue_href,
    review_queue,
)

router = APIRouter(include_in_schema=False)


@router.get("/cycles/{year}")
def overview(
    request: Request,
    year: Year,
    assignee: str = "",
    state: str = "",
    sort: str = "due",
    direction: str = "asc",
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    auth.require_role(viewer, Role.admin, Role.controlling)
    from services.dashboard_cache import Revision
    from services.evaluation import evaluate
    from services.money import money_overview
    from services.strategy import strategy_view

    task_filter = TaskFilter.parse(assignee, state, sort, direction)
    with body_session(request, viewer) as (session, body):
        # a read-only request: what it computes is kept under the body's data revision
        kept = Revision(session, body, request.app.state.dashboard_cache)
        years = kept.get("years", None, lambda: cycle_years(session=session, body=body))
        if year not in years:
            require_cycle(session, body, year)  # the German 404
        day = view_day(request, body)
        if day.past:  # rebuilt from the audit trail (services.as_of): never kept
            data = cycle_page(
                session=session, body=body, year=year, today=day.today, cutoff=day.cutoff
            )
            queue = review_queue(session=session, page=data)
            matrix = department_matrix(session=session, body=body, page=data)
        else:
            data = kept.get(
                "cycle_page",
                (year, day.today),
                lambda: cycle_page(session=session, body=body, year=year, today=day.today),
            )
            queue, matrix = kept.get(
                "queue_matrix",
                (year, day.today),
                lambda: (
                    review_queue(session=session, page=data),
                    department_matrix(session=session, body=body, page=data),
                ),
            )
        rows = task_filter.apply(data.rows)
        assignees = sorted({row.assignee for row in data.rows})
        context = {
            "as_of": day,
            "body": body,
            "cycle": data,
            "rows": rows,
            "summary": phase_groups(data),
            "totals": Counts.of(data.rows),
            "groups": phase_groups(data, rows),
            "queue": queue,
            "matrix": matrix,
            "cell_states": CELL_STATES,
            "review_href": queue_href,  # the matrix leads where the queue does
            "filter": task_filter,
            "assignees": assignees,
            "states": STATE_FILTERS,
            "years": years,
            "strategy": kept.get(
                "strategy", None, lambda: strategy_view(session=session, body=body)
            ),
            "evaluation": kept.get(
                "evaluation",
                (year, body.local_date(day.cutoff)),  # it depends on the instant by its day
                lambda: evaluate(session=session, body=body, year=year, now=day.cutoff),
            ),
            "money": kept.get(
                "money", year, lambda: money_overview(session=session, body=body, year=year)
            ),
            "reports": [
                ("Bericht zur Zielerreichung (.pdf)", f"/cycles/{year}/report.pdf"),
                ("Bericht zur Zielerreichung (.xlsx)", f"/cycles/{year}/report.xlsx"),
            ],
        }
        if day.past or task_filter.assignee not in ("", *assignees):
            return page(request, "overview.html", {"viewer": viewer, **context})
        # the page itself is kept too (per viewer and filter), its session's CSRF token put in
        # on each view: rendering it costs more than all the rest of a kept view
        html = kept.get(
            "overview_html",
            (year, day.today, task_filter, viewer),
            lambda: bytes(
                page(
                    request,
                    "overview.html",
                    {"viewer": viewer, **context, "csrf_token": CSRF_SLOT},
                ).body
            ).decode("utf-8"),
        )
    return HTMLResponse(html.replace(CSRF_SLOT, auth.csrf_token(request)))


# stands for the session's CSRF token in a kept page: letters and digits (escaping keeps it),
# new in each process, so no text of a page can be taken for it
CSRF_SLOT = "KreislaufCsrf" + secrets.token_hex(16)


REPORT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/cycles/{year}/report.{fmt}")
def report(
    request: Request, year: Year, fmt: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """The evaluation report (Bericht zur Zielerreichung) as the CLI's `kreislauf report`.
    A plain (not async) route: FastAPI runs it in a worker thread, which only waits for the
    child process that renders (web.report_worker), killed at the settings' time limit."""
    from web.report_worker import ReportTimeout, render_report_limited

    auth.require_role(viewer, Role.admin, Role.controlling)
    if fmt not in REPORT_TYPES:
        raise HTTPException(404, "Den Bericht gibt es als .pdf oder .xlsx.")
    settings = request.app.state.settings
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        body_id = body.id
    assert body_id is not None
    try:
        data = render_report_limited(
            database_url=settings.database_url,
            body_id=body_id,
            year=year,
            fmt=fmt,
            now=now(request),
            seconds=settings.report_seconds,
        )
    except ReportTimeout as timeout:
        return report_timeout_page(request, viewer, year, timeout.seconds)
    return Response(
        data,
        media_type=REPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="zielerreichung-{year - 1}.{fmt}"'},
    )


def report_timeout_page(
    request: Request, viewer: auth.Viewer, year: int, seconds: float
) -> Response:
    """503 in German: the report took longer than the limit and was stopped."""
    from models.german import german_number

    limit = german_number(seconds, places=1)
    message = (
        f"Der Bericht konnte nicht in {limit} Sekunden erstellt werden und wurde abgebrochen. "
        "Bitte versuchen Sie es später erneut oder lassen Sie ihn auf dem Server mit "
        f"„kreislauf report {year} -o bericht.pdf“ erstellen (ohne Zeitgrenze)."
    )
    response = page(
        request,
        "error.html",
        {"viewer": viewer, "title": "Bericht nicht erstellt", "message": message},
        status=503,
    )
    response.headers["Retry-After"] = "120"
    return response


@router.get("/cycles/{year}/deadlines.ics")
def deadlines_ics(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """All deadlines of the cycle; a department user gets those of their department."""
    from notifications.ics import CalendarEntry, deadlines_to_ics
    from services.cycle_views import deadline_views

    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        deadlines = deadline_views(session=session, body=body, year=year)
        if not viewer.sees_all_departments:
            deadlines = [d for d in deadlines if viewer.department_name in d.responsible]
        data = deadlines_to_ics(
            [CalendarEntry(d.key, d.title, d.due, d.phase_title, d.responsible) for d in deadlines],
            body_slug=body.slug,
            body_name=body.name,
            year=year,
            now=now(request),
        )
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="fristen-{year}.ics"'},
    )


@router.get("/tasks/{task_id}")
def task_link(
    request: Request, task_id: RowId, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """The link in reminders (`<KREISLAUF_BASE_URL>/tasks/<id>`): to the department's page."""
    with body_session(request, viewer) as (session, body):
        row = session.exec(
            select(Task, Cycle.year, Department.key)
            .join(Cycle, col(Task.cycle_id) == Cycle.id)
            .join(Department, col(Task.department_id) == Department.id, isouter=True)
            .where(Task.id == task_id, Task.body_id == body.id)
        ).first()
    if row is None:
        raise HTTPException(404, "Diese Aufgabe gibt es nicht.")
    _, year, key = row
    if key is None:
        auth.require_role(viewer, Role.admin, Role.controlling)
        return RedirectResponse(f"/cycles/{year}", status_code=303)
    auth.require_department(viewer, key)
    return RedirectResponse(f"/cycles/{year}/departments/{key}", status_code=303)
