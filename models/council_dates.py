"""Session dates from the council information system, and the deadlines that follow them.

Pure: the synced meetings and the calendar spec in, the session calendar and the moved
dates out. A month of the council (or of a committee) with at least one synced meeting that
takes place uses the synced dates; any other month keeps the calendar file's dates, so a
cancelled meeting falls back to the file's date of its month, or, where the file has none,
the rule that needs it fails naming itself (RuleError from the expansion).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from models.calendar_rules.expansion import expand_calendar, substitute
from models.calendar_rules.rules import (
    CommitteeRound,
    CouncilSession,
    Offset,
    Reference,
    Rule,
    parse_rule,
)
from models.calendar_rules.spec import CalendarSpec, PhaseRule
from models.calendar_rules.working_days import WorkingDays
from models.oparl import COUNCIL


@dataclass(frozen=True)
class SessionDay:
    """A synced meeting as the calendar sees it: whose (COUNCIL or a committee key), which
    local day, whether it was cancelled."""

    role: str
    day: dt.date
    cancelled: bool = False


@dataclass(frozen=True)
class DateMove:
    """A deadline's due day (edge None) or a phase's window edge that moves."""

    name: str
    edge: str | None
    before: dt.date
    after: dt.date


def session_calendar(spec: CalendarSpec, meetings: Iterable[SessionDay]) -> CalendarSpec:
    """`spec` with the synced session dates in place of the file's, month by month."""
    held: dict[str, dict[int, dict[int, set[dt.date]]]] = {}
    for meeting in meetings:
        if not meeting.cancelled:
            months = held.setdefault(meeting.role, {}).setdefault(meeting.day.year, {})
            months.setdefault(meeting.day.month, set()).add(meeting.day)

    def merged(role: str, by_year: Mapping[int, list[dt.date]]) -> dict[int, list[dt.date]]:
        synced = held.get(role, {})
        result: dict[int, list[dt.date]] = {}
        for year in set(by_year) | set(synced):
            months = synced.get(year, {})
            days = {day for day in by_year.get(year, []) if day.month not in months}
            for month_days in months.values():
                days |= month_days
            result[year] = sorted(days)
        return result

    committees = {
        key: merged(key, years)
        for key, years in spec.committee_sessions.items()
        if key != COUNCIL  # the council's role: a committee key cannot be "council" anyway
    }
    for role in held:
        if role != COUNCIL and role not in committees:
            committees[role] = merged(role, {})
    return spec.model_copy(
        update={
            "council_sessions": merged(COUNCIL, spec.council_sessions),
            "committee_sessions": committees,
        }
    )


def session_dependent(spec: CalendarSpec, election_year: bool) -> set[tuple[str, str | None]]:
    """The deadlines (name, None) and phase edges (kind, "opens"/"closes") whose rules depend,
    directly or through references, on a council or committee session."""
    active = [
        phase
        for phase in spec.phases
        if phase.applies == "always" or (phase.applies == "election_year") == election_year
    ]
    by_kind = {phase.kind.value: phase for phase in active}
    owners = {deadline.key: phase for phase in active for deadline in phase.deadlines}
    memo: dict[tuple[str, str | None], bool] = {}

    def text_of(name: str, edge: str | None) -> str | None:
        if name in owners:
            phase = owners[name]
            override = phase.election_year.due if election_year and phase.election_year else {}
            return override.get(name) or next(d.due for d in phase.deadlines if d.key == name)
        found: PhaseRule | None = by_kind.get(substitute(name, by_kind))
        if found is None:
            return None
        edge = edge or "closes"
        if election_year and found.election_year and getattr(found.election_year, edge):
            return str(getattr(found.election_year, edge))
        return str(getattr(found, edge))

    def depends(rule: Rule) -> bool:
        if isinstance(rule, CouncilSession | CommitteeRound):
            return True
        if isinstance(rule, Offset):
            return depends(rule.base)
        if isinstance(rule, Reference):
            return named(rule.name, rule.edge)
        return False

    def named(name: str, edge: str | None) -> bool:
        key = (name, None if name in owners else (edge or "closes"))
        if key not in memo:
            memo[key] = False  # a circle cannot depend through itself (expansion refuses it)
            text = text_of(name, edge)
            memo[key] = text is not None and depends(parse_rule(text))
        return memo[key]

    result: set[tuple[str, str | None]] = set()
    for key in owners:
        if named(key, None):
            result.add((key, None))
    for kind in by_kind:
        for edge in ("opens", "closes"):
            if named(kind, edge):
                result.add((kind, edge))
    return result


def redate(
    spec: CalendarSpec,
    year: int,
    *,
    meetings: Iterable[SessionDay],
    working_days: WorkingDays,
    election_year: bool,
    deadlines: Mapping[str, dt.date],
    phases: Mapping[str, tuple[dt.date, dt.date]],
    council: str = "Kreistag",
) -> list[DateMove]:
    """What moves in a cycle of `year` whose stored dates are `deadlines` (key -> due) and
    `phases` (kind -> opens, closes) when the session dates are the synced ones. Only dates
    that depend on sessions move (a changed rule in the file is not taken over here).
    Raises RuleError naming the phase or deadline whose session is missing."""
    plan = expand_calendar(
        session_calendar(spec, meetings),
        year,
        working_days=working_days,
        election_year=election_year,
        council=council,
    )
    dependent = session_dependent(spec, election_year)
    moves: list[DateMove] = []
    planned_phases = {phase.kind.value: phase for phase in plan.phases}
    for kind, (opens, closes) in sorted(phases.items()):
        planned = planned_phases.get(kind)
        if planned is None:
            continue
        for edge, before, after in (
            ("opens", opens, planned.opens),
            ("closes", closes, planned.closes),
        ):
            if (kind, edge) in dependent and before != after:
                moves.append(DateMove(kind, edge, before, after))
    planned_deadlines = {deadline.key: deadline.due for deadline in plan.deadlines}
    for key, before in sorted(deadlines.items()):
        due = planned_deadlines.get(key)
        if due is not None and (key, None) in dependent and before != due:
            moves.append(DateMove(key, None, before, due))
    return moves
