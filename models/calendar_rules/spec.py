"""The calendar file's shape: phases, their windows and deadlines, election-year overrides.

Validated once when configuration is loaded (pydantic), before any year is expanded; the
phase kinds live here because the file names phases by them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from models.calendar_rules.rules import parse_rule
from models.german import german_date


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


class Delivery(StrEnum):
    """What fulfils a deadline: every task has exactly one way to be completed."""

    key_figures = "key_figures"  # the figures workbook (kreislauf submit)
    partial_budget_report = "partial_budget_report"  # Teilhaushaltsbericht with assessment
    planning = "planning"  # the planning workbook per Teilhaushalt
    document = "document"  # an uploaded document (e.g. the council paper)
    confirmation = "confirmation"  # a plain confirmation with a date and a note
    survey_answer = "survey_answer"  # a faction's answer to the survey
    session_record = "session_record"  # the forum or retreat recorded with its changes
    strategy_resolution = "strategy_resolution"  # the council's strategy resolution
    budget_resolution = "budget_resolution"  # the council's budget resolution

    @property
    def label(self) -> str:
        return DELIVERY_LABELS[self]

    @property
    def department_work(self) -> bool:
        """Delivered by each department and reviewed by the controlling office."""
        return self in (
            Delivery.key_figures,
            Delivery.partial_budget_report,
            Delivery.planning,
        )


DELIVERY_LABELS = {
    Delivery.key_figures: "Meldevorlage der Kennzahlen",
    Delivery.partial_budget_report: "Teilhaushaltsbericht mit Bewertung",
    Delivery.planning: "Planungsvorlage je Teilhaushalt",
    Delivery.document: "Dokument hochladen",
    Delivery.confirmation: "Erledigung bestätigen (Datum und Vermerk)",
    Delivery.survey_answer: "Antwort der Fraktion",
    Delivery.session_record: "Sitzung mit Ergebnis festhalten",
    Delivery.strategy_resolution: "Strategiebeschluss festhalten",
    Delivery.budget_resolution: "Haushaltsbeschluss festhalten",
}


def delivery_problem(kind: PhaseKind, responsible: str, delivery: Delivery) -> str | None:
    """Why `delivery` cannot fulfil a deadline of `responsible` in a phase of `kind` (German),
    None when it can."""
    if delivery.department_work and responsible != "departments":
        return f"{delivery.value!r} liefern die Fachbereiche (responsible = 'departments')"
    if (delivery == Delivery.survey_answer) != (responsible == "factions"):
        return (
            "die Fraktionen (responsible = 'factions') erfüllen nur die Befragung "
            "(delivers = 'survey_answer'), und nur sie"
        )
    phases = {
        Delivery.session_record: (PhaseKind.forum, PhaseKind.retreat),
        Delivery.strategy_resolution: (PhaseKind.resolution,),
        Delivery.budget_resolution: (PhaseKind.budget_resolution,),
    }.get(delivery)
    if phases is not None and kind not in phases:
        names = " oder ".join(repr(phase.value) for phase in phases)
        return f"{delivery.value!r} gehört in die Phase {names}"
    return None


def default_delivery(kind: PhaseKind, responsible: str) -> Delivery:
    """What fulfils a deadline whose calendar entry does not say (older calendars)."""
    if responsible == "factions":
        return Delivery.survey_answer
    if kind in (PhaseKind.forum, PhaseKind.retreat):
        return Delivery.session_record
    if kind == PhaseKind.budget_resolution and responsible != "departments":
        return Delivery.budget_resolution
    return Delivery.confirmation


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_rule(value: str) -> str:
    parse_rule(value)
    return value


class DeadlineRule(_Strict):
    """A deadline inside a phase; `responsible` is 'departments', 'factions' or a department key."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)
    title: str = Field(min_length=1, max_length=300)
    due: str = Field(max_length=200)
    responsible: str = Field(min_length=1, max_length=64)
    # What fulfils the deadline (see Delivery); None: `default_delivery` of its phase.
    delivers: Delivery | None = None

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
    title: str | None = Field(default=None, max_length=200)
    opens: str = Field(max_length=200)
    closes: str = Field(max_length=200)
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

    def delivery(self, deadline: DeadlineRule) -> Delivery:
        return deadline.delivers or default_delivery(self.kind, deadline.responsible)

    @model_validator(mode="after")
    def _overrides_name_own_deadlines(self) -> PhaseRule:
        if self.election_year:
            known = {deadline.key for deadline in self.deadlines}
            for key in self.election_year.due:
                if key not in known:
                    raise ValueError(f"election_year.due nennt die unbekannte Frist {key!r}")
        return self


SessionYear = Annotated[int, Field(ge=2000, le=2199)]


class CalendarSpec(_Strict):
    """A body's calendar file: phase rules and the council's session dates per year."""

    phases: list[PhaseRule] = Field(min_length=1)
    council_sessions: dict[SessionYear, list[dt.date]] = Field(default_factory=dict)
    # per committee key (organisation.toml's committees) its session dates per year
    committee_sessions: dict[
        Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)],
        dict[SessionYear, Annotated[list[dt.date], Field(max_length=60)]],
    ] = Field(default_factory=dict, max_length=100)
    # the body's own closure days per year (Schließtage: 24.12., 31.12., bridge days); working
    # days skip them like public holidays, so no deadline or reminder falls on them
    closure_days: dict[SessionYear, Annotated[list[dt.date], Field(max_length=60)]] = Field(
        default_factory=dict, max_length=200
    )

    @field_validator("closure_days")
    @classmethod
    def _closure_days_in_year(cls, value: dict[int, list[dt.date]]) -> dict[int, list[dt.date]]:
        for year, days in value.items():
            for day in days:
                if day.year != year:
                    raise ValueError(
                        f"Schließtag {german_date(day)} liegt nicht im Jahr {year} "
                        f"(closure_days.{year})"
                    )
                if days.count(day) > 1:
                    raise ValueError(
                        f"Schließtag {german_date(day)} ist mehrfach angegeben "
                        f"(closure_days.{year})"
                    )
        return value

    def closure_days_all(self) -> frozenset[dt.date]:
        return frozenset(day for days in self.closure_days.values() for day in days)

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

    first_year: StrictInt | None = Field(default=None, ge=1900, le=2199)
    interval_years: StrictInt = Field(default=5, ge=1, le=20)
    years: list[Annotated[StrictInt, Field(ge=1900, le=2199)]] = Field(
        default_factory=list, max_length=100
    )

    def is_election_year(self, year: int) -> bool:
        if year in self.years:
            return True
        if self.first_year is None or year < self.first_year:
            return False
        return (year - self.first_year) % self.interval_years == 0
