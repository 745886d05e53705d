"""Administrators' actions: create a cycle, record survey answers, convene a forum or retreat,
record a session's change set and the council's resolution.

Each runs the same service function as the CLI in one transaction, then starts the flow that
carries the cycle on (web.flows). A user's mistake is shown next to its form, in German, and
nothing is changed; only administrators may post here (others get 403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.accounts import Role
from models.errors import KreislaufError
from web import auth
from web.render import page
from web.routes.common import actor, body_session, now, status_of
from web.views import cycle_years, default_year, factions

router = APIRouter(include_in_schema=False)


def require_admin(viewer: auth.Viewer = Depends(auth.require_viewer)) -> auth.Viewer:
    auth.require_role(viewer, Role.admin)
    return viewer


def admin_page(
    request: Request,
    viewer: auth.Viewer,
    *,
    form: str | None = None,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    with body_session(request, viewer) as (session, body):
        years = cycle_years(session=session, body=body)
        context = {
            "body": body,
            "years": years,
            "default_year": default_year(years, body.local_date(now(request))),
            "factions": factions(session=session, body=body),
            "form": form,
            "error": error,
            "values": values or {},
            "flash": request.state.session.pop("flash", None),
        }
    if context["flash"]:
        request.state.session_changed = True
    return page(request, "admin.html", {"viewer": viewer, **context}, status=status)


@router.get("/admin")
def admin(request: Request, viewer: auth.Viewer = Depends(require_admin)) -> Response:
    return admin_page(request, viewer)


def _parse_year(text: str) -> int:
    from cli.render import check_year

    try:
        year = int(text.strip())
    except ValueError:
        raise KreislaufError(f"Jahr: {text!r} ist keine Jahreszahl.") from None
    return check_year(year)


def _parse_day(text: str, label: str) -> dt.date:
    from cli.render import parse_day

    if not text.strip():
        raise KreislaufError(f"{label}: bitte ein Datum angeben.")
    return parse_day(text, label)


def run_action(
    request: Request,
    viewer: auth.Viewer,
    *,
    form: str,
    values: dict[str, Any],
    action: Callable[..., tuple[str, int, str | None]],
) -> Response:
    """Run `action(session, body, now, actor)` in one transaction; on a user's mistake show the
    form again with the German message (nothing was written). `action` returns the German
    confirmation, the cycle's year and the flow to start (or None)."""
    try:
        with body_session(request, viewer) as (session, body):
            message, year, flow = action(session, body, now(request), actor(viewer))
            slug = body.slug
    except KreislaufError as error:
        return admin_page(
            request, viewer, form=form, error=str(error), values=values, status=status_of(error)
        )
    if flow:
        message += " " + _start_flow(request, flow, slug, year)
    request.state.session["flash"] = message
    request.state.session_changed = True
    return RedirectResponse("/admin", status_code=303)


def _start_flow(request: Request, flow: str, slug: str, year: int) -> str:
    try:
        return request.app.state.flows.start(flow, body=slug, year=year)
    except Exception as error:  # recorded all the same: the daily tick carries it on
        detail = str(error) if str(error) not in ("", "None") else type(error).__name__
        return (
            f"Der Flow „{flow}“ konnte nicht gestartet werden ({detail}); der tägliche "
            "Abgleich holt ihn nach."
        )


@router.post("/admin/cycles", dependencies=[Depends(auth.check_csrf)])
def create_cycle(
    request: Request, year: str = Form(""), viewer: auth.Viewer = Depends(require_admin)
) -> Response:
    def action(session, body, at, who):  # type: ignore[no-untyped-def]
        from services.cycles import create_cycle as create

        number = _parse_year(year)
        cycle = create(session=session, body=body, year=number, now=at, actor=who)
        kind = "Wahljahr: Klausurtagung statt Forum" if cycle.election_year else "reguläres Jahr"
        return f"Steuerungskreislauf {number} angelegt ({kind}).", number, "annual-cycle"

    return run_action(request, viewer, form="cycle", values={"year": year}, action=action)


