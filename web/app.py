"""The app factory: `create_app(settings, clock=..., flows=...)`.

`clock` is the one place the web app reads the time (tests pass a fixed instant); `flows`
starts the flow that follows an administrator's action (tests pass a recording fake).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from importlib import import_module
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from web import auth
from web.flows import FlowStarter, PrefectFlowStarter
from web.settings import WebSettings

HERE = Path(__file__).parent


def wall_clock() -> dt.datetime:
    import pendulum

    return pendulum.now("Europe/Berlin")


def app_from_environment() -> FastAPI:
    """One worker process's app (`kreislauf web --workers N`): settings from KREISLAUF_*."""
    return create_app(WebSettings.from_environment())


def create_app(
    settings: WebSettings,
    *,
    clock: Callable[[], dt.datetime] = wall_clock,
    flows: FlowStarter | None = None,
) -> FastAPI:
    from models.db import make_engine, require_current_schema
    from web.render import install_filters
    from web.routes import (
        admin,
        api,
        department,
        money,
        overview,
        pages,
        partial_report,
        planning,
        tasks,
    )

    app = FastAPI(
        title="kreislauf",
        description="Strategischer Steuerungskreislauf: Daten der Weboberfläche als JSON.",
        # Swagger UI would load its script from a public CDN: /api/docs is a page of our own
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    engine = make_engine(settings.database_url)
    require_current_schema(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock
    app.state.flows = flows or PrefectFlowStarter(settings.database_url, settings.data_dir)
    from services.dashboard_cache import DashboardCache

    # the evaluation and the overview's views, kept until their data changes (issue 17)
    app.state.dashboard_cache = DashboardCache()
    # the web's own templates first; the documents' (services/templates) lend their shared
    # pieces, e.g. the word diff, so a page and a PDF mark text the same way
    templates = Jinja2Templates(
        directory=[HERE / "templates", HERE.parent / "services" / "templates"]
    )
    install_filters(templates.env)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    modules = (pages, overview, department, tasks, partial_report, planning, money, admin, api)
    for module in modules:
        app.include_router(module.router)
    app.include_router(import_module("web.routes.journal").router)  # audit and messages pages
    app.include_router(import_module("web.routes.review").router)  # figures review screen
    app.include_router(import_module("web.routes.delivery_reviews").router)  # report, plan
    app.include_router(import_module("web.routes.years").router)  # figures, priorities, strategy
    app.include_router(import_module("web.routes.survey_link").router)  # personal survey links
    app.include_router(import_module("web.routes.admin_budget").router)  # budget resolution
    from web.limits import BodyLimit

    app.add_middleware(BodyLimit)  # inside the session middleware: its page has the session
    _install_session(app)
    _install_error_pages(app)
    _install_api_docs(app)
    return app


def _install_api_docs(app: FastAPI) -> None:
    from fastapi import Depends

    from models.accounts import Role
    from web import auth
    from web.render import page

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request, viewer: auth.Viewer = Depends(auth.require_viewer)) -> Response:
        """The endpoints and a link to the OpenAPI description (no script from elsewhere),
        for the people who connect other systems: the administration and the controlling
        office."""
        if viewer.role not in (Role.admin, Role.controlling):
            raise auth.Forbidden(
                "Die Beschreibung der Schnittstelle sehen Verwaltung und Controlling."
            )
        endpoints = [
            (method.upper(), path, operation.get("summary", ""))
            for path, operations in app.openapi()["paths"].items()
            for method, operation in operations.items()
        ]
        return page(request, "api.html", {"endpoints": endpoints})


def security_headers(settings: WebSettings, path: str) -> dict[str, str]:
    """The headers of every response: a Content-Security-Policy without inline script or
    style (the timeline is placed by web/static/timeline.css's classes), no sniffing, no
    framing, the referrer kept on this site; pages and downloads are not stored (everything
    but /static); HSTS when the cookies are for HTTPS only."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
    if not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if settings.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _install_session(app: FastAPI) -> None:
    @app.middleware("http")
    async def session_middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.session_changed = False
        request.state.session = auth.load_session(request)
        response = await call_next(request)
        if request.state.session_changed:
            response.set_cookie(
                auth.COOKIE,
                auth.session_cookie(request),
                max_age=app.state.settings.session_seconds,
                httponly=True,
                samesite="lax",
                secure=app.state.settings.secure_cookies,
            )
        for name, value in security_headers(app.state.settings, request.url.path).items():
            response.headers[name] = value
        return response


CONCURRENT = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _install_error_pages(app: FastAPI) -> None:
    from models.as_of import BadDay
    from web.limits import BodyTooLarge
    from web.render import page

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, _: Exception) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "Anmeldung erforderlich: Sitzung oder API-Token (Bearer)."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(auth.Forbidden)
    async def forbidden(request: Request, error: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(error)}, status_code=403)
        return page(
            request, "error.html", {"title": "Kein Zugriff", "message": str(error)}, status=403
        )

    def not_found_page(request: Request, message: str) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=404)
        return page(request, "error.html", {"title": "Nicht gefunden", "message": message}, 404)

    @app.exception_handler(404)
    async def not_found(request: Request, error: Exception) -> Response:
        message = getattr(error, "detail", None) or "Diese Seite gibt es nicht."
        if message == "Not Found":
            message = "Diese Seite gibt es nicht."
        return not_found_page(request, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: Exception) -> Response:
        """A path or query value that is no number or out of its range (a year outside
        2000..2199, an id beyond 2^31-1) names nothing that exists: 404, never a query."""
        errors = error.errors() if isinstance(error, RequestValidationError) else []
        if errors and all(e.get("loc", ("",))[0] in ("path", "query") for e in errors):
            return not_found_page(request, "Diese Seite gibt es nicht.")
        assert isinstance(error, RequestValidationError)
        return await request_validation_exception_handler(request, error)

    @app.exception_handler(BadDay)
    async def bad_day(request: Request, error: Exception) -> Response:
        """`?on=` that is no day, out of range or ahead (models.as_of): 400 in German."""
        if _is_api(request):
            return JSONResponse({"detail": str(error)}, status_code=400)
        return page(
            request, "error.html", {"title": "Ungültiges Datum", "message": str(error)}, 400
        )

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, error: Exception) -> Response:
        """An upload over its limit, refused before it was read (web.limits): 413 in German;
        the connection is closed (the rest of the body is never read)."""
        assert isinstance(error, BodyTooLarge)
        headers = {"Connection": "close"}
        if _is_api(request):
            return JSONResponse({"detail": error.detail}, status_code=413, headers=headers)
        response = page(
            request, "error.html", {"title": "Datei zu groß", "message": error.detail}, 413
        )
        response.headers.update(headers)
        return response

    @app.exception_handler(sa.exc.OperationalError)
    @app.exception_handler(sa.exc.InterfaceError)
    async def database_unavailable(request: Request, error: Exception) -> Response:
        """The database refuses (read-only, unreachable, locked): a German 503, no trace. A
        write that met another at the same time (PostgreSQL gave up one of them: deadlock,
        serialization) is a 409: nothing was saved, and trying again works."""
        if getattr(getattr(error, "orig", None), "sqlstate", None) in CONCURRENT:
            message = (
                "Gleichzeitig wurden dieselben Daten geändert; Ihre Änderung wurde nicht "
                "gespeichert. Bitte versuchen Sie es erneut."
            )
            if _is_api(request):
                return JSONResponse({"detail": message}, status_code=409)
            return page(
                request, "error.html", {"title": "Gleichzeitige Änderung", "message": message}, 409
            )
        message = (
            "Die Datenbank ist gerade nicht erreichbar oder nicht beschreibbar. "
            "Bitte versuchen Sie es später erneut."
        )
        headers = {"Retry-After": "60"}
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=503, headers=headers)
        response = page_without_session(
            request, {"title": "Datenbank nicht verfügbar", "message": message}
        )
        response.headers.update(headers)
        return response

    def page_without_session(request: Request, context: dict[str, object]) -> Response:
        # no viewer lookup: the database is what failed
        return page(request, "error.html", {"viewer": None, **context}, 503)
