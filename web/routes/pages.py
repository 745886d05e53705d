"""Login, logout and the start page (which sends each role where it works)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.accounts import Role
from models.db import session_scope
from web import auth
from web.render import page
from web.routes.common import body_session, now
from web.views import cycle_years, default_year

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only paths of this site (no //host, no scheme) are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    viewer = auth.viewer_from_session(request)
    if viewer is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    expired = request.state.session.pop("expired", False)
    message = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an." if expired else None
    return page(
        request, "login.html", {"viewer": None, "next": _safe_next(next), "notice": message}
    )


@router.post("/login", dependencies=[Depends(auth.check_csrf)])
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    from services.logins import log_in

    address = request.client.host if request.client else "unbekannt"
    with session_scope(request.app.state.engine) as session:
        result = log_in(
            session=session, username=username, password=password, address=address, now=now(request)
        )
    if result.user_id is None:
        return page(
            request,
            "login.html",
            {
                "viewer": None,
                "next": _safe_next(next),
                "username": username,
                "error": result.locked_message or "Benutzername oder Passwort ist falsch.",
            },
            status=429 if result.locked_message else 401,
        )
    auth.new_session(request, result.user_id, result.session_epoch)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(auth.check_csrf)])
def logout(request: Request) -> Response:
    """Ends this session and every other one of the user (server-side: the epoch rises)."""
    from services.logins import revoke_sessions

    viewer = auth.viewer_from_session(request)
    if viewer is not None:
        with session_scope(request.app.state.engine) as session:
            revoke_sessions(session=session, user_id=viewer.id)
    auth.new_session(request, None)
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def start(request: Request, viewer: auth.Viewer = Depends(auth.require_viewer)) -> Response:
    with body_session(request, viewer) as (session, body):
        year = default_year(cycle_years(session=session, body=body), body.local_date(now(request)))
    if year is None:
        if viewer.is_admin:
            return RedirectResponse("/admin", status_code=303)
        return page(
            request,
            "error.html",
            {
                "title": "Noch kein Kreislauf",
                "message": "Es ist noch kein Steuerungskreislauf "
                "angelegt. Die Verwaltung legt ihn an.",
            },
        )
    if viewer.role == Role.department:
        target = f"/cycles/{year}/departments/{quote(viewer.department_key or '')}"
    else:
        target = f"/cycles/{year}"
    return RedirectResponse(target, status_code=303)
