"""What every route needs: the viewer's body in a session, today, and the chosen cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from models.as_of import AsOf, as_of
from models.body import Body
from models.commands import Command
from models.cycle import Cycle
from models.db import session_scope
from models.errors import ConflictError, KreislaufError, NotFoundError
from services.bodies import resolve_body
from services.commands import Outcome, handle
from web.auth import Viewer

# The sane range of a path's year and row id: anything outside is 404 (never an overflowing
# query); see web.app's validation handler.
FIRST_YEAR, LAST_YEAR = 2000, 2199
MAX_ROW_ID = 2**31 - 1
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@contextmanager
def body_session(request: Request, viewer: Viewer) -> Iterator[tuple[Session, Body]]:
    """One transaction, and the body the viewer belongs to (or the configured one)."""
    with session_scope(request.app.state.engine) as session:
        if viewer.body_id is not None:
            body = session.get_one(Body, viewer.body_id)  # the account's foreign key
        else:
            body = resolve_body(session=session, slug=request.app.state.settings.body)
        yield session, body


def now(request: Request) -> dt.datetime:
    """The one clock read of a request."""
    return request.app.state.clock()


def actor(viewer: Viewer) -> str:
    return f"web:{viewer.username}"


def require_cycle(session: Session, body: Body, year: int) -> Cycle:
    from services.cycles import get_cycle

    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise HTTPException(404, f"Für {year} gibt es keinen Steuerungskreislauf.")
    cycle = get_cycle(session=session, body=body, year=year, required=False)
    if cycle is None:
        raise HTTPException(404, f"Für {year} gibt es noch keinen Steuerungskreislauf.")
    return cycle


def status_of(error: KreislaufError) -> int:
    """The HTTP status of a user's mistake: 404 missing, 409 conflict, else 400."""
    if isinstance(error, NotFoundError):
        return 404
    return 409 if isinstance(error, ConflictError) else 400


def start_flow(request: Request, flow: str, slug: str, year: int, at: dt.datetime) -> str:
    """Start the flow a decision's outcome names, at the decision's instant `at` (the
    request's one clock read); returns a German note for the flash."""
    try:
        return request.app.state.flows.start(flow, body=slug, year=year, at=at)
    except Exception as error:  # recorded all the same: the daily tick carries it on
        detail = str(error) if str(error) not in ("", "None") else type(error).__name__
        return (
            f"Der Flow „{flow}“ konnte nicht gestartet werden ({detail}); der tägliche "
            "Abgleich holt ihn nach."
        )


def decide(
    request: Request,
    viewer: Viewer,
    *,
    command: Callable[[], Command],
    confirm: Callable[[Outcome], str],
    refused: Callable[[KreislaufError], Response],
    redirect: str,
    check: Callable[[Session, Body], object] | None = None,
) -> Response:
    """A form's decision: build the command (`command`), hand it to the decision pipeline in
    one transaction at the request's instant and start the flow it names at that instant. A
    user's mistake is `refused(error)`: the page again with the message beside its field
    (nothing was written). `confirm` words the outcome for the flash; `check` may refuse
    first (e.g. a department the viewer may not act for)."""
    try:
        built = command()
        at = now(request)
        with body_session(request, viewer) as (session, body):
            if check is not None:
                check(session, body)
            outcome = handle(built, session=session, body=body, now=at, actor=actor(viewer))
            message = confirm(outcome)
            slug = body.slug
    except KreislaufError as error:
        return refused(error)
    if outcome.flow:
        message += " " + start_flow(request, outcome.flow, slug, outcome.year, at)
    request.state.session["flash"] = message
    request.state.session_changed = True
    return RedirectResponse(redirect, status_code=303)


def view_day(request: Request, body: Body) -> AsOf:
    """The day a page shows: `?on=JJJJ-MM-TT` (an earlier day, read only) or today. A bad
    or future day raises models.as_of.BadDay: a German 400 page (web.app), nothing read."""
    text = request.query_params.get("on", "").strip()
    return as_of(text, now=now(request), timezone=body.timezone)


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    """A file to save under its own name: ASCII for old clients, the real name (umlauts
    included) as RFC 5987 `filename*`; no control character or quote reaches the header."""
    from urllib.parse import quote

    name = "".join(c if c.isprintable() else "_" for c in filename)[-200:] or "datei"
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\;' else "_" for c in name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
