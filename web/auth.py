"""Sessions in signed cookies, CSRF tokens, and who is asking (with their role).

The session cookie holds the user's id, their session epoch, a CSRF token and when it was
issued, signed with the app's secret key (itsdangerous); it expires `session_seconds` after
login by the app's clock, and at once when logout or a new password raises the epoch. Every
form carries the session's CSRF token; a POST without the right one changes nothing. The API
also takes `Authorization: Bearer <token>` (`kreislauf user token`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, select

from models.accounts import Role, UserAccount
from models.db import session_scope
from models.organisation import Department

COOKIE = "kreislauf_session"


class LoginRequired(Exception):
    """No valid session (pages: to the login form; API: 401)."""


class Forbidden(Exception):
    """Logged in, but this role or department may not do that (403)."""

    def __init__(self, message: str = "Dafür fehlt Ihnen die Berechtigung.") -> None:
        super().__init__(message)


class CsrfFailed(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu "
            "und senden Sie es erneut."
        )


@dataclass(frozen=True)
class Viewer:
    """The logged-in person as the pages and the API see them."""

    id: int
    username: str
    display_name: str
    role: Role
    body_id: int | None
    department_id: int | None
    department_key: str | None
    department_name: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def sees_all_departments(self) -> bool:
        return self.role in (Role.admin, Role.controlling)

    def may_see_department(self, department_key: str) -> bool:
        return self.sees_all_departments or self.department_key == department_key


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt="kreislauf-session")


def load_session(request: Request) -> dict[str, Any]:
    """The request's session (a new anonymous one when absent, forged or expired)."""
    now = request.app.state.clock().timestamp()
    raw = request.cookies.get(COOKIE)
    data: dict[str, Any] = {}
    if raw:
        try:
            loaded = _serializer(request).loads(raw)
        except BadSignature:
            loaded = {}
        # a validly signed payload of another shape (not an object, fields missing or of
        # another type) is an anonymous session, never an error
        data = loaded if _well_formed(loaded) else {}
    issued = data.get("iat")
    max_age = request.app.state.settings.session_seconds
    if not isinstance(issued, int | float) or now - issued > max_age or now < issued - 60:
        expired = bool(data.get("uid"))
        data = {"csrf": secrets.token_urlsafe(24), "iat": now}
        if expired:
            data["expired"] = True
        request.state.session_changed = True
    return data


def _well_formed(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    uid = data.get("uid")
    return (
        isinstance(data.get("csrf"), str)
        and isinstance(data.get("iat"), int | float)
        and not isinstance(data.get("iat"), bool)
        and (uid is None or (isinstance(uid, int) and not isinstance(uid, bool)))
        and isinstance(data.get("ep", 0), int)
    )


def new_session(request: Request, user_id: int | None, epoch: int = 0) -> None:
    """A fresh session (login, logout): a new CSRF token, issued now; `epoch` is the user's
    session epoch at login (logout and a new password raise it, which voids the cookie)."""
    request.state.session = {
        "uid": user_id,
        "ep": epoch,
        "csrf": secrets.token_urlsafe(24),
        "iat": request.app.state.clock().timestamp(),
    }
    request.state.session_changed = True


def session_cookie(request: Request) -> str:
    return _serializer(request).dumps(request.state.session)


def csrf_token(request: Request) -> str:
    return request.state.session["csrf"]


async def check_csrf(request: Request) -> None:
    """A form POST must carry the session's CSRF token (field `csrf_token`)."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = csrf_token(request).encode()
    if not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), expected):
        raise CsrfFailed


def viewer_from_session(request: Request) -> Viewer | None:
    user_id = request.state.session.get("uid")
    if not isinstance(user_id, int):
        return None
    return load_viewer(request, user_id, epoch=request.state.session.get("ep", 0))


def load_viewer(request: Request, user_id: int, *, epoch: int | None = None) -> Viewer | None:
    """The active user `user_id`; with `epoch` (a session's) only while the user's session
    epoch is still that one (not after logout or a new password)."""
    with session_scope(request.app.state.engine) as session:
        return viewer_in(session, user_id, epoch=epoch)


def viewer_in(session: Session, user_id: int, *, epoch: int | None = None) -> Viewer | None:
    """load_viewer within a transaction already open."""
    row = session.exec(
        select(UserAccount, Department)
        .join(Department, col(UserAccount.department_id) == Department.id, isouter=True)
        .where(UserAccount.id == user_id)
    ).first()
    if row is None or not row[0].active:
        return None
    if epoch is not None and row[0].session_epoch != epoch:
        return None
    user, department = row
    return Viewer(
        id=user_id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        body_id=user.body_id,
        department_id=user.department_id,
        department_key=department.key if department else None,
        department_name=department.name if department else None,
    )


def viewer_from_token(request: Request) -> Viewer | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    from services.accounts import user_for_token

    with session_scope(request.app.state.engine) as session:  # one transaction for both
        user = user_for_token(session=session, token=token.strip(), now=request.app.state.clock())
        return viewer_in(session, user.id) if user and user.id else None


def require_viewer(request: Request) -> Viewer:
    """FastAPI dependency: the logged-in person, else LoginRequired."""
    viewer = viewer_from_session(request)
    if viewer is None:
        raise LoginRequired
    return viewer


def require_api_viewer(request: Request) -> Viewer:
    """FastAPI dependency for /api: a bearer token or a session, else LoginRequired (401)."""
    viewer = viewer_from_token(request) or viewer_from_session(request)
    if viewer is None:
        raise LoginRequired
    return viewer


def require_role(viewer: Viewer, *roles: Role) -> None:
    if viewer.role not in roles:
        raise Forbidden


def require_department(viewer: Viewer, department_key: str) -> None:
    if not viewer.may_see_department(department_key):
        raise Forbidden("Sie sehen nur die Daten Ihres eigenen Fachbereichs.")
