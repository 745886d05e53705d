"""What the controlling office sees before it accepts or returns a figures submission.

The waiting submission of a department (status "submitted") read into plain data: per key
figure the submitted actual beside the report year's target and last year's actual, the
light it would get (the rules of models.achievement, as services.evaluation applies them)
and plausibility hints; per measure the status in force and the reported one. Read only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from models.accounts import UserAccount
from models.achievement import Light, decimal, traffic_light
from models.body import Body
from models.db import id_of
from models.german import german_percent
from models.organisation import Department
from models.strategy import Direction, KeyFigure, KeyFigureValue, Measure, MeasureStatus
from models.submissions import (
    Submission,
    SubmissionFigure,
    SubmissionMeasure,
    SubmissionStatus,
)
from services.cycles import get_cycle
from services.delivery_files import FileKind, has_file
from services.journal_views import actor_label

# a change against last year's actual beyond this share is worth a second look
CHANGE_HINT_PCT = Decimal(30)
# a value within this share of the plausible range's width from its edge is worth one too
# (ranges are wide on purpose, so the share is small: 0 of [0, 5000] is hinted, 160 is not)
EDGE_SHARE_PCT = Decimal(1)


@dataclass(frozen=True)
class FigureReview:
    key: str
    name: str
    unit: str
    direction: Direction
    actual: float
    target: float | None
    last_year: float | None
    light: Light
    change_pct: Decimal | None  # against last year's actual, one decimal; None without it
    hints: list[str]
    comment: str | None


@dataclass(frozen=True)
class MeasureReview:
    key: str
    text: str
    old: MeasureStatus
    new: MeasureStatus
    comment: str | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class SubmissionReview:
    department_key: str
    department_name: str
    cycle_year: int
    report_year: int
    attempt: int
    filename: str
    sha256: str
    submitted_at: dt.datetime
    submitted_by: str  # the user's display name for a web user, else the actor as recorded
    submission_id: int
    # the upload as it came (submissions before migration 0016 kept only name and checksum)
    file_stored: bool
    figures: list[FigureReview]
    measures: list[MeasureReview]

    @property
    def hint_count(self) -> int:
        return sum(1 for f in self.figures if f.hints)


def waiting_submission(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    cutoff: dt.datetime | None = None,
) -> Submission | None:
    """The department's latest figures submission of the cycle, if it waits for review
    (with `cutoff`, a past view: if it waited at that instant)."""
    cycle = get_cycle(session=session, body=body, year=year)
    if cutoff is not None:
        from services.as_of import cycle_overlay, submission_at

        overlay = cycle_overlay(session=session, body=body, cycle=cycle, cutoff=cutoff)
        found = submission_at(
            session=session, cycle=cycle, department_id=id_of(department), overlay=overlay
        )
        return found[0] if found and found[1] == SubmissionStatus.submitted else None
    latest = session.exec(
        select(Submission)
        .where(Submission.cycle_id == cycle.id, Submission.department_id == department.id)
        .order_by(col(Submission.attempt).desc())
    ).first()
    if latest is None or SubmissionStatus(latest.status) != SubmissionStatus.submitted:
        return None
    return latest


def review_view(
    *,
    session: Session,
    body: Body,
    year: int,
    department: Department,
    cutoff: dt.datetime | None = None,
) -> SubmissionReview | None:
    """The waiting submission as the review screen shows it; None when nothing waits (at
    `cutoff`, a past view)."""
    submission = waiting_submission(
        session=session, body=body, year=year, department=department, cutoff=cutoff
    )
    if submission is None:
        return None
    report_year = submission.report_year
    return SubmissionReview(
        department_key=department.key,
        department_name=department.name,
        cycle_year=year,
        report_year=report_year,
        attempt=submission.attempt,
        filename=submission.filename,
        sha256=submission.sha256,
        submitted_at=submission.submitted_at,
        submitted_by=_actor(session, body, submission.submitted_by),
        submission_id=id_of(submission),
        file_stored=has_file(session, FileKind.figures, submission.id),
        figures=_figures(session, body, submission, report_year),
        measures=_measures(session, submission),
    )


def _actor(session: Session, body: Body, actor: str) -> str:
    kind, _, username = actor.partition(":")
    names: dict[str, str] = {}
    if kind == "web" and username:
        name = session.exec(
            select(UserAccount.display_name).where(
                UserAccount.body_id == body.id, UserAccount.username == username
            )
        ).first()
        if name:
            names[actor] = name
    return actor_label(actor, names)


def _figures(
    session: Session, body: Body, submission: Submission, report_year: int
) -> list[FigureReview]:
    rows = session.exec(
        select(SubmissionFigure, KeyFigure)
        .join(KeyFigure, col(SubmissionFigure.key_figure_id) == KeyFigure.id)
        .where(SubmissionFigure.submission_id == submission.id)
        .order_by(col(KeyFigure.position), col(KeyFigure.key))
    ).all()
    values: dict[tuple[int, int], KeyFigureValue] = {
        (v.key_figure_id, v.year): v
        for v in session.exec(
            select(KeyFigureValue).where(
                KeyFigureValue.body_id == body.id,
                col(KeyFigureValue.key_figure_id).in_([id_of(f) for _, f in rows]),
                col(KeyFigureValue.year).in_([report_year, report_year - 1]),
            )
        ).all()
    }
    result = []
    for reported, figure in rows:
        current = values.get((id_of(figure), report_year))
        previous = values.get((id_of(figure), report_year - 1))
        target = current.target if current else None
        last_year = previous.actual if previous else None
        direction = Direction(figure.direction)
        change = change_pct(reported.actual, last_year)
        result.append(
            FigureReview(
                key=figure.key,
                name=figure.name,
                unit=figure.unit,
                direction=direction,
                actual=reported.actual,
                target=target,
                last_year=last_year,
                light=traffic_light(
                    target=target,
                    actual=reported.actual,
                    direction=direction,
                    tolerance_pct=figure.tolerance_pct,
                ),
                change_pct=change,
                hints=plausibility_hints(
                    actual=reported.actual,
                    change=change,
                    low=figure.plausible_min,
                    high=figure.plausible_max,
                    unit=figure.unit,
                ),
                comment=reported.comment,
            )
        )
    return result


def change_pct(actual: float, previous: float | None) -> Decimal | None:
    """The change against last year in percent of last year's value (None without one or
    when it was 0: no percentage of nothing)."""
    if previous is None or decimal(previous) == 0:
        return None
    base = decimal(previous)
    return ((decimal(actual) - base) / abs(base) * 100).quantize(Decimal("0.1"))


def plausibility_hints(
    *,
    actual: float,
    change: Decimal | None,
    low: float | None,
    high: float | None,
    unit: str,
) -> list[str]:
    """German hints for the reviewer: a large change against last year, a value at the
    edge of the plausible range (the workbook check already refused one outside it)."""
    hints = []
    if change is not None and abs(change) > CHANGE_HINT_PCT:
        word = "mehr" if change > 0 else "weniger"
        hints.append(f"{german_percent(abs(change))} {word} als im Vorjahr")
    if low is not None and high is not None and high > low:
        value, bottom, top = decimal(actual), decimal(low), decimal(high)
        edge = (top - bottom) * EDGE_SHARE_PCT / 100
        if value <= bottom + edge:
            hints.append(f"am unteren Rand des plausiblen Bereichs (ab {_num(low)}\u00a0{unit})")
        elif value >= top - edge:
            hints.append(f"am oberen Rand des plausiblen Bereichs (bis {_num(high)}\u00a0{unit})")
    return hints


def _num(value: float) -> str:
    text = f"{decimal(value):,f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return text.rstrip("0").rstrip(",") if "," in text else text


def _measures(session: Session, submission: Submission) -> list[MeasureReview]:
    rows = session.exec(
        select(SubmissionMeasure, Measure)
        .join(Measure, col(SubmissionMeasure.measure_id) == Measure.id)
        .where(SubmissionMeasure.submission_id == submission.id)
        .order_by(col(SubmissionMeasure.id))  # the order of the workbook
    ).all()
    return [
        MeasureReview(
            key=measure.key or "",
            text=measure.text,
            old=MeasureStatus(measure.status),
            new=MeasureStatus(reported.status),
            comment=reported.comment,
        )
        for reported, measure in rows
    ]