@router.post("/admin/survey", dependencies=[Depends(auth.check_csrf)])
def survey_answer(
    request: Request,
    year: str = Form(""),
    faction: str = Form(""),
    need: str = Form(""),
    comment: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    def action(session, body, at, who):  # type: ignore[no-untyped-def]
        from services.cycles import get_cycle
        from services.decisions import survey_answer as record

        number = _parse_year(year)
        if need not in ("ja", "nein"):
            raise KreislaufError("Bedarf: bitte „ja“ oder „nein“ wählen.")
        cycle = get_cycle(session=session, body=body, year=number)
        events = record(
            session=session,
            body=body,
            cycle=cycle,
            faction_name=faction,
            need=need == "ja",
            comment=comment.strip() or None,
            now=at,
            actor=who,
        )
        return _confirm("Antwort festgehalten", events), number, "survey"

    values = {"year": year, "faction": faction, "need": need, "comment": comment}
    return run_action(request, viewer, form="survey", values=values, action=action)


@router.post("/admin/convene", dependencies=[Depends(auth.check_csrf)])
def convene(
    request: Request,
    year: str = Form(""),
    reason: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    def action(session, body, at, who):  # type: ignore[no-untyped-def]
        from models.decisions import SessionTrigger
        from services.cycles import get_cycle
        from services.decisions import convene_session

        number = _parse_year(year)
        if not reason.strip():
            raise KreislaufError("Anlass: bitte den Anlass der Einberufung angeben.")
        cycle = get_cycle(session=session, body=body, year=number)
        events = convene_session(
            session=session,
            body=body,
            cycle=cycle,
            trigger=SessionTrigger.administration,
            reason=reason.strip(),
            now=at,
            actor=who,
        )
        flow = "retreat" if cycle.election_year else "forum"
        return _confirm("Einberufen", events), number, flow

    return run_action(
        request, viewer, form="convene", values={"year": year, "reason": reason}, action=action
    )


@router.post("/admin/session", dependencies=[Depends(auth.check_csrf)])
def session_record(
    request: Request,
    year: str = Form(""),
    held_on: str = Form(""),
    changes: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    def action(session, body, at, who):  # type: ignore[no-untyped-def]
        from services.cycles import get_cycle
        from services.decisions import forum_record
        from web.forms import parse_change_set

        number = _parse_year(year)
        day = _parse_day(held_on, "Sitzungstag")
        change_set = parse_change_set(changes)
        cycle = get_cycle(session=session, body=body, year=number)
        events = forum_record(
            session=session,
            body=body,
            cycle=cycle,
            held_on=day,
            change_set=change_set,
            now=at,
            actor=who,
        )
        flow = "retreat" if cycle.election_year else "forum"
        text = "Festgehalten; die Änderungen gelten erst mit dem Beschluss"
        return _confirm(text, events), number, flow

    values = {"year": year, "held_on": held_on, "changes": changes}
    return run_action(request, viewer, form="session", values=values, action=action)


@router.post("/admin/resolution", dependencies=[Depends(auth.check_csrf)])
def resolution_record(
    request: Request,
    year: str = Form(""),
    date: str = Form(""),
    number: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    def action(session, body, at, who):  # type: ignore[no-untyped-def]
        from services.cycles import get_cycle
        from services.decisions import resolution_record as record

        cycle_year = _parse_year(year)
        day = _parse_day(date, "Tag des Beschlusses")
        if not number.strip():
            raise KreislaufError("Beschlussnummer: bitte angeben, z. B. KT/2027/045.")
        cycle = get_cycle(session=session, body=body, year=cycle_year)
        events = record(
            session=session,
            body=body,
            cycle=cycle,
            number=number,
            adopted_on=day,
            now=at,
            actor=who,
        )
        return (
            _confirm(f"Beschluss {number.strip()} festgehalten", events),
            cycle_year,
            ("resolution"),
        )

    values = {"year": year, "date": date, "number": number}
    return run_action(request, viewer, form="resolution", values=values, action=action)


def _confirm(head: str, events) -> str:  # type: ignore[no-untyped-def]
    details = "; ".join(event.detail for event in events)
    return f"{head}: {details}." if details else f"{head}."
