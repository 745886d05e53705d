"""The review screen of a submitted figures workbook: the values beside target and last
year before the controlling office accepts or returns them, confirming that the values
were checked."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from models.errors import KreislaufError
from web import auth
from web.render import page
from web.routes.common import Year, body_session, decide, require_cycle, status_of, view_day

router = APIRouter(include_in_schema=False)


def review_page_response(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    key: str,
    *,
    error: KreislaufError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The screen, or 404 when nothing of the department waits for review; after a mistake
    it keeps what the reviewer `typed`."""
    from services.review_views import review_view
    from web.routes.department import get_department, may_review

    if not may_review(viewer):
        raise auth.Forbidden("Meldungen prüft das Controlling.")
    with body_session(request, viewer) as (session, body):
        department = get_department(session, body, key)
        require_cycle(session, body, year)
        day = view_day(request, body)
        cutoff = day.cutoff if day.past else None
        review = review_view(
            session=session, body=body, year=year, department=department, cutoff=cutoff
        )
    if review is None and day.past:
        from models.german import german_date

        raise HTTPException(
            404,
            f"Von {department.name} wartete am {german_date(day.today)} keine Meldung auf Prüfung.",
        )
    if review is None:
        raise HTTPException(404, f"Von {department.name} wartet {year} keine Meldung auf Prüfung.")
    context = {
        "as_of": day,
        "viewer": viewer,
        "year": year,
        "review": review,
        "error": str(error) if error else None,
        "error_field": error.field if error else None,
        "typed": typed or {},
    }
    return page(request, "review.html", context, status=status)


@router.get("/cycles/{year}/departments/{key}/review")
def review_screen(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    return review_page_response(request, viewer, year, key)


@router.post(
    "/cycles/{year}/departments/{key}/review/decision", dependencies=[Depends(auth.check_csrf)]
)
def review_screen_decision(
    request: Request,
    year: Year,
    key: str,
    decision: str = Form(""),
    comment: str = Form(""),
    checked: str = Form(""),
    attempt: str = Form(""),
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The decision taken on the screen, after confirming the values were checked; a mistake
    shows the screen again beside its field."""
    from web.routes.department import get_department, may_review, review_decision

    if not may_review(viewer):
        raise auth.Forbidden("Meldungen prüft das Controlling.")
    command, confirm = review_decision(year, key, decision, comment, checked, attempt)
    typed = {"decision": decision, "comment": comment[:2_000]}
    return decide(
        request,
        viewer,
        command=command,
        confirm=confirm,
        refused=lambda error: review_page_response(
            request, viewer, year, key, error=error, typed=typed, status=status_of(error)
        ),
        redirect=f"/cycles/{year}/departments/{key}",
        check=lambda session, body: get_department(session, body, key),
    )
