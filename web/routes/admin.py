"""Administrators' actions: create a cycle, record survey answers, convene a forum or retreat,
record a session's change set and the council's resolution.

Each form builds a decision command (models.commands) and hands it to the one pipeline
(services.commands.handle) in one transaction, then starts the flow the outcome names
(web.flows). A user's mistake is shown in German beside the field it concerns, and nothing is
changed; only administrators may post here (others get 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from models.accounts import Role
from models.commands import (
    AnswerSurvey,
    Command,
    Convene,
    CreateCycle,
    RecordResolution,
    RecordSession,
)
from models.errors import KreislaufError
from models.inputs import parse_day, parse_year, parse_yes_no
from models.transitions import Event
from web import auth
from web.render import page
from web.routes.common import body_session, decide, now, status_of
from web.views import cycle_years, default_year, factions

if TYPE_CHECKING:
    from services.commands import Outcome

router = APIRouter(include_in_schema=False)


def require_admin(viewer: auth.Viewer = Depends(auth.require_viewer)) -> auth.Viewer:
    auth.require_role(viewer, Role.admin)
    return viewer


def admin_page(
    request: Request,
    viewer: auth.Viewer,
    *,
    form: str | None = None,
    error: KreislaufError | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The admin page; with `error`, its message beside the field it concerns in `form` (or
    above the form when no field of it is meant)."""
    with body_session(request, viewer) as (session, body):
        years = cycle_years(session=session, body=body)
        context = {
            "body": body,
            "years": years,
            "default_year": default_year(years, body.local_date(now(request))),
            "factions": factions(session=session, body=body),
            "form": form,
            "error": str(error) if error else None,
            "error_field": _form_field(form, error),
            "values": values or {},
            "flash": request.state.session.pop("flash", None),
        }
    if context["flash"]:
        request.state.session_changed = True
    return page(request, "admin.html", {"viewer": viewer, **context}, status=status)


# form -> {a command's field: the form's input}; fields not listed show above the form
FORM_FIELDS = {
    "cycle": {"year": "year"},
    "survey": {"year": "year", "faction": "faction", "need": "need", "comment": "comment"},
    "convene": {"year": "year", "reason": "reason"},
    "session": {"year": "year", "held_on": "held_on", "change_set": "changes"},
    "resolution": {"year": "year", "adopted_on": "date", "number": "number"},
}


def _form_field(form: str | None, error: KreislaufError | None) -> str | None:
    if form is None or error is None or error.field is None:
        return None
    return FORM_FIELDS.get(form, {}).get(error.field)


@router.get("/admin")
def admin(request: Request, viewer: auth.Viewer = Depends(require_admin)) -> Response:
    return admin_page(request, viewer)


def run_action(
    request: Request,
    viewer: auth.Viewer,
    *,
    form: str,
    values: dict[str, Any],
    command: Callable[[], Command],
    confirm: Callable[[Outcome], str],
) -> Response:
    """An admin form's decision (web.routes.common.decide); a mistake shows the form again
    with what was typed and the German message beside its field."""

    def refused(error: KreislaufError) -> Response:
        return admin_page(
            request, viewer, form=form, error=error, values=values, status=status_of(error)
        )

    return decide(
        request, viewer, command=command, confirm=confirm, refused=refused, redirect="/admin"
    )


@router.post("/admin/cycles", dependencies=[Depends(auth.check_csrf)])
def create_cycle(
    request: Request, year: str = Form(""), viewer: auth.Viewer = Depends(require_admin)
) -> Response:
    def confirm(outcome: Outcome) -> str:
        election = outcome.record.election_year
        kind = "Wahljahr: Klausurtagung statt Forum" if election else "reguläres Jahr"
        return f"Steuerungskreislauf {outcome.year} angelegt ({kind})."

    return run_action(
        request,
        viewer,
        form="cycle",
        values={"year": year},
        command=lambda: CreateCycle(parse_year(year)),
        confirm=confirm,
    )


@router.post("/admin/survey", dependencies=[Depends(auth.check_csrf)])
def survey_answer(
    request: Request,
    year: str = Form(""),
    faction: str = Form(""),
    need: str = Form(""),
    comment: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    values = {"year": year, "faction": faction, "need": need, "comment": comment}
    return run_action(
        request,
        viewer,
        form="survey",
        values=values,
        command=lambda: AnswerSurvey(parse_year(year), faction, parse_yes_no(need), comment),
        confirm=lambda outcome: _confirm("Antwort festgehalten", outcome.events),
    )


@router.post("/admin/convene", dependencies=[Depends(auth.check_csrf)])
def convene(
    request: Request,
    year: str = Form(""),
    reason: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    return run_action(
        request,
        viewer,
        form="convene",
        values={"year": year, "reason": reason},
        command=lambda: Convene(parse_year(year), reason),
        confirm=lambda outcome: _confirm("Einberufen", outcome.events),
    )


@router.post("/admin/session", dependencies=[Depends(auth.check_csrf)])
def session_record(
    request: Request,
    year: str = Form(""),
    held_on: str = Form(""),
    changes: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    from web.forms import parse_change_set

    def command() -> RecordSession:
        return RecordSession(
            parse_year(year), parse_day(held_on, "held_on"), parse_change_set(changes)
        )

    text = "Festgehalten; die Änderungen gelten erst mit dem Beschluss"
    return run_action(
        request,
        viewer,
        form="session",
        values={"year": year, "held_on": held_on, "changes": changes},
        command=command,
        confirm=lambda outcome: _confirm(text, outcome.events),
    )


@router.post("/admin/resolution", dependencies=[Depends(auth.check_csrf)])
def resolution_record(
    request: Request,
    year: str = Form(""),
    date: str = Form(""),
    number: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    def command() -> RecordResolution:
        return RecordResolution(parse_year(year), number, parse_day(date, "adopted_on"))

    def confirm(outcome: Outcome) -> str:
        return _confirm(f"Beschluss {outcome.record.number} festgehalten", outcome.events)

    values = {"year": year, "date": date, "number": number}
    return run_action(
        request, viewer, form="resolution", values=values, command=command, confirm=confirm
    )


def _confirm(head: str, events: list[Event]) -> str:
    details = "; ".join(event.detail for event in events)
    return f"{head}: {details}." if details else f"{head}."
