"""Calendar rules: from a body's calendar file to the concrete dates of one year's cycle.

A calendar file states each phase's window and deadlines as rules ("15th working day of
February", "10 working days before council session in July"). Working days skip weekends and
the public holidays of the body's state (package `holidays`). Everything here is pure: the
result depends only on the spec, the year and the council session dates given.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from models.errors import KreislaufError


class PhaseKind(StrEnum):
    """The phases of the yearly cycle, in their usual order."""

    evaluation = "evaluation"
    survey = "survey"
    forum = "forum"
    retreat = "retreat"
    resolution = "resolution"
    planning = "planning"
    budget_resolution = "budget_resolution"

    def title(self, council: str = "Kreistag") -> str:
        """German title; the council's name enters where the phase is the council's."""
        return PHASE_TITLES[self].format(council=council)


PHASE_TITLES = {
    PhaseKind.evaluation: "Evaluierung der Zielerreichung",
    PhaseKind.survey: "Befragung der Fraktionsvorsitzenden",
    PhaseKind.forum: "Forum Zukunftsstrategie",
    PhaseKind.retreat: "Klausurtagung ({council})",
    PhaseKind.resolution: "Strategiebeschluss ({council})",
    PhaseKind.planning: "Operative Planung und Haushaltsaufstellung",
    PhaseKind.budget_resolution: "Haushaltsbeschluss",
}

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "januar", "jan"),
            ("february", "februar", "feb"),
            ("march", "märz", "maerz", "mar"),
            ("april", "apr"),
            ("may", "mai"),
            ("june", "juni", "jun"),
            ("july", "juli", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oktober", "oct", "okt"),
            ("november", "nov"),
            ("december", "dezember", "dec", "dez"),
        ],
        start=1,
    )
    for name in names
}
MONTH_NAMES_DE = [
    "",
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
WEEKDAYS = {
    name: number
    for number, name in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}
WEEKDAY_NAMES_DE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}


class RuleError(KreislaufError, ValueError):
    """A date rule that does not parse or cannot be resolved for a year."""


# --------------------------------------------------------------------------- working days


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> dict[dt.date, str]:
    import holidays

    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=year, language="de")
    except NotImplementedError as error:
        raise KreislaufError(
            f"Unbekannter Feiertagskalender: Land {country!r}, Gebiet {subdivision!r} ({error})."
        ) from None
    return dict(calendar.items())


@dataclass(frozen=True)
class WorkingDays:
    """Working-day arithmetic for one state: weekends and public holidays are skipped."""

    country: str = "DE"
    subdivision: str | None = "BW"

    def holidays(self, year: int) -> dict[dt.date, str]:
        return _holidays(self.country, self.subdivision, year)

    def holiday_name(self, day: dt.date) -> str | None:
        return self.holidays(day.year).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def shift(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (before it when negative); 0 is `day`."""
        step = dt.timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day = day + step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def nth_of_month(self, year: int, month: int, n: int) -> dt.date:
        """The n-th working day of a month (n = -1: the last one)."""
        if n < 0:
            first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
            return self.shift(first_of_next, n)
        day = self.shift(dt.date(year, month, 1) - dt.timedelta(days=1), n)
        if day.month != month:
            raise RuleError(
                f"Der {n}. Arbeitstag im {MONTH_NAMES_DE[month]} {year} existiert nicht."
            )
        return day

    def count_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        sign = 1 if end >= start else -1
        low, high = sorted((start, end))
        count = sum(
            1
            for offset in range(1, (high - low).days + 1)
            if self.is_working_day(low + dt.timedelta(days=offset))
        )
        return sign * count


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleContext:
    """What a rule needs to become a date: the year, working days, sessions, other dates."""

    year: int
    working_days: WorkingDays
    council_sessions: tuple[dt.date, ...] = ()
    lookup: Callable[[str, str | None], dt.date] | None = None


class Rule:
    text: str

    def resolve(self, context: RuleContext) -> dt.date:  # pragma: no cover - interface
        raise NotImplementedError

    def names(self) -> set[str]:
        """Names of other phases or deadlines this rule depends on."""
        return set()


