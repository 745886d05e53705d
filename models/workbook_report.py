"""What a department must report and what its returned workbook was found to hold.

Apart from the checks because both the identity check and the row checks read `Expected`,
and the services that build it and record the `Report` need neither check's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.strategy import MeasureStatus


@dataclass(frozen=True)
class FigureSpec:
    """What the database says about a key figure the department must report."""

    key: str
    name: str
    unit: str
    plausible_min: float | None
    plausible_max: float | None


@dataclass(frozen=True)
class Expected:
    body_slug: str
    cycle_year: int
    department_key: str
    figures: list[FigureSpec]
    measure_keys: list[str]

    @property
    def report_year(self) -> int:
        return self.cycle_year - 1


@dataclass(frozen=True)
class ReportedFigure:
    key: str
    actual: float
    comment: str | None


@dataclass(frozen=True)
class ReportedMeasure:
    key: str
    status: MeasureStatus
    comment: str | None


@dataclass
class Report:
    figures: list[ReportedFigure] = field(default_factory=list)
    measures: list[ReportedMeasure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
