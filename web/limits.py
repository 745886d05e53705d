"""Request bodies over their limit refused before they are read.

Starlette spools a multipart form into temporary files before a route sees it, so the route's
own size check (after `request.form()`) comes too late: a 50 MB request would be written to
disk first. `BodyLimit` (ASGI middleware) bounds every POST, PUT and PATCH body: the
department upload to 5 MB, the session form (a TOML change set) to 4 MB, every other form
(login, admin forms, review) to 64 KiB (`FORM_BYTES`): a form of a few fields never comes
near it, and /login is reachable without a login, its CSRF check reads the whole form. A
declared `Content-Length` over the limit is refused before a byte is read, a chunked body is
stopped as soon as it passes the limit. The refusal is `BodyTooLarge` (413), raised where the
route reads the body, so the app's exception handler answers with a German page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.workbook_read import MAX_FILE_BYTES

MiB = 1024 * 1024
# the form around the file: CSRF token, part headers, boundaries
FORM_OVERHEAD = 64 * 1024
UPLOAD_TOO_LARGE = (
    f"Die Datei ist größer als {MAX_FILE_BYTES // MiB} MB und wurde nicht gelesen; nichts "
    "wurde gespeichert. Bitte die Vorlage des Fachbereichs verwenden."
)
KiB = 1024
FORM_BYTES = 64 * KiB  # a form without a file: login, admin forms, a review's comment
FORM_TOO_LARGE = (
    f"Die Formulardaten sind größer als {FORM_BYTES // KiB} KB und wurden nicht gelesen; "
    "nichts wurde gespeichert. Bitte die Eingaben kürzen."
)
CHANGE_SET_BYTES = 4 * MiB
CHANGE_SET_TOO_LARGE = (
    f"Die Änderungen sind größer als {CHANGE_SET_BYTES // MiB} MB und wurden nicht gelesen; "
    "nichts wurde gespeichert."
)


class BodyTooLarge(HTTPException):
    """A request body over its route's limit (an HTTPException, so that no body parser
    turns it into a 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


class Limit:
    """At most `max_bytes` in the body of a request of one of the `method`s (separated by
    spaces) whose path matches `path`."""

    def __init__(self, method: str, path: str, max_bytes: int, message: str) -> None:
        self.methods = frozenset(method.split())
        self.path = re.compile(path)
        self.max_bytes = max_bytes
        self.message = message

    def applies(self, scope: Scope) -> bool:
        return scope["method"] in self.methods and self.path.fullmatch(scope["path"]) is not None


ROUTE_LIMITS = (
    Limit(
        "POST",
        r"/cycles/[^/]+/departments/[^/]+/submissions",
        MAX_FILE_BYTES + FORM_OVERHEAD,
        UPLOAD_TOO_LARGE,
    ),
    Limit(
        "POST",
        r"/cycles/[^/]+/tasks/[^/]+/document",
        MAX_FILE_BYTES + FORM_OVERHEAD,
        UPLOAD_TOO_LARGE,
    ),
    # the planning workbook of a Teilhaushalt (web.routes.planning)
    Limit(
        "POST",
        r"/cycles/[^/]+/departments/[^/]+/plans",
        MAX_FILE_BYTES + FORM_OVERHEAD,
        UPLOAD_TOO_LARGE,
    ),
    # web.forms.parse_change_set takes 1.000.000 characters of TOML; URL-encoded a quote,
    # equals sign or line break takes three bytes, an umlaut six; "Weitere Zeile" (/rows)
    # sends the same form
    Limit("POST", r"/admin/session(/rows)?", CHANGE_SET_BYTES, CHANGE_SET_TOO_LARGE),
)
# the first limit that applies counts: every body not bounded above is a form of a few fields
DEFAULT_LIMIT = Limit("POST PUT PATCH", r".*", FORM_BYTES, FORM_TOO_LARGE)
LIMITS = (*ROUTE_LIMITS, DEFAULT_LIMIT)


class BodyLimit:
    """ASGI middleware: the body of a request matched by one of `limits` is bounded."""

    def __init__(self, app: ASGIApp, limits: Sequence[Limit] = LIMITS) -> None:
        self.app = app
        self.limits = tuple(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = next((x for x in self.limits if scope["type"] == "http" and x.applies(scope)), None)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await self.app(scope, refuse(limit), send)
        else:
            await self.app(scope, counted(receive, limit), send)


def content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


def refuse(limit: Limit) -> Receive:
    """A receive that reads nothing: the declared length is over the limit."""

    async def receive() -> Message:
        raise BodyTooLarge(limit.message)

    return receive


def counted(receive: Receive, limit: Limit) -> Receive:
    """`receive`, until the body's bytes pass the limit (a chunked or understated body)."""
    received = 0

    async def bounded() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit.max_bytes:
                raise BodyTooLarge(limit.message)
        return message

    return bounded