@dataclass(frozen=True)
class NthWorkingDay(Rule):
    text: str
    n: int  # -1: last
    month: int

    def resolve(self, context: RuleContext) -> dt.date:
        return context.working_days.nth_of_month(context.year, self.month, self.n)


@dataclass(frozen=True)
class NthWeekday(Rule):
    text: str
    n: int  # -1: last
    weekday: int
    month: int

    def resolve(self, context: RuleContext) -> dt.date:
        days = [
            day for day in _days_of_month(context.year, self.month) if day.weekday() == self.weekday
        ]
        if self.n > len(days):
            raise RuleError(f"Regel {self.text!r}: diesen Wochentag gibt es {context.year} nicht.")
        return days[self.n - 1] if self.n > 0 else days[-1]


@dataclass(frozen=True)
class FixedDate(Rule):
    text: str
    month: int
    day: int

    def resolve(self, context: RuleContext) -> dt.date:
        try:
            return dt.date(context.year, self.month, self.day)
        except ValueError:
            raise RuleError(
                f"Regel {self.text!r}: kein gültiges Datum im Jahr {context.year}."
            ) from None


@dataclass(frozen=True)
class CouncilSession(Rule):
    text: str
    month: int

    def resolve(self, context: RuleContext) -> dt.date:
        sessions = [
            day
            for day in context.council_sessions
            if day.year == context.year and day.month == self.month
        ]
        if not sessions:
            raise RuleError(
                f"Regel {self.text!r}: für {MONTH_NAMES_DE[self.month]} {context.year} ist "
                "keine Sitzung des Gremiums hinterlegt (council_sessions im Kalender)."
            )
        return sessions[0]


@dataclass(frozen=True)
class Offset(Rule):
    text: str
    count: int  # signed
    working: bool
    base: Rule

    def resolve(self, context: RuleContext) -> dt.date:
        start = self.base.resolve(context)
        if self.working:
            return context.working_days.shift(start, self.count)
        return start + dt.timedelta(days=self.count)

    def names(self) -> set[str]:
        return self.base.names()


@dataclass(frozen=True)
class Reference(Rule):
    """Another phase's window edge or another deadline of the same cycle."""

    text: str
    name: str
    edge: str | None  # "opens", "closes" or None

    def resolve(self, context: RuleContext) -> dt.date:
        if context.lookup is None:
            raise RuleError(f"Regel {self.text!r}: Verweis {self.name!r} ist hier nicht erlaubt.")
        return context.lookup(self.name, self.edge)

    def names(self) -> set[str]:
        return {self.name}


_ORDINAL = r"(?P<ordinal>first|second|third|fourth|fifth|last|\d+(?:st|nd|rd|th|\.))"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "offset",
        re.compile(
            r"(?P<count>\d+) (?P<working>working )?days? (?P<direction>before|after) (?P<base>.+)"
        ),
    ),
    ("nth_working", re.compile(_ORDINAL + r" working day (?:of|in) (?P<month>[a-zäö]+)")),
    (
        "nth_weekday",
        re.compile(_ORDINAL + r" (?P<weekday>[a-z]+day) (?:of|in) (?P<month>[a-zäö]+)"),
    ),
    ("session", re.compile(r"(?:the )?council session in (?P<month>[a-zäö]+)")),
    ("fixed_md", re.compile(r"(?P<month>[a-zäö]+) (?P<day>\d{1,2})")),
    ("fixed_dm", re.compile(r"(?P<day>\d{1,2})\.? (?P<month>[a-zäö]+)")),
    (
        "reference",
        re.compile(r"(?:the )?(?P<name>[a-z][a-z0-9_-]*)(?:\.(?P<edge>opens|closes))?"),
    ),
]

RULE_HELP = (
    "erwartet z. B. 'first working day of February', '15th working day of March', "
    "'last working day of April', 'second Tuesday of May', 'March 31', "
    "'council session in July', '10 working days after resolution', "
    "'5 days before planning.closes'"
)


def _month(token: str, text: str) -> int:
    try:
        return MONTHS[token]
    except KeyError:
        raise RuleError(f"Regel {text!r}: unbekannter Monat {token!r} ({RULE_HELP}).") from None


