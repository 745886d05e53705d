"""The JSON API under /api: the same data as the pages, for tools.

Authenticated by `Authorization: Bearer <token>` (`kreislauf user token USER`) or the
session cookie; without either it answers 401. Department users see their department only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlmodel import Session

from models.accounts import Role
from models.body import Body
from services.dashboard_cache import Revision
from web import auth
from web.routes.common import Year, body_session, now, require_cycle
from web.routes.money import GroupNumber
from web.views import CyclePage, cycle_page, cycle_years

if TYPE_CHECKING:
    from services.money import GroupProfile, MoneyOverview, YearMoney

router = APIRouter(prefix="/api", tags=["api"])


class MePublic(BaseModel):
    username: str
    display_name: str
    role: str
    department: str | None


class PhasePublic(BaseModel):
    kind: str
    title: str
    opens: dt.date
    closes: dt.date
    status: str
    timing: str
    outcome: str | None


class CyclePublic(BaseModel):
    year: int
    election_year: bool
    status: str
    phases: list[PhasePublic]
    decisions: list[str]


class TaskPublic(BaseModel):
    assignee: str
    department: str | None
    deadline_key: str
    deadline_title: str
    phase: str
    due: dt.date
    status: str
    status_label: str
    days_overdue: int


def kept_cycle(request: Request, session: Session, body: Body, year: int) -> Revision:
    """The body's data revision for a read-only request (services.dashboard_cache), after
    the German 404 for a year without a cycle."""
    kept = Revision(session, body, request.app.state.dashboard_cache)
    if year not in kept.get("years", None, lambda: cycle_years(session=session, body=body)):
        require_cycle(session, body, year)
    return kept


def present_cycle(request: Request, viewer: auth.Viewer, year: int) -> CyclePage:
    """The cycle as it stands today, kept until its data changes."""
    with body_session(request, viewer) as (session, body):
        today = body.local_date(now(request))
        return kept_cycle(request, session, body, year).get(
            "cycle_page",
            (year, today),
            lambda: cycle_page(session=session, body=body, year=year, today=today),
        )


@router.get("/me", response_model=MePublic, summary="Wer angemeldet ist")
def me(viewer: auth.Viewer = Depends(auth.require_api_viewer)) -> MePublic:
    return MePublic(
        username=viewer.username,
        display_name=viewer.display_name,
        role=viewer.role.value,
        department=viewer.department_key,
    )


@router.get("/cycles", response_model=list[int], summary="Jahre der angelegten Kreisläufe")
def cycles(request: Request, viewer: auth.Viewer = Depends(auth.require_api_viewer)) -> list[int]:
    with body_session(request, viewer) as (session, body):
        return cycle_years(session=session, body=body)


@router.get("/cycles/{year}", response_model=CyclePublic, summary="Ein Kreislauf mit Phasen")
def cycle(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_api_viewer)
) -> CyclePublic:
    data = present_cycle(request, viewer, year)
    view = data.view
    return CyclePublic(
        year=year,
        election_year=view.election_year,
        status=view.status_label,
        phases=[
            PhasePublic(
                kind=p.kind,
                title=p.title,
                opens=p.opens,
                closes=p.closes,
                status=p.status_label,
                timing=p.timing.value,
                outcome=p.outcome,
            )
            for p in view.phases
        ],
        decisions=view.decisions if viewer.sees_all_departments else [],
    )


@router.get(
    "/cycles/{year}/tasks",
    response_model=list[TaskPublic],
    summary="Aufgaben mit Frist, Stand und Tagen Verzug",
)
def tasks(
    request: Request,
    year: Year,
    department: str | None = None,
    overdue: bool = False,
    viewer: auth.Viewer = Depends(auth.require_api_viewer),
) -> list[TaskPublic]:
    """All tasks (administration, controlling) or the own department's (department users);
    `department` narrows to one department, `overdue=true` to tasks past their due date."""
    if department is not None:
        auth.require_department(viewer, department)
    elif not viewer.sees_all_departments:
        department = viewer.department_key
    data = present_cycle(request, viewer, year)
    rows = [r for r in data.rows if department is None or r.department_key == department]
    return [
        TaskPublic(
            assignee=r.assignee,
            department=r.department_key,
            deadline_key=r.deadline_key,
            deadline_title=r.deadline_title,
            phase=r.phase_title,
            due=r.due,
            status=r.status.value,
            status_label=r.status.label,
            days_overdue=r.days_overdue,
        )
        for r in rows
        if not overdue or r.days_overdue > 0
    ]


class FigurePublic(BaseModel):
    key: str
    name: str
    unit: str
    field: str | None
    department: str | None
    target: float | None
    actual: float | None
    light: str
    light_label: str
    trend: str
    trend_label: str


@router.get(
    "/cycles/{year}/figures",
    response_model=list[FigurePublic],
    summary="Kennzahlen des Berichtsjahres mit Ampel und Trend",
)
def figures(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_api_viewer)
) -> list[FigurePublic]:
    """The key figures of budget year `year - 1` as the evaluation sees them at `now`;
    department users get their department's figures."""
    from services.evaluation import FigureStatus, evaluate

    with body_session(request, viewer) as (session, body):
        kept = kept_cycle(request, session, body, year)
        at = now(request)
        evaluation = kept.get(
            "evaluation",
            (year, body.local_date(at)),
            lambda: evaluate(session=session, body=body, year=year, now=at),
        )
    by_field: list[tuple[str | None, FigureStatus]] = [
        (f.name, figure) for f in evaluation.fields for figure in f.figures
    ]
    by_field += [(None, figure) for figure in evaluation.other_figures]
    return [
        FigurePublic(
            key=figure.key,
            name=figure.name,
            unit=figure.unit,
            field=field,
            department=figure.department,
            target=figure.target,
            actual=figure.actual,
            light=figure.light.value,
            light_label=figure.light.label,
            trend=figure.trend.value,
            trend_label=figure.trend.label,
        )
        for field, figure in by_field
        if viewer.sees_all_departments or figure.department == viewer.department_name
    ]


