"""Rendering pages: the shared context (who, CSRF token, navigation) and the German formats
of `models.german` as template filters."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from markupsafe import Markup

from models.german import (
    NBSP,
    days,
    german_date,
    german_datetime,
    german_euro,
    german_percent,
    weekday_name,
)


def install_filters(env: Environment) -> None:
    env.filters["date"] = german_date
    env.filters["datetime"] = german_datetime
    env.filters["weekday"] = weekday_name
    # a number and its unit never part at a line break ("25 Tage", "95 %")
    env.filters["days"] = lambda count: days(count).replace(" ", NBSP, 1)
    env.filters["quarter"] = quarter
    # money as the report writes it (services.reports): whole euros, no-break space before €
    env.filters["eur"] = german_euro
    env.filters["eur_signed"] = lambda value: german_euro(value, signed=True)
    env.filters["pct_signed"] = lambda value: german_percent(value, signed=True)
    env.filters["unit"] = with_unit
    env.globals["money_chart"] = money_chart


def with_unit(value: object, unit: str) -> str:
    """ "10" and "%" -> "10\u00a0%": a number keeps its unit on the same line."""
    return f"{value}{NBSP}{unit}" if unit else str(value)


def money_chart(group: Any) -> Markup:
    """The report's small chart of a group's net requirement per year (inline SVG with its
    own text alternative); the CSP allows inline SVG, not inline script."""
    from services.report_format import money_chart_svg

    series = [(y.year, y.planned, y.result) for y in group.series]
    return Markup(money_chart_svg(series))  # our own escaped SVG


def quarter(percent: float) -> int:
    """A percentage (0..100) as the index of web/static/timeline.css's classes (quarters of a
    percent): the timeline is placed by classes, the Content-Security-Policy allows no inline
    style."""
    return min(max(round(percent * 4), 0), 400)


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
