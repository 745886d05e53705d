"""The review screens of a partial budget report and of a Teilhaushalt's plan: what was
delivered beside plan, result, ceiling and targets before the controlling office accepts or
returns it, confirming that it was checked (as web.routes.review does for the figures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from models.body import Body
from models.commands import MAX_REVIEW_COMMENT, ReviewPartialReport, ReviewPlan
from models.errors import KreislaufError
from models.german import german_date
from models.organisation import Department
from models.product_plan import PartialBudget
from services.commands import Outcome
from web import auth
from web.render import page
from web.routes.common import Year, body_session, decide, require_cycle, status_of, view_day

router = APIRouter(include_in_schema=False)
DEPARTMENT = "/cycles/{year}/departments/{key}"


def require_reviewer(viewer: auth.Viewer, what: str) -> None:
    from web.routes.department import may_review

    if not may_review(viewer):
        raise auth.Forbidden(f"{what} prüft das Controlling.")


def _department_thh(
    session: Session, body: Body, key: str, thh: str
) -> tuple[Department, PartialBudget]:
    """The department and its Teilhaushalt `thh` (404 when it is not the department's)."""
    from services.planning import departments_of, find_thh
    from web.routes.department import get_department

    department = get_department(session, body, key)
    if len(thh) > 10:  # no Teilhaushalt has a longer number
        raise HTTPException(404, "Diesen Teilhaushalt gibt es nicht.")
    try:
        found = find_thh(session=session, body=body, number=thh)
    except KreislaufError as error:
        raise HTTPException(404, error.message) from None
    if key not in {d.key for d in departments_of(session=session, thh=found)}:
        raise HTTPException(404, f"Der Teilhaushalt {thh} gehört nicht zu diesem Fachbereich.")
    return department, found


def _nothing_waits(what: str, name: str, year: int, day_text: str | None) -> HTTPException:
    if day_text:
        return HTTPException(404, f"{what} von {name} wartete am {day_text} nicht auf Prüfung.")
    return HTTPException(404, f"{what} von {name} wartet {year} nicht auf Prüfung.")


def review_page(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    template: str,
    build: Callable[[Session, Body, object], tuple[object | None, str, str]],
    *,
    error: KreislaufError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """A review screen: `build(session, body, cutoff)` gives the view (None: nothing waits),
    what waits and whose it is, for the German 404."""
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        day = view_day(request, body)
        review, what, name = build(session, body, day.cutoff if day.past else None)
    if review is None:
        raise _nothing_waits(what, name, year, german_date(day.today) if day.past else None)
    context = {
        "as_of": day,
        "viewer": viewer,
        "year": year,
        "review": review,
        "error": str(error) if error else None,
        "error_field": error.field if error else None,
        "typed": typed or {},
        "max_comment": MAX_REVIEW_COMMENT,
    }
    return page(request, template, context, status=status)


@dataclass(frozen=True)
class ReviewForm:
    """A review screen's decision as posted: accept or return, the comment, the confirmation
    that it was checked, and the attempt the screen showed."""

    decision: str
    comment: str
    checked: str
    attempt: str

    def verdict(self, what: str) -> tuple[bool, int]:
        """(accept, the attempt shown), checked in German; `what` was checked."""
        if self.decision not in ("accept", "return"):
            raise KreislaufError("Bitte „annehmen“ oder „zurückgeben“ wählen.", field="accept")
        if self.checked != "yes":
            raise KreislaufError(f"Bitte bestätigen: „Ich habe {what} geprüft“.", field="checked")
        if not self.attempt.isdigit() or len(self.attempt) > 5:
            raise KreislaufError("Unbekannter Versuch.", field="attempt")
        return self.decision == "accept", int(self.attempt)

    @property
    def typed(self) -> dict[str, str]:
        """What was typed, for the screen shown again after a mistake."""
        return {"decision": self.decision, "comment": self.comment[:MAX_REVIEW_COMMENT]}

    @property
    def verb(self) -> str:
        return "angenommen" if self.decision == "accept" else "zurückgegeben"


def review_form(
    decision: str = Form(""),
    comment: str = Form(""),
    checked: str = Form(""),
    attempt: str = Form(""),
) -> ReviewForm:
    return ReviewForm(decision, comment, checked, attempt)


# -- the partial budget report ------------------------------------------------------------


def partial_report_screen(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    key: str,
    *,
    error: KreislaufError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    from services.partial_report_review import partial_report_review
    from web.routes.department import get_department

    require_reviewer(viewer, "Teilhaushaltsberichte")

    def build(session: Session, body: Body, cutoff: object) -> tuple[object | None, str, str]:
        department = get_department(session, body, key)
        review = partial_report_review(
            session=session,
            body=body,
            year=year,
            department=department,
            cutoff=cutoff,  # type: ignore[arg-type]
        )
        return review, "Ein Teilhaushaltsbericht", department.name

    return review_page(
        request,
        viewer,
        year,
        "review_partial_report.html",
        build,
        error=error,
        typed=typed,
        status=status,
    )


@router.get(DEPARTMENT + "/partial-report/review")
def partial_report_review_screen(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    return partial_report_screen(request, viewer, year, key)


@router.post(
    DEPARTMENT + "/partial-report/review/decision", dependencies=[Depends(auth.check_csrf)]
)
def partial_report_decision(
    request: Request,
    year: Year,
    key: str,
    form: ReviewForm = Depends(review_form),
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The decision taken on the screen; a mistake shows the screen again with what was typed."""
    from web.routes.department import get_department

    require_reviewer(viewer, "Teilhaushaltsberichte")

    def command() -> ReviewPartialReport:
        accept, seen = form.verdict("den Bericht")
        return ReviewPartialReport(year, key, accept, form.comment, seen)

    def confirm(outcome: Outcome) -> str:
        return f"Teilhaushaltsbericht {year} (Versuch {outcome.record.attempt}) {form.verb}."

    return decide(
        request,
        viewer,
        command=command,
        confirm=confirm,
        refused=lambda error: partial_report_screen(
            request, viewer, year, key, error=error, typed=form.typed, status=status_of(error)
        ),
        redirect=f"/cycles/{year}/departments/{key}#teilhaushaltsbericht",
        check=lambda session, body: get_department(session, body, key),
    )


# -- the plan of a Teilhaushalt ------------------------------------------------------------


def plan_screen(
    request: Request,
    viewer: auth.Viewer,
    year: int,
    key: str,
    thh: str,
    *,
    error: KreislaufError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    from services.plan_review import plan_review

    require_reviewer(viewer, "Planungen")

    def build(session: Session, body: Body, cutoff: object) -> tuple[object | None, str, str]:
        department, found = _department_thh(session, body, key, thh)
        review = plan_review(
            session=session,
            body=body,
            year=year,
            department=department,
            thh=found,
            cutoff=cutoff,  # type: ignore[arg-type]
        )
        return review, f"Eine Planung des Teilhaushalts {thh}", department.name

    return review_page(
        request, viewer, year, "review_plan.html", build, error=error, typed=typed, status=status
    )


@router.get(DEPARTMENT + "/plans/review")
def first_waiting_plan(
    request: Request, year: Year, key: str, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """The review queue's link for a department's planning: its first waiting plan (none:
    the planning section of the department page, where a planning task without
    Teilhaushalte is reviewed)."""
    from services.plan_review import waiting_thh
    from web.routes.department import get_department

    require_reviewer(viewer, "Planungen")
    with body_session(request, viewer) as (session, body):
        department = get_department(session, body, key)
        require_cycle(session, body, year)
        day = view_day(request, body)
        number = waiting_thh(
            session=session,
            body=body,
            year=year,
            department=department,
            cutoff=day.cutoff if day.past else None,
        )
    query = f"?on={day.today.isoformat()}" if day.past else ""
    if number is None:
        return RedirectResponse(f"/cycles/{year}/departments/{key}{query}#planung", 303)
    return RedirectResponse(f"/cycles/{year}/departments/{key}/plans/{number}/review{query}", 303)


@router.get(DEPARTMENT + "/plans/{thh}/review")
def plan_review_screen(
    request: Request,
    year: Year,
    key: str,
    thh: str,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    return plan_screen(request, viewer, year, key, thh)


@router.post(DEPARTMENT + "/plans/{thh}/review/decision", dependencies=[Depends(auth.check_csrf)])
def plan_decision(
    request: Request,
    year: Year,
    key: str,
    thh: str,
    form: ReviewForm = Depends(review_form),
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """The decision taken on the screen; a mistake shows the screen again with what was typed."""
    require_reviewer(viewer, "Planungen")
    if len(thh) > 10:  # no Teilhaushalt has a longer number
        raise HTTPException(404, "Diesen Teilhaushalt gibt es nicht.")
    number = thh

    def command() -> ReviewPlan:
        accept, seen = form.verdict("die Planung")
        return ReviewPlan(year, number, accept, form.comment, seen)

    def confirm(outcome: Outcome) -> str:
        return f"Planung {year + 1} des Teilhaushalts {number} {form.verb}."

    return decide(
        request,
        viewer,
        command=command,
        confirm=confirm,
        refused=lambda error: plan_screen(
            request, viewer, year, key, thh, error=error, typed=form.typed, status=status_of(error)
        ),
        redirect=f"/cycles/{year}/departments/{key}#planung",
        check=lambda session, body: _department_thh(session, body, key, thh),
    )