# --------------------------------------------------------------------------- money
# Amounts are decimal strings with two places ("9100000.00"; negative: a surplus) so that no
# cent is lost to a float; percentages one place ("5.7"). None: no budget data for that.

Money = str | None


def money_text(value: Decimal | None) -> Money:
    """Decimal("9100000") -> "9100000.00"; None stays None."""
    return None if value is None else str(value.quantize(Decimal("0.01")))


def pct_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.1")))


class GroupSummaryPublic(BaseModel):
    number: str
    name: str
    teilhaushalt: str
    teilhaushalt_name: str
    departments: list[str]
    report_year: int
    plan_basis: str | None
    planned: Money
    result: Money
    deviation_eur: Money
    deviation_pct: str | None


class YearMoneyPublic(BaseModel):
    year: int
    plan_basis: str | None
    planned: Money
    result: Money
    deviation_eur: Money
    deviation_pct: str | None


class FinancialPlanPublic(BaseModel):
    year: int
    planned: Money


class GroupFigurePublic(BaseModel):
    key: str
    name: str
    unit: str
    target: float | None
    actual: float | None
    light: str
    light_label: str
    priority: str | None


class MeasurePublic(BaseModel):
    text: str
    status: str
    status_label: str


class GoalPublic(BaseModel):
    text: str
    priority: str | None
    department: str | None
    measures: list[MeasurePublic]


class GroupPriorityPublic(BaseModel):
    code: str
    text: str
    field: str
    count: int
    planned: Money
    result: Money


class GroupProfilePublic(GroupSummaryPublic):
    series: list[YearMoneyPublic]
    financial_plan: list[FinancialPlanPublic]
    figures: list[GroupFigurePublic]
    goals: list[GoalPublic]
    priorities: list[GroupPriorityPublic]
    other_priorities: list[str]


class PriorityMoneyPublic(BaseModel):
    code: str
    text: str
    planned: Money
    result: Money
    groups: list[str]
    figures: int
    goals: int


class FieldMoneyPublic(BaseModel):
    key: str
    name: str
    planned: Money
    result: Money
    priorities: list[PriorityMoneyPublic]


class UnattributedPublic(BaseModel):
    planned: Money
    result: Money
    groups: list[str]


class BlindPriorityPublic(BaseModel):
    code: str
    text: str
    field: str


class BlindGroupPublic(BaseModel):
    number: str
    name: str
    amount: Money


class BlindSpotsPublic(BaseModel):
    priorities: list[BlindPriorityPublic]
    large_groups: list[BlindGroupPublic]
    large_share: str


class MoneyPublic(BaseModel):
    report_year: int
    has_money: bool
    planned: Money
    result: Money
    deviation_eur: Money
    deviation_pct: str | None
    fields: list[FieldMoneyPublic]
    unattributed: UnattributedPublic
    blind_spots: BlindSpotsPublic
    apportionment_rule: str


def _year_money(y: YearMoney) -> YearMoneyPublic:
    d = y.deviation
    return YearMoneyPublic(
        year=y.year,
        plan_basis=y.plan_basis.value if y.plan_basis else None,
        planned=money_text(y.planned),
        result=money_text(y.result),
        deviation_eur=money_text(d.amount) if d else None,
        deviation_pct=pct_text(d.pct) if d else None,
    )


def _summary(g: GroupProfile, report_year: int) -> GroupSummaryPublic:
    return GroupSummaryPublic(
        number=g.number,
        name=g.name,
        teilhaushalt=g.partial_budget_number,
        teilhaushalt_name=g.partial_budget_name,
        departments=g.department_keys,
        report_year=report_year,
        **_year_money(g.report).model_dump(exclude={"year"}),
    )


