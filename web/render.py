"""Rendering pages: the shared context (who, CSRF token, navigation) and the German formats
of `models.german` as template filters."""

from __future__ import annotations

import re
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
    response = request.app.state.templates.TemplateResponse(
        request,
        template,
        {"viewer": viewer, "csrf_token": csrf_token(request), **context},
        status_code=status,
    )
    as_of = context.get("as_of")
    if as_of is None or not as_of.past:
        return response
    html = read_only(bytes(response.body).decode("utf-8"), as_of.query)
    return HTMLResponse(html, status_code=status)


# --- a past view (`?on=`, models.as_of): read only, and its links stay on that day ---

# the pages that show a past day; a link to any other page leads to today's state
AS_OF_PAGES = re.compile(
    r"/cycles/\d{4}(?:/departments/[\w-]+"
    r"(?:/review|/partial-report/review|/plans(?:/[^/\"?#]+)?/review)?"
    r"|/audit(?:\.csv)?|/messages(?:\.csv)?)?"
    r"|/strategy|/priorities/[^/\"?#]+|/figures/[^/\"?#]+"
)
_LINK = re.compile(
    r'(?P<keep>data-today )?href="(?P<path>/(?:cycles|strategy|priorities|figures)[^"?#]*|)'
    r'(?P<query>\?[^"#]*)?(?P<hash>#[^"]*)?"'
)
_POST_FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>.*?</form>', re.S | re.I)
_GET_FORM = re.compile(r'<form\b[^>]*method="get"[^>]*>', re.I)


def read_only(html: str, query: str) -> str:
    """A past view's page: every form that changes something is left out (a decision is
    never taken on a past view; signing out stays), links to pages that show a past day
    and search/filter forms keep `query` (`on=JJJJ-MM-TT`)."""

    def link(match: re.Match[str]) -> str:
        path, old, fragment = match["path"], match["query"] or "", match["hash"] or ""
        if match["keep"] or "on=" in old or (not path and not old):
            return match[0]  # the way back to today's state; the page itself
        if path and not AS_OF_PAGES.fullmatch(path):
            return match[0]
        joined = f"{old}&amp;{query}" if old else f"?{query}"
        return f'href="{path}{joined}{fragment}"'

    def form(match: re.Match[str]) -> str:
        return match[0] if 'action="/logout"' in match[0] else ""

    html = _POST_FORM.sub(form, html)
    html = _LINK.sub(link, html)
    name, _, value = query.partition("=")
    hidden = f'<input type="hidden" name="{name}" value="{value}">'
    return _GET_FORM.sub(
        lambda match: match[0] if 'class="as-of' in match[0] else match[0] + hidden, html
    )
