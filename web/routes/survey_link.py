"""The personal survey link (issue 15): a faction leader answers without a login.

GET shows the question, the current priorities and the answer given so far; POST carries the
form's CSRF token (every visitor's session has one) and builds the admin form's command
(AnswerSurvey) with the actor "link:<faction>". A link that is not valid at the request's
instant opens a German page saying why; nothing is written but the attempt's audit entry.
The administration's "Link neu ausstellen" (POST /admin/survey/link) is here as well.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from models.body import Body
from models.commands import ReissueSurveyLink
from models.cycle import Cycle
from models.db import session_scope
from models.errors import KreislaufError
from models.inputs import parse_year, parse_yes_no
from models.organisation import Faction
from models.survey_links import MAX_TOKEN, explanation
from services.bodies import resolve_body
from services.commands import Outcome, handle
from services.survey_links import (
    Opened,
    Refused,
    answer_command,
    link_actor,
    open_link,
    record_refusal,
)
from web import auth
from web.render import page
from web.routes.admin import require_admin, run_action
from web.routes.common import now, start_flow, status_of

router = APIRouter(include_in_schema=False)  # pages, not the API


def _fallback_body(session: Session, request: Request) -> Any:
    """The site's body, for a refusal whose link names none (None if it is ambiguous)."""
    try:
        return resolve_body(session=session, slug=request.app.state.settings.body)
    except KreislaufError:
        return None


def _refused_page(request: Request, session: Session, token: str, refused: Refused) -> Response:
    record_refusal(
        session=session,
        refused=refused,
        token=token[:MAX_TOKEN],
        now=now(request),
        fallback=_fallback_body(session, request),
    )
    context = {
        "title": refused.reason.heading,
        "message": explanation(refused.reason, refused.window),
        "body": refused.body,
        "posted": request.method == "POST",
    }
    return page(request, "survey_link_refused.html", context, status=refused.reason.status)


def _form_context(session: Session, opened: Opened) -> dict[str, Any]:
    from services.report_format import PriorityNames
    from services.strategy import strategy_view

    strategy = strategy_view(session=session, body=opened.body)
    names = PriorityNames((f.name, [code for code, _ in f.priorities]) for f in strategy.fields)
    fields = [
        {
            "name": f.name,
            "priorities": [(names.number(code), text) for code, text in f.priorities],
        }
        for f in strategy.fields
        if f.priorities
    ]
    answer = opened.answer
    return {
        "title": f"Befragung {opened.cycle.year}",
        "body": opened.body,
        "year": opened.cycle.year,
        "faction": opened.faction,
        "window": opened.window,
        "fields": fields,
        "answer": answer,
        "answered_on": opened.body.local_date(answer.answered_at) if answer else None,
    }


def _form_page(
    request: Request,
    token: str,
    *,
    error: KreislaufError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    with session_scope(request.app.state.engine) as session:
        opened = open_link(session=session, token=token, now=now(request))
        if isinstance(opened, Refused):
            return _refused_page(request, session, token, opened)
        context = _form_context(session, opened)
    flash = request.state.session.pop("flash", None)
    if flash:
        request.state.session_changed = True
    answer = context["answer"]
    shown = values or {
        "need": ("ja" if answer.need else "nein") if answer else "",
        "comment": (answer.comment or "") if answer else "",
    }
    context.update(
        token=token,
        flash=flash,
        values=shown,
        error=str(error) if error else None,
        error_field=error.field if error else None,
    )
    return page(request, "survey_link.html", context, status=status_of(error) if error else 200)


@router.get("/umfrage/{token}")
def survey_link(request: Request, token: str) -> Response:
    return _form_page(request, token)


@router.post("/umfrage/{token}", dependencies=[Depends(auth.check_csrf)])
def survey_link_answer(
    request: Request, token: str, need: str = Form(""), comment: str = Form("")
) -> Response:
    at = now(request)
    try:
        with session_scope(request.app.state.engine) as session:
            opened = open_link(session=session, token=token, now=at)
            if isinstance(opened, Refused):
                return _refused_page(request, session, token, opened)
            command = answer_command(opened, need=parse_yes_no(need), comment=comment)
            outcome = handle(
                command,
                session=session,
                body=opened.body,
                now=at,
                actor=link_actor(opened.faction.key),
            )
            slug, changed = opened.body.slug, opened.answer is not None
    except KreislaufError as error:
        return _form_page(request, token, error=error, values={"need": need, "comment": comment})
    if outcome.flow:  # a failed start is caught up by the daily run; the leader need not know
        start_flow(request, outcome.flow, slug, outcome.year, at)
    request.state.session["flash"] = (
        "Ihre Antwort wurde geändert." if changed else "Vielen Dank, Ihre Antwort ist eingegangen."
    )
    request.state.session_changed = True
    return RedirectResponse(f"/umfrage/{token}", status_code=303)


@router.post("/admin/survey/link", dependencies=[Depends(auth.check_csrf)])
def reissue_link(
    request: Request,
    year: str = Form(""),
    faction: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    def confirm(outcome: Outcome) -> str:
        from config.settings import Settings
        from services.survey_links import link_url, token_of

        link = outcome.record
        with session_scope(request.app.state.engine) as session:
            body = session.get_one(Body, link.body_id)
            cycle = session.get_one(Cycle, link.cycle_id)
            faction = session.get_one(Faction, link.faction_id)
            token = token_of(link, body=body, cycle=cycle, faction=faction)
        base = Settings().base_url or str(request.base_url)
        return "; ".join(event.detail for event in outcome.events) + (
            f". Der bisherige Link gilt nicht mehr. Neuer Link: {link_url(base, token)}"
        )

    return run_action(
        request,
        viewer,
        form="survey",
        values={"year": year, "faction": faction},
        command=lambda: ReissueSurveyLink(parse_year(year), faction),
        confirm=confirm,
    )
