"""The review screen of a submitted figures workbook: the values beside target and last
year before the controlling office accepts or returns them, confirming that the values
were checked. It is built like the other review screens (web.routes.delivery_reviews)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from models.body import Body
from models.commands import ReviewFigures
from models.errors import KreislaufError
from services.commands import Outcome
from web import auth
from web.routes.common import Year, decide, status_of
from web.routes.delivery_reviews import (
    DEPARTMENT,
    ReviewForm,
    require_reviewer,
    review_form,
    review_page,
)

router = APIRouter(include_in_schema=False)


def figures_screen(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    key: str,
    *,
    error: KreislaufError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The screen, or 404 when nothing of the department waits for review."""
    from services.review_views import review_view
    from web.routes.department import get_department

    require_reviewer(viewer, "Meldungen")

    def build(session: Session, body: Body, cutoff: object) -> tuple[object | None, str, str]:
        department = get_department(session, body, key)
        review = review_view(
            session=session,
            body=body,
            year=year,
            department=department,
            cutoff=cutoff,  # type: ignore[arg-type]
        )
        return review, "Eine Meldung", department.name

    return review_page(
        request, viewer, year, "review.html", build, error=error, typed=typed, status=status
    )


@router.get(DEPARTMENT + "/review")
def review_screen(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    return figures_screen(request, viewer, year, key)


@router.post(DEPARTMENT + "/review/decision", dependencies=[Depends(auth.check_csrf)])
def review_screen_decision(
    request: Request,
    year: Year,
    key: str,
    form: ReviewForm = Depends(review_form),
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The decision taken on the screen, after confirming the values were checked; a mistake
    shows the screen again with what was typed."""
    from web.routes.department import get_department

    require_reviewer(viewer, "Meldungen")

    def command() -> ReviewFigures:
        accept, seen = form.verdict("die Werte")
        return ReviewFigures(year, key, accept, form.comment, seen)

    def confirm(outcome: Outcome) -> str:
        return f"Meldung {year} {form.verb}."

    return decide(
        request,
        viewer,
        command=command,
        confirm=confirm,
        refused=lambda error: figures_screen(
            request, viewer, year, key, error=error, typed=form.typed, status=status_of(error)
        ),
        redirect=f"/cycles/{year}/departments/{key}",
        check=lambda session, body: get_department(session, body, key),
    )