def _ordinal(token: str) -> int:
    if token in ORDINAL_WORDS:
        return ORDINAL_WORDS[token]
    return int(re.match(r"\d+", token).group())  # type: ignore[union-attr]


@lru_cache(maxsize=1024)
def parse_rule(text: str) -> Rule:
    """Parse a date rule; raises `RuleError` with a German message when it does not parse."""
    normal = " ".join(str(text).strip().lower().split())
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(normal)
        if match:
            return _build(kind, match, text)
    raise RuleError(f"Regel {text!r} ist nicht verständlich ({RULE_HELP}).")


def _build(kind: str, match: re.Match[str], text: str) -> Rule:
    parts = match.groupdict()
    if kind == "offset":
        sign = -1 if parts["direction"] == "before" else 1
        try:
            base = parse_rule(parts["base"])
        except RuleError as error:
            raise RuleError(f"Regel {text!r}: {error}") from None
        return Offset(text, sign * int(parts["count"]), bool(parts["working"]), base)
    if kind == "nth_working":
        n = _ordinal(parts["ordinal"])
        if n == 0 or n > 23:
            raise RuleError(f"Regel {text!r}: gezählt wird vom 1. bis höchstens 23. Arbeitstag.")
        return NthWorkingDay(text, n, _month(parts["month"], text))
    if kind == "nth_weekday":
        if parts["weekday"] not in WEEKDAYS:
            raise RuleError(f"Regel {text!r}: unbekannter Wochentag {parts['weekday']!r}.")
        n = _ordinal(parts["ordinal"])
        if n == 0 or n > 5:
            raise RuleError(f"Regel {text!r}: ein Wochentag kommt höchstens 5-mal im Monat vor.")
        return NthWeekday(text, n, WEEKDAYS[parts["weekday"]], _month(parts["month"], text))
    if kind == "session":
        return CouncilSession(text, _month(parts["month"], text))
    if kind in ("fixed_md", "fixed_dm"):
        month, day = _month(parts["month"], text), int(parts["day"])
        try:
            dt.date(2000, month, day)  # a leap year: 29 February is allowed here
        except ValueError:
            raise RuleError(
                f"Regel {text!r}: {day}. {MONTH_NAMES_DE[month]} gibt es nicht."
            ) from None
        return FixedDate(text, month, day)
    if parts["name"] in MONTHS or parts["name"] in WEEKDAYS:
        raise RuleError(f"Regel {text!r} ist nicht verständlich ({RULE_HELP}).")
    return Reference(text, parts["name"], parts["edge"])


# --------------------------------------------------------------------------- calendar spec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_rule(value: str) -> str:
    parse_rule(value)
    return value


