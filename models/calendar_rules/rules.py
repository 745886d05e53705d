"""Date rules ("15th working day of February", "10 working days before council session in
July"): parsing the text and resolving it for one year.

Apart from the calendar file's shape so that a rule can be parsed and checked on its own
(the configuration loader and the simulation do).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from models.calendar_rules.working_days import RuleError, WorkingDays, days_of_month
from models.german import MONTH_NAMES

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


WEEKDAYS = {
    name: number
    for number, name in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}


# An offset of more than a year is a typo; unbounded ones overflow the date or loop for ever.
MAX_OFFSET_DAYS = 366
MAX_OFFSET_WORKING_DAYS = 260

ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}


@dataclass(frozen=True)
class RuleContext:
    """What a rule needs to become a date: the year, working days, sessions, other dates."""

    year: int
    working_days: WorkingDays
    council_sessions: tuple[dt.date, ...] = ()
    lookup: Callable[[str, str | None], dt.date] | None = None
    committee_sessions: tuple[dt.date, ...] = ()  # every committee's, one list


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
            day for day in days_of_month(context.year, self.month) if day.weekday() == self.weekday
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
                f"Regel {self.text!r}: für {MONTH_NAMES[self.month]} {context.year} ist "
                "keine Sitzung des Gremiums hinterlegt (council_sessions im Kalender)."
            )
        return sessions[0]


@dataclass(frozen=True)
class CommitteeRound(Rule):
    """The committees' round of a month: the day its last committee meets (by then every
    committee has dealt with the matter, e.g. its departments' partial budget reports)."""

    text: str
    month: int

    def resolve(self, context: RuleContext) -> dt.date:
        sessions = [
            day
            for day in context.committee_sessions
            if day.year == context.year and day.month == self.month
        ]
        if not sessions:
            raise RuleError(
                f"Regel {self.text!r}: für {MONTH_NAMES[self.month]} {context.year} ist "
                "keine Ausschusssitzung hinterlegt (committee_sessions im Kalender)."
            )
        return max(sessions)


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
    ("committees", re.compile(r"(?:the )?committee sessions? in (?P<month>[a-zäö]+)")),
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
    "'council session in July', 'committee sessions in April', "
    "'10 working days after resolution', "
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
    digits = re.match(r"\d+", token)
    if digits is None:  # not from _ORDINAL, which allows only the words and numbers
        raise RuleError(f"{token!r} ist keine Ordnungszahl ({RULE_HELP}).")
    return int(digits.group())


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
        count, working = int(parts["count"]), bool(parts["working"])
        limit = MAX_OFFSET_WORKING_DAYS if working else MAX_OFFSET_DAYS
        if count > limit:
            unit = "Arbeitstage" if working else "Tage"
            raise RuleError(f"Regel {text!r}: höchstens {limit} {unit} Abstand.")
        return Offset(text, sign * count, working, base)
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
    if kind == "committees":
        return CommitteeRound(text, _month(parts["month"], text))
    if kind in ("fixed_md", "fixed_dm"):
        month, day = _month(parts["month"], text), int(parts["day"])
        try:
            dt.date(2000, month, day)  # a leap year: 29 February is allowed here
        except ValueError:
            raise RuleError(f"Regel {text!r}: {day}. {MONTH_NAMES[month]} gibt es nicht.") from None
        return FixedDate(text, month, day)
    if parts["name"] in MONTHS or parts["name"] in WEEKDAYS:
        raise RuleError(f"Regel {text!r} ist nicht verständlich ({RULE_HELP}).")
    return Reference(text, parts["name"], parts["edge"])
