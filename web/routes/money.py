"""Money beside results on the web: "Strategie und Geld" for the controlling office and the
Produktgruppen-Steckbriefe (every group for controlling, a department its own).

A department asking for another department's group gets 404, not 403: the group's number
says nothing about who may see it, and the answer should not say that it exists. The data
come from services.money; these routes only choose what the viewer may see and render it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response

from models.accounts import Role
from web import auth
from web.render import page
from web.routes.common import Year, body_session, require_cycle

if TYPE_CHECKING:
    from services.money import GroupProfile, MoneyOverview

router = APIRouter(include_in_schema=False)

GROUP_PATTERN = r"^\d{2}\.\d{2}$"
GroupNumber = Annotated[str, Path(pattern=GROUP_PATTERN)]  # "54.20"; anything else: 404


def visible_groups(overview: MoneyOverview, viewer: auth.Viewer) -> list[GroupProfile]:
    """The profiles the viewer may open: all for administration and controlling, else those
    of the Teilhaushalte the viewer's department answers for."""
    from services.money import profiles_of_department

    if viewer.sees_all_departments:
        return list(overview.groups)
    if viewer.department_key is None:
        return []
    return profiles_of_department(overview, viewer.department_key)


def visible_group(overview: MoneyOverview, viewer: auth.Viewer, number: str) -> GroupProfile:
    """One profile the viewer may open; 404 for an unknown group and for another's alike."""
    group = next((g for g in visible_groups(overview, viewer) if g.number == number), None)
    if group is None:
        raise HTTPException(404, f"Die Produktgruppe {number} gibt es nicht.")
    return group


@router.get("/cycles/{year}/money")
def money_page(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_viewer)
) -> Response:
    """Strategie und Geld: net requirement per field of action and priority, blind spots,
    key positions and Teilhaushalte; the controlling office's view (like the overview)."""
    from services.money import money_overview

    auth.require_role(viewer, Role.admin, Role.controlling)
    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        overview = money_overview(session=session, body=body, year=year)
        context = {"body": body, "year": year, "m": overview}
    return page(request, "money.html", {"viewer": viewer, **context})


@router.get("/cycles/{year}/groups/{number}")
def group_page(
    request: Request,
    year: Year,
    number: GroupNumber,
    viewer: auth.Viewer = Depends(auth.require_viewer),
) -> Response:
    """Produktgruppen-Steckbrief: money of the report year and the years before, key
    figures, goals and measures, the priorities the group serves."""
    from services.money import money_overview

    with body_session(request, viewer) as (session, body):
        require_cycle(session, body, year)
        overview = money_overview(session=session, body=body, year=year)
        group = visible_group(overview, viewer, number)
        context = {
            "body": body,
            "year": year,
            "m": overview,
            "g": group,
        }
    return page(request, "group.html", {"viewer": viewer, **context})
