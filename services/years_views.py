"""Across the cycle years: one key figure over every budget year, one priority over the
strategy's versions, and the versions as a timeline of resolutions with their changes.

Everything is read as of `today` (a parameter, never the clock): a strategy version counts
from the day it was adopted, so a page as of an earlier day shows the strategy then in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from models.achievement import Light, degree_of_achievement, traffic_light
from models.body import Body
from models.change_set import StrategyContent
from models.cycle import Cycle
from models.db import id_of
from models.decisions import Resolution, StrategySession
from models.organisation import Department
from models.strategy import Direction, KeyFigure, KeyFigureValue, StrategyVersion, adopted_text
from models.strategy_diff import DIFF_LABELS, diff_strategies
from models.strategy_versions import load_content
from models.word_diff import Segment, word_diff
from services.report_format import (
    DIRECTION_LABELS,
    PriorityNames,
    diff_element_name,
    sparkline_svg,
)

# ---------------------------------------------------------------- strategy versions


@dataclass(frozen=True)
class Version:
    """A strategy version adopted by `today`, with what it says."""

    row: StrategyVersion
    content: StrategyContent

    @property
    def names(self) -> PriorityNames:
        return PriorityNames.of_content(self.content)

    def priority(self, code: str) -> tuple[str, str] | None:
        """(field name, text) of the priority `code` in this version, or None."""
        for field in self.content.fields:
            for own, text in field.priorities:
                if own == code:
                    return field.name, text
        return None


def versions_as_of(*, session: Session, body: Body, today: dt.date) -> list[Version]:
    """The body's strategy versions adopted on or before `today`, oldest first; without the
    earlier versions on record only (no content to show or compare: `earlier_versions`)."""
    rows = session.exec(
        select(StrategyVersion)
        .where(StrategyVersion.body_id == body.id, col(StrategyVersion.adopted_on) <= today)
        .where(col(StrategyVersion.history_only).is_(False))
        .order_by(col(StrategyVersion.number))
    ).all()
    return [Version(row, load_content(session=session, version=row)) for row in rows]


def earlier_versions(*, session: Session, body: Body, today: dt.date) -> list[StrategyVersion]:
    """The earlier versions on record only (number, date, resolution, summary), adopted on or
    before `today`, oldest first."""
    return list(
        session.exec(
            select(StrategyVersion)
            .where(StrategyVersion.body_id == body.id, col(StrategyVersion.adopted_on) <= today)
            .where(col(StrategyVersion.history_only).is_(True))
            .order_by(col(StrategyVersion.number))
        ).all()
    )


@dataclass(frozen=True)
class PriorityRef:
    """How a page names a priority: "Bildung, Schwerpunkt 2", and the code only for links."""

    code: str
    name: str
    text: str | None
    in_force: bool  # in the version in force as of today (else: removed or never adopted)


def priority_ref(versions: list[Version], code: str | None) -> PriorityRef | None:
    """The priority by its place in the newest version that has it; None for no code or a
    code no version knows."""
    if not code:
        return None
    for index in range(len(versions) - 1, -1, -1):
        version = versions[index]
        found = version.priority(code)
        if found is None:
            continue
        in_force = index == len(versions) - 1
        name = version.names.full(code)
        if not in_force:
            name += f" (bis Version {version.row.number})"
        return PriorityRef(code, name, found[1], in_force)
    return None


# ---------------------------------------------------------------- one key figure


@dataclass(frozen=True)
class FigureYear:
    """A key figure in one budget year; the cycle of year + 1 evaluates it."""

    year: int
    target: float | None
    actual: float | None
    light: Light
    degree_pct: Decimal | None
    comment: str | None
    cycle_year: int | None  # the evaluating cycle, where one exists


@dataclass(frozen=True)
class FigureHistory:
    key: str
    name: str
    unit: str
    direction: str  # "höher ist besser"
    lower_is_better: bool  # the tolerance band lies above the target
    product: str
    department: str | None
    priority: PriorityRef | None
    tolerance_pct: float
    active: bool
    years: list[FigureYear]
    chart: str  # inline SVG with its own text alternative (services.report_format)
    chart_target_year: int | None  # the year whose target the dashed line shows
    today: dt.date


def figure_history(
    *, session: Session, body: Body, key: str, today: dt.date
) -> FigureHistory | None:
    """Key figure `key` over every budget year with a target or an actual; None if the body
    has no such figure."""
    figure = session.exec(
        select(KeyFigure).where(KeyFigure.body_id == body.id, KeyFigure.key == key)
    ).first()
    if figure is None:
        return None
    values = session.exec(
        select(KeyFigureValue)
        .where(KeyFigureValue.key_figure_id == id_of(figure))
        .order_by(col(KeyFigureValue.year))
    ).all()
    cycles = set(session.exec(select(Cycle.year).where(Cycle.body_id == body.id)).all())
    department = session.get(Department, figure.department_id) if figure.department_id else None
    years = [_figure_year(figure, value, cycles) for value in values]
    with_actual = [y for y in years if y.actual is not None]
    marked = with_actual[-1] if with_actual else None
    chart = sparkline_svg(
        [(y.year, y.actual) for y in years],
        target=marked.target if marked else None,
        width=280,
        height=72,
    )
    versions = versions_as_of(session=session, body=body, today=today)
    return FigureHistory(
        key=figure.key,
        name=figure.name,
        unit=figure.unit,
        direction=DIRECTION_LABELS[Direction(figure.direction)],
        lower_is_better=Direction(figure.direction) == Direction.lower_is_better,
        product=figure.product_number or figure.product_group,
        department=department.name if department else None,
        priority=priority_ref(versions, figure.priority_code),
        tolerance_pct=figure.tolerance_pct,
        active=figure.active,
        years=years,
        chart=chart,
        chart_target_year=marked.year if marked and marked.target is not None else None,
        today=today,
    )


def _figure_year(figure: KeyFigure, value: KeyFigureValue, cycles: set[int]) -> FigureYear:
    direction = Direction(figure.direction)
    return FigureYear(
        year=value.year,
        target=value.target,
        actual=value.actual,
        light=traffic_light(
            target=value.target,
            actual=value.actual,
            direction=direction,
            tolerance_pct=figure.tolerance_pct,
        ),
        degree_pct=degree_of_achievement(
            target=value.target, actual=value.actual, direction=direction
        ),
        comment=value.comment,
        cycle_year=value.year + 1 if value.year + 1 in cycles else None,
    )


# ---------------------------------------------------------------- one priority


@dataclass(frozen=True)
class PriorityInVersion:
    """The priority as one version says it, and what that version did to it."""

    number: int
    valid_from: dt.date
    resolution: str  # "KT/2027/045 vom 21.07.2027" or the first version's text
    change: str  # "neu", "geändert", "unverändert", "entfällt"
    name: str | None  # "Mobilität, Schwerpunkt 2"; None once removed
    text: str | None
    segments: tuple[Segment, ...]  # the word diff to the previous version's text


@dataclass(frozen=True)
class FigureLights:
    key: str
    name: str
    unit: str
    department: str | None
    lights: dict[int, Light]  # budget year -> light


@dataclass(frozen=True)
class PriorityHistory:
    ref: PriorityRef
    field_name: str
    versions: list[PriorityInVersion]
    figures: list[FigureLights]
    years: list[int]
    today: dt.date
    earlier: int = 0  # earlier versions on record without content, before `versions`


def priority_history(
    *, session: Session, body: Body, code: str, today: dt.date
) -> PriorityHistory | None:
    """Priority `code` through the versions adopted by `today`, and its key figures' lights
    per budget year; None if no such version knows the code."""
    versions = versions_as_of(session=session, body=body, today=today)
    ref = priority_ref(versions, code)
    if ref is None:
        return None
    earlier = len(earlier_versions(session=session, body=body, today=today))
    resolutions = _resolutions(session=session, body=body)
    history: list[PriorityInVersion] = []
    previous: str | None = None
    seen = False
    field_name = ""
    for version in versions:
        found = version.priority(code)
        if found is None and not seen:
            continue  # not yet adopted
        if found is None and previous is None:
            continue  # removed earlier, said once
        text = found[1] if found else None
        if found:
            field_name = found[0]
        change = (
            ("erstmals erfasst" if earlier and version is versions[0] else "neu")
            if not seen
            else "entfällt"
            if text is None
            else "unverändert"
            if text == previous
            else "geändert"
        )
        history.append(
            PriorityInVersion(
                number=version.row.number,
                valid_from=version.row.adopted_on,
                resolution=_resolution_text(version.row, resolutions.get(id_of(version.row))),
                change=change,
                name=version.names.full(code) if found else None,
                text=text,
                segments=word_diff(previous, text) if change in ("geändert", "entfällt") else (),
            )
        )
        seen, previous = True, text
    figures, years = _figure_lights(session=session, body=body, code=code)
    return PriorityHistory(ref, field_name, history, figures, years, today, earlier)


def _figure_lights(
    *, session: Session, body: Body, code: str
) -> tuple[list[FigureLights], list[int]]:
    rows = session.exec(
        select(KeyFigure)
        .where(KeyFigure.body_id == body.id, KeyFigure.priority_code == code)
        .order_by(col(KeyFigure.position), col(KeyFigure.key))
    ).all()
    ids = [id_of(f) for f in rows]
    values = session.exec(
        select(KeyFigureValue).where(col(KeyFigureValue.key_figure_id).in_(ids))
    ).all()
    departments = {
        d.id: d.name
        for d in session.exec(select(Department).where(Department.body_id == body.id)).all()
    }
    years = sorted({v.year for v in values if v.actual is not None})
    figures = []
    for figure in rows:
        own = {v.year: v for v in values if v.key_figure_id == figure.id}
        figures.append(
            FigureLights(
                key=figure.key,
                name=figure.name,
                unit=figure.unit,
                department=departments.get(figure.department_id),
                lights={
                    year: traffic_light(
                        target=own[year].target if year in own else None,
                        actual=own[year].actual if year in own else None,
                        direction=figure.direction,
                        tolerance_pct=figure.tolerance_pct,
                    )
                    for year in years
                },
            )
        )
    return figures, years


# ---------------------------------------------------------------- the timeline


@dataclass(frozen=True)
class ResolutionInfo:
    number: str
    adopted_on: dt.date
    council: str
    session: str | None  # "Forum Zukunftsstrategie am 20.05.2027"
    summary: str | None  # what the session agreed, in its own words
    paper_reference: str | None = None  # the council paper's reference (OParl), if recorded


@dataclass(frozen=True)
class VersionChange:
    label: str  # "neu", "geändert", "entfällt"
    kind: str  # added, changed, removed
    field: str
    priority: str  # "Schwerpunkt 3" where it stands, "Leitsatz 2", "Vision" ...
    code: str  # for the link only (a priority's; empty for other elements)
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class TimelineVersion:
    number: int
    label: str
    valid_from: dt.date
    resolution_text: str
    resolution: ResolutionInfo | None  # None for the first version recorded
    changes: list[VersionChange] | None  # None: no earlier version to compare with
    in_force: bool
    adopted: str = ""  # "21.07.2021", or "2009" where only the year is known
    history_only: bool = False  # an earlier version on record only: no content, no changes
    summary: str | None = None  # what an earlier version on record was or changed


@dataclass(frozen=True)
class StrategyTimeline:
    body_name: str
    versions: list[TimelineVersion]  # newest first
    # the version in force: (field name, [(code, "Schwerpunkt 2", text)])
    fields: list[tuple[str, list[tuple[str, str, str]]]]
    today: dt.date


def strategy_timeline(*, session: Session, body: Body, today: dt.date) -> StrategyTimeline:
    versions = versions_as_of(session=session, body=body, today=today)
    resolutions = _resolutions(session=session, body=body)
    sessions = {
        s.id: s
        for s in session.exec(
            select(StrategySession).where(StrategySession.body_id == body.id)
        ).all()
    }
    entries = [
        TimelineVersion(
            number=row.number,
            label=row.label,
            valid_from=row.adopted_on,
            resolution_text=row.resolution,
            resolution=None,
            changes=None,
            in_force=False,
            adopted=adopted_text(row),
            history_only=True,
            summary=row.summary,
        )
        for row in earlier_versions(session=session, body=body, today=today)
    ]
    for index, version in enumerate(versions):
        resolution = resolutions.get(id_of(version.row))
        changes = None
        if index > 0:
            changes = _changes(versions[index - 1], version)
        entries.append(
            TimelineVersion(
                number=version.row.number,
                label=version.row.label,
                valid_from=version.row.adopted_on,
                resolution_text=version.row.resolution,
                resolution=_resolution_info(body, resolution, sessions),
                changes=changes,
                in_force=index == len(versions) - 1,
                adopted=adopted_text(version.row),
            )
        )
    fields = []
    if versions:
        names = versions[-1].names
        fields = [
            (f.name, [(code, names.number(code), text) for code, text in f.priorities])
            for f in versions[-1].content.fields
        ]
    return StrategyTimeline(body.name, list(reversed(entries)), fields, today)


def _changes(old: Version, new: Version) -> list[VersionChange]:
    before, after = old.names, new.names
    result = []
    for change in diff_strategies(old.content, new.content):
        kind = str(change["change"])
        result.append(
            VersionChange(
                label=DIFF_LABELS[kind],
                kind=kind,
                field=change["field"] or "",
                priority=diff_element_name(change, before, after),
                code=change["priority"] or "",
                segments=word_diff(change["before"], change["after"]),
            )
        )
    return result


def _resolutions(*, session: Session, body: Body) -> dict[int, Resolution]:
    """The council resolutions by the version each made."""
    return {
        r.new_version_id: r
        for r in session.exec(select(Resolution).where(Resolution.body_id == body.id)).all()
    }


def _resolution_text(version: StrategyVersion, resolution: Resolution | None) -> str:
    if resolution is None:
        return version.resolution
    from models.german import german_date

    return f"Beschluss {resolution.number} vom {german_date(resolution.adopted_on)}"


def _resolution_info(
    body: Body, resolution: Resolution | None, sessions: dict[int | None, StrategySession]
) -> ResolutionInfo | None:
    if resolution is None:
        return None
    from models.german import german_date
    from models.transitions.sessions import session_name

    where = None
    summary = None
    for held in filter(None, map(sessions.get, resolution.session_ids or [resolution.session_id])):
        # every session the resolution adopted, in order (one in most cycles)
        text = session_name(held)
        if held.held_on:
            text += f" am {german_date(held.held_on)}"
        where = text if where is None else f"{where}; {text}"
        summary = summary or (held.change_set or {}).get("summary") or None
    return ResolutionInfo(
        resolution.number,
        resolution.adopted_on,
        body.council,
        where,
        summary,
        resolution.paper_reference,
    )
