"""Rendering pages: the shared context (who, CSRF token, navigation) and German formats."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from models.calendar_rules import WEEKDAY_NAMES_DE, german_date


def german_datetime(value: dt.datetime, timezone: str = "Europe/Berlin") -> str:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


def days(count: int) -> str:
    return f"{count} Tag" if count == 1 else f"{count} Tage"


def install_filters(env: Environment) -> None:
    env.filters["date"] = german_date
    env.filters["datetime"] = german_datetime
    env.filters["weekday"] = lambda day: WEEKDAY_NAMES_DE[day.weekday()]
    env.filters["days"] = days


def page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A German HTML page; `viewer` (if logged in) and the CSRF token are always there."""
    from web.auth import csrf_token, viewer_from_session

    viewer = context.get("viewer")
    if viewer is None and "viewer" not in context:
        viewer = viewer_from_session(request)
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        {"viewer": viewer, "csrf_token": csrf_token(request), **context},
        status_code=status,
    )