def _overview(request: Request, viewer: auth.Viewer, year: int) -> MoneyOverview:
    from services.money import money_overview

    with body_session(request, viewer) as (session, body):
        kept = kept_cycle(request, session, body, year)
        return kept.get(
            "money", year, lambda: money_overview(session=session, body=body, year=year)
        )


@router.get(
    "/cycles/{year}/groups",
    response_model=list[GroupSummaryPublic],
    summary="Produktgruppen mit Zuschussbedarf des Berichtsjahres (Beträge als Dezimaltext)",
)
def groups(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_api_viewer)
) -> list[GroupSummaryPublic]:
    """The product groups the viewer may see (a department: those of its Teilhaushalte)
    with plan, result and deviation of budget year `year - 1`; amounts as "1234567.89"."""
    from web.routes.money import visible_groups

    overview = _overview(request, viewer, year)
    return [_summary(g, overview.report_year) for g in visible_groups(overview, viewer)]


@router.get(
    "/cycles/{year}/groups/{number}",
    response_model=GroupProfilePublic,
    summary="Produktgruppen-Steckbrief: Geld je Jahr, Kennzahlen, Ziele, Schwerpunkte",
)
def group(
    request: Request,
    year: Year,
    number: GroupNumber,
    viewer: auth.Viewer = Depends(auth.require_api_viewer),
) -> GroupProfilePublic:
    """One profile; 404 for an unknown group and for another department's alike."""
    from web.routes.money import visible_group

    overview = _overview(request, viewer, year)
    g = visible_group(overview, viewer, number)
    return GroupProfilePublic(
        **_summary(g, overview.report_year).model_dump(),
        series=[_year_money(y) for y in g.series],
        financial_plan=[
            FinancialPlanPublic(year=plan_year, planned=money_text(net))
            for plan_year, net in g.financial_plan
        ],
        figures=[
            GroupFigurePublic(
                key=f.key,
                name=f.name,
                unit=f.unit,
                target=f.target,
                actual=f.actual,
                light=f.light.value,
                light_label=f.light.label,
                priority=f.priority_code,
            )
            for f in g.figures
        ],
        goals=[
            GoalPublic(
                text=goal.text,
                priority=goal.priority_code,
                department=goal.department,
                measures=[
                    MeasurePublic(text=x.text, status=x.status.value, status_label=x.status.label)
                    for x in goal.measures
                ],
            )
            for goal in g.goals
        ],
        priorities=[
            GroupPriorityPublic(
                code=p.code,
                text=p.text,
                field=p.field_name,
                count=p.count,
                planned=money_text(p.planned),
                result=money_text(p.result),
            )
            for p in g.priorities
        ],
        other_priorities=g.other_priority_codes,
    )


@router.get(
    "/cycles/{year}/money",
    response_model=MoneyPublic,
    summary="Strategie und Geld: Zuschussbedarf je Schwerpunkt, nicht zugeordnet, blinde Flecken",
)
def money(
    request: Request, year: Year, viewer: auth.Viewer = Depends(auth.require_api_viewer)
) -> MoneyPublic:
    """For administration and controlling only: the net requirement of budget year
    `year - 1` apportioned per field of action and priority (the rule in
    `apportionment_rule`), the unattributed rest and the blind spots."""
    auth.require_role(viewer, Role.admin, Role.controlling)
    m = _overview(request, viewer, year)
    d = m.total_deviation
    return MoneyPublic(
        report_year=m.report_year,
        has_money=m.has_year_money,
        planned=money_text(m.total_planned),
        result=money_text(m.total_result),
        deviation_eur=money_text(d.amount) if d else None,
        deviation_pct=pct_text(d.pct) if d else None,
        fields=[
            FieldMoneyPublic(
                key=f.key,
                name=f.name,
                planned=money_text(f.planned),
                result=money_text(f.result),
                priorities=[
                    PriorityMoneyPublic(
                        code=p.code,
                        text=p.text,
                        planned=money_text(p.planned),
                        result=money_text(p.result),
                        groups=p.groups,
                        figures=p.figures,
                        goals=p.goals,
                    )
                    for p in f.priorities
                ],
            )
            for f in m.fields
        ],
        unattributed=UnattributedPublic(
            planned=money_text(m.unattributed_planned),
            result=money_text(m.unattributed_result),
            groups=m.unattributed_groups,
        ),
        blind_spots=BlindSpotsPublic(
            priorities=[
                BlindPriorityPublic(code=p.code, text=p.text, field=p.field_name)
                for p in m.blind_spots.priorities
            ],
            large_groups=[
                BlindGroupPublic(number=g.number, name=g.name, amount=money_text(g.amount))
                for g in m.blind_spots.large_groups
            ],
            large_share=str(m.blind_spots.large_share),
        ),
        apportionment_rule=m.apportionment_rule,
    )
