"""Page 1 of the evaluation report, "Auf einen Blick": who delivered their figures, the
lights per field of action, the money of the report year (where budget data exist) and one
lead sentence. `summarize` is pure (it reads the evaluation and the money overview the report
has anyway); `deliveries` reads each department's figures task and its latest submission.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Session, select

from models.achievement import Rollup
from models.body import Body
from models.cycle import Cycle
from models.errors import NotFoundError
from models.german import german_date
from models.money import Deviation
from models.submissions import SubmissionStatus
from services.evaluation import Evaluation, rollup_of
from services.money import MoneyOverview
from services.submission_list import figures_tasks

LARGEST_DEVIATIONS = 3  # the product groups named on page 1


class DeliveryState(StrEnum):
    accepted = "accepted"
    submitted = "submitted"
    returned = "returned"
    missing = "missing"

    @property
    def label(self) -> str:
        return {
            "accepted": "angenommen",
            "submitted": "eingereicht, Prüfung offen",
            "returned": "zurückgegeben",
            "missing": "keine Meldung",
        }[self.value]

    @property
    def symbol(self) -> str:
        """Beside the word, never instead of it."""
        return {"accepted": "✓", "submitted": "…", "returned": "↩", "missing": "○"}[self.value]


@dataclass(frozen=True)
class Delivery:
    """One department's figures delivery (Kennzahlenmeldung) of the cycle."""

    department: str
    state: DeliveryState
    on: dt.date | None  # accepted/returned: the review's day; submitted: the upload's day
    attempt: int | None = None
    due: dt.date | None = None  # the figures deadline

    @property
    def when(self) -> str:
        """German text of the day, e.g. "am 12.02.2027" or "fällig 19.02.2027"."""
        if self.on is not None:
            return f"am {german_date(self.on)}"
        return f"fällig {german_date(self.due)}" if self.due is not None else "–"


@dataclass(frozen=True)
class MatrixRow:
    """A field of action (or the figures outside the strategy) and its count per light."""

    name: str
    counts: Rollup


@dataclass(frozen=True)
class GroupDeviation:
    number: str
    name: str
    planned: Decimal
    result: Decimal
    deviation: Deviation


@dataclass(frozen=True)
class MoneySummary:
    """Net requirement (Zuschussbedarf) of the report year, as the money pages count it."""

    year: int
    planned: Decimal | None
    result: Decimal | None
    deviation: Deviation | None  # over the groups with plan and result
    without_result: list[str]  # group numbers with a plan but no result yet
    largest: list[GroupDeviation]  # the largest deviations (by amount), largest first


@dataclass(frozen=True)
class Summary:
    body_name: str
    cycle_year: int
    report_year: int
    has_cycle: bool
    deliveries: list[Delivery]
    rows: list[MatrixRow]
    total: Rollup
    money: MoneySummary | None  # None: no budget data for the report year
    lead: str

    def count(self, state: DeliveryState | str) -> int:
        return sum(1 for d in self.deliveries if d.state == state)

    @property
    def delivery_text(self) -> str:
        """'4 von 5 Fachbereichen angenommen; 1 eingereicht, Prüfung offen'."""
        if not self.deliveries:
            return "Keine Kennzahlenmeldung angefordert."
        accepted = self.count(DeliveryState.accepted)
        parts = [f"{accepted} von {len(self.deliveries)} Fachbereichen angenommen"]
        parts += [
            f"{self.count(state)} {state.label}"
            for state in (DeliveryState.submitted, DeliveryState.returned, DeliveryState.missing)
            if self.count(state)
        ]
        return "; ".join(parts)


def summarize(
    evaluation: Evaluation, deliveries: list[Delivery], money: MoneyOverview | None
) -> Summary:
    """The management summary of an evaluation (pure)."""
    rows = [MatrixRow(f.name, f.rollup) for f in evaluation.fields]
    if evaluation.other_figures:
        rows.append(
            MatrixRow("ohne Schwerpunkt der Strategie", rollup_of(evaluation.other_figures))
        )
    total = evaluation.rollup
    return Summary(
        body_name=evaluation.body_name,
        cycle_year=evaluation.cycle_year,
        report_year=evaluation.report_year,
        has_cycle=evaluation.has_cycle,
        deliveries=deliveries,
        rows=rows,
        total=total,
        money=money_summary(money),
        lead=lead_sentence(evaluation.report_year, total),
    )


def lead_sentence(year: int, total: Rollup) -> str:
    """'Für das Haushaltsjahr 2026 liegen 18 von 20 Kennzahlen vor; 11 grün, 4 gelb, 3 rot.'"""
    if total.total == 0:
        return f"Für das Haushaltsjahr {year} sind keine Kennzahlen erfasst."
    present = total.total - total.without_value
    verb = "liegt" if present == 1 else "liegen"
    noun = "Kennzahl" if total.total == 1 else "Kennzahlen"
    sentence = f"Für das Haushaltsjahr {year} {verb} {present} von {total.total} {noun} vor"
    if present == 0:
        return sentence + "."
    return f"{sentence}; {total.green} grün, {total.yellow} gelb, {total.red} rot."


def money_summary(money: MoneyOverview | None) -> MoneySummary | None:
    if money is None or not money.has_year_money:
        return None
    compared = [
        GroupDeviation(g.number, g.name, g.report.planned, g.report.result, g.report.deviation)
        for g in money.groups
        if g.report.planned is not None
        and g.report.result is not None
        and g.report.deviation is not None
    ]
    compared.sort(key=lambda g: (-abs(g.deviation.amount), g.number))
    return MoneySummary(
        year=money.report_year,
        planned=money.total_planned,
        result=money.total_result,
        deviation=money.total_deviation,
        without_result=money.without_result,
        largest=[g for g in compared[:LARGEST_DEVIATIONS] if g.deviation.amount != 0],
    )


def deliveries(*, session: Session, body: Body, year: int) -> list[Delivery]:
    """Each department's figures task of cycle `year` with its latest submission, by name;
    empty without a cycle or without a figures deadline in the calendar."""
    cycle = session.exec(select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)).first()
    if cycle is None:
        return []
    try:
        tasks = figures_tasks(session=session, body=body, cycle=cycle)
    except NotFoundError:  # no figures deadline in the calendar
        return []
    result = []
    for _, department, due, found in tasks:
        if found is None:
            result.append(Delivery(department.name, DeliveryState.missing, None, None, due))
            continue
        status = SubmissionStatus(found.status)
        state = DeliveryState(status.value)
        moment = found.submitted_at if status == SubmissionStatus.submitted else found.reviewed_at
        day = body.local_date(moment) if moment is not None else None
        result.append(Delivery(department.name, state, day, found.attempt, due))
    return result