class DeadlineRule(_Strict):
    """A deadline inside a phase; `responsible` is 'departments', 'factions' or a department key."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    due: str
    responsible: str = Field(min_length=1)
    # "key_figures": the departments fulfil this deadline by submitting their figures workbook.
    delivers: Literal["key_figures"] | None = None

    _due = field_validator("due")(_check_rule)


class ElectionYearOverride(_Strict):
    """Rules that replace the regular ones in an election (retreat) year."""

    opens: str | None = None
    closes: str | None = None
    due: dict[str, str] = Field(default_factory=dict)

    @field_validator("opens", "closes")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        return None if value is None else _check_rule(value)

    @field_validator("due")
    @classmethod
    def _due_rules(cls, value: dict[str, str]) -> dict[str, str]:
        for rule in value.values():
            _check_rule(rule)
        return value


class PhaseRule(_Strict):
    kind: PhaseKind
    title: str | None = None
    opens: str
    closes: str
    when: Literal["always", "regular_year", "election_year"] | None = None
    deadlines: list[DeadlineRule] = Field(default_factory=list)
    election_year: ElectionYearOverride | None = None

    _opens = field_validator("opens", "closes")(_check_rule)

    @property
    def applies(self) -> str:
        """In which years the phase takes place: a retreat replaces the forum after elections."""
        if self.when:
            return self.when
        return {PhaseKind.forum: "regular_year", PhaseKind.retreat: "election_year"}.get(
            self.kind, "always"
        )

    @model_validator(mode="after")
    def _overrides_name_own_deadlines(self) -> PhaseRule:
        if self.election_year:
            known = {deadline.key for deadline in self.deadlines}
            for key in self.election_year.due:
                if key not in known:
                    raise ValueError(f"election_year.due nennt die unbekannte Frist {key!r}")
        return self


class CalendarSpec(_Strict):
    """A body's calendar file: phase rules and the council's session dates per year."""

    phases: list[PhaseRule] = Field(min_length=1)
    council_sessions: dict[int, list[dt.date]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> CalendarSpec:
        kinds = [phase.kind for phase in self.phases]
        for kind in set(kinds):
            if kinds.count(kind) > 1:
                raise ValueError(f"die Phase {kind.value!r} ist mehrfach angegeben")
        keys = [deadline.key for phase in self.phases for deadline in phase.deadlines]
        for key in set(keys):
            if keys.count(key) > 1:
                raise ValueError(f"der Fristschlüssel {key!r} ist mehrfach vergeben")
        for key in set(keys) & {kind.value for kind in PhaseKind}:
            raise ValueError(f"der Fristschlüssel {key!r} ist schon der Name einer Phase")
        names = set(keys) | {kind.value for kind in PhaseKind}
        for phase in self.phases:
            for text in _phase_rule_texts(phase):
                for name in parse_rule(text).names():
                    if name not in names:
                        raise ValueError(
                            f"die Regel {text!r} verweist auf {name!r}, das weder eine Phase "
                            "noch eine Frist ist"
                        )
        return self


def _phase_rule_texts(phase: PhaseRule) -> list[str]:
    texts = [phase.opens, phase.closes] + [deadline.due for deadline in phase.deadlines]
    if phase.election_year:
        texts += [t for t in (phase.election_year.opens, phase.election_year.closes) if t]
        texts += list(phase.election_year.due.values())
    return texts


class ElectionRule(_Strict):
    """Council election years: `first_year` and every `interval_years`, plus explicit `years`."""

    first_year: StrictInt | None = None
    interval_years: StrictInt = Field(default=5, ge=1)
    years: list[StrictInt] = Field(default_factory=list)

    def is_election_year(self, year: int) -> bool:
        if year in self.years:
            return True
        if self.first_year is None or year < self.first_year:
            return False
        return (year - self.first_year) % self.interval_years == 0


# --------------------------------------------------------------------------- expansion


@dataclass(frozen=True)
class PlannedDeadline:
    key: str
    title: str
    due: dt.date
    responsible: str
    phase: PhaseKind


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
        phase = phases.get(_substitute(name, phases))
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
            phase, deadline = deadline_rules[name]
            text = deadline.due
            if election_year and phase.election_year and name in phase.election_year.due:
                text = phase.election_year.due[name]
            return text, f"Frist {name!r}"
        phase = by_kind.get(_substitute(name, by_kind))
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
        lookup=lookup,
    )
    phases = [_plan_phase(phase, lookup, council) for phase in active]
    phases.sort(key=lambda phase: (phase.opens, list(PhaseKind).index(phase.kind)))
    return CyclePlan(year=year, election_year=election_year, phases=tuple(phases))


def _substitute(name: str, present: dict[str, object]) -> str:
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
        deadlines.append(PlannedDeadline(rule.key, rule.title, due, rule.responsible, phase.kind))
    deadlines.sort(key=lambda deadline: (deadline.due, deadline.key))
    return PlannedPhase(
        phase.kind, phase.title or phase.kind.title(council), opens, closes, tuple(deadlines)
    )


def _days_of_month(year: int, month: int) -> list[dt.date]:
    first = dt.date(year, month, 1)
    return [
        first + dt.timedelta(days=offset)
        for offset in range(31)
        if (first + dt.timedelta(days=offset)).month == month
    ]


def german_date(day: dt.date) -> str:
    """A date as people here write it: 19.02.2027."""
    return day.strftime("%d.%m.%Y")
