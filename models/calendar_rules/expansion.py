"""Expansion: a calendar spec and a year become the concrete dates of that year's cycle.

The only step that resolves references between phases and deadlines, so the order of
resolution and its circles are decided here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from models.calendar_rules.rules import RuleContext, parse_rule
from models.calendar_rules.spec import CalendarSpec, Delivery, PhaseKind, PhaseRule
from models.calendar_rules.working_days import RuleError, WorkingDays
from models.german import german_date


@dataclass(frozen=True)
class PlannedDeadline:
    key: str
    title: str
    due: dt.date
    responsible: str
    phase: PhaseKind
    delivers: Delivery = Delivery.confirmation


@dataclass(frozen=True)
class PlannedPhase:
    kind: PhaseKind
    title: str
    opens: dt.date
    closes: dt.date
    deadlines: tuple[PlannedDeadline, ...] = ()


@dataclass(frozen=True)
class CyclePlan:
    """One year's cycle with concrete dates, phases ordered by when they open."""

    year: int
    election_year: bool
    phases: tuple[PlannedPhase, ...] = field(default=())

    def date_of(self, name: str, edge: str | None = None) -> dt.date:
        """A deadline's due day, or a phase's opening or (default) closing day."""
        for deadline in self.deadlines:
            if deadline.key == name:
                return deadline.due
        phases = {phase.kind.value: phase for phase in self.phases}
        phase = phases.get(substitute(name, phases))
        if phase is None:
            raise RuleError(f"Verweis auf {name!r}: das gibt es {self.year} nicht.")
        return phase.opens if edge == "opens" else phase.closes

    @property
    def deadlines(self) -> list[PlannedDeadline]:
        return sorted(
            (deadline for phase in self.phases for deadline in phase.deadlines),
            key=lambda deadline: (deadline.due, deadline.key),
        )


def expand_calendar(
    spec: CalendarSpec,
    year: int,
    *,
    working_days: WorkingDays,
    election_year: bool,
    council: str = "Kreistag",
) -> CyclePlan:
    """Resolve every rule of `spec` for `year`; raises RuleError naming the phase or deadline."""
    active = [
        phase
        for phase in spec.phases
        if phase.applies == "always" or (phase.applies == "election_year") == election_year
    ]
    by_kind = {phase.kind.value: phase for phase in active}
    deadline_rules = {
        deadline.key: (phase, deadline) for phase in active for deadline in phase.deadlines
    }
    resolved: dict[tuple[str, str | None], dt.date] = {}
    in_progress: list[tuple[str, str | None]] = []

    def rule_of(name: str, edge: str | None) -> tuple[str, str]:
        if name in deadline_rules:
            owner, deadline = deadline_rules[name]
            text = deadline.due
            if election_year and owner.election_year and name in owner.election_year.due:
                text = owner.election_year.due[name]
            return text, f"Frist {name!r}"
        phase = by_kind.get(substitute(name, by_kind))
        if phase is None:
            raise RuleError(f"Verweis auf {name!r}: diese Phase findet {year} nicht statt.")
        edge = edge or "closes"
        text = getattr(phase, edge)
        if election_year and phase.election_year and getattr(phase.election_year, edge):
            text = getattr(phase.election_year, edge)
        return text, f"Phase {phase.kind.value!r} ({edge})"

    def lookup(name: str, edge: str | None) -> dt.date:
        key = (name, None if name in deadline_rules else (edge or "closes"))
        if key in resolved:
            return resolved[key]
        if key in in_progress:
            chain = " -> ".join(n for n, _ in in_progress + [key])
            raise RuleError(f"Die Kalenderregeln verweisen im Kreis aufeinander: {chain}.")
        in_progress.append(key)
        text, where = rule_of(name, edge)
        try:
            resolved[key] = parse_rule(text).resolve(context)
        except RuleError as error:
            if str(error).startswith(("Die Kalenderregeln", "Verweis", "phases")):
                raise
            raise RuleError(f"phases: {where}: {error}") from None
        finally:
            in_progress.pop()
        return resolved[key]

    context = RuleContext(
        year=year,
        working_days=working_days,
        council_sessions=tuple(sorted(spec.council_sessions.get(year, []))),
        committee_sessions=tuple(
            sorted(day for years in spec.committee_sessions.values() for day in years.get(year, []))
        ),
        lookup=lookup,
    )
    phases = [_plan_phase(phase, lookup, council) for phase in active]
    phases.sort(key=lambda phase: (phase.opens, list(PhaseKind).index(phase.kind)))
    return CyclePlan(year=year, election_year=election_year, phases=tuple(phases))


def substitute(name: str, present: Container[str]) -> str:
    """A reference to the forum means the retreat in a retreat year, and vice versa."""
    swap = {"forum": "retreat", "retreat": "forum"}
    if name not in present and name in swap and swap[name] in present:
        return swap[name]
    return name


def _plan_phase(
    phase: PhaseRule, lookup: Callable[[str, str | None], dt.date], council: str
) -> PlannedPhase:
    name = phase.kind.value
    opens, closes = lookup(name, "opens"), lookup(name, "closes")
    where = f"Phase {name!r}"
    window = f"{german_date(opens)} bis {german_date(closes)}"
    if closes < opens:
        raise RuleError(
            f"phases: {where}: endet ({german_date(closes)}) "
            f"vor ihrem Beginn ({german_date(opens)})."
        )
    deadlines = []
    for rule in phase.deadlines:
        due = lookup(rule.key, None)
        if not opens <= due <= closes:
            relation = "vor Beginn" if due < opens else "nach Ende"
            raise RuleError(
                f"phases: {where}: Frist {rule.key!r} ({german_date(due)}) liegt {relation} "
                f"der Phase ({window})."
            )
        deadlines.append(
            PlannedDeadline(
                rule.key, rule.title, due, rule.responsible, phase.kind, phase.delivery(rule)
            )
        )
    deadlines.sort(key=lambda deadline: (deadline.due, deadline.key))
    return PlannedPhase(
        phase.kind, phase.title or phase.kind.title(council), opens, closes, tuple(deadlines)
    )
