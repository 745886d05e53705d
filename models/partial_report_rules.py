"""Rules of the partial budget report (Teilhaushaltsbericht), pure: when a budget deviation
needs an explanation, which texts a department must write, and the check of its answers.

A deviation is "erheblich" (needs an explanation) when its amount is above BOTH thresholds:
|result − plan| > `deviation_euro` AND |deviation %| > `deviation_percent` (savings count as
deviations as much as overruns). Both conditions, as Haushaltssatzungen word it: a 12 %
deviation of 3.000 € is no matter for a committee, nor is 60.000 € of a 40-million group.
A group whose plan is 0 (no percent) needs an explanation when the euro amount is exceeded.
A red key figure (verfehlt) always needs an explanation; every product group needs its
assessment of how far the goals were reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from models.achievement import Light
from models.german import german_number
from models.money import Deviation
from models.partial_report import EntryKind

DEFAULT_PERCENT = Decimal("10")
DEFAULT_EURO = Decimal("50000")
MAX_TEXT = 5_000  # characters of one text; the report prints it whole
MIN_TEXT = 3  # "ok" is no assessment


class PartialReportRules(BaseModel):
    """body.toml `[partial_reports]`: the thresholds of an explained deviation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deviation_percent: Decimal = Field(default=DEFAULT_PERCENT, ge=0, le=1000)
    deviation_euro: Decimal = Field(default=DEFAULT_EURO, ge=0, le=Decimal("1000000000"))

    @field_validator("deviation_percent", "deviation_euro", mode="before")
    @classmethod
    def _number(cls, value: object, info: ValidationInfo) -> Decimal:
        """A plain number (TOML integer, float or a numeric string), in German when not."""
        places = 1 if info.field_name == "deviation_percent" else 2
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("Zahl erwartet (z. B. 10 für 10 % oder 50000 für 50.000 €)")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"Zahl erwartet, nicht {value!r}") from None
        if not number.is_finite():
            raise ValueError("endliche Zahl erwartet")
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise ValueError(f"höchstens {places} Nachkommastelle{'n' if places > 1 else ''}")
        return number

    @classmethod
    def of(cls, stored: dict[str, object] | None) -> PartialReportRules:
        """The rules stored on a body ({} or None: the defaults)."""
        return cls.model_validate(stored or {})


def needs_explanation(deviation: Deviation | None, rules: PartialReportRules) -> bool:
    """Whether a group's deviation is above both thresholds (see the module's docstring)."""
    if deviation is None:
        return False
    if abs(deviation.amount) <= rules.deviation_euro:
        return False
    return deviation.pct is None or abs(deviation.pct) > rules.deviation_percent


@dataclass(frozen=True)
class DraftFigure:
    key: str
    name: str
    unit: str
    target: float | None
    actual: float | None
    light: Light

    @property
    def needs_explanation(self) -> bool:
        return self.light == Light.red

    @property
    def target_text(self) -> str:
        return german_number(self.target, places=6)

    @property
    def actual_text(self) -> str:
        return german_number(self.actual, places=6)


@dataclass(frozen=True)
class DraftGoal:
    text: str
    measures: list[tuple[str, str]]  # (text, status label)


@dataclass(frozen=True)
class DraftGroup:
    number: str
    name: str
    partial_budget: str  # "8 Umwelt"
    planned: Decimal | None
    result: Decimal | None
    deviation: Deviation | None
    deviation_needs_explanation: bool
    figures: list[DraftFigure]
    goals: list[DraftGoal]


@dataclass(frozen=True)
class Draft:
    """What the department reports on: its groups with money, figures and goals."""

    body_slug: str
    body_name: str
    cycle_year: int
    department_key: str
    department_name: str
    rules: PartialReportRules
    groups: list[DraftGroup]

    @property
    def report_year(self) -> int:
        return self.cycle_year - 1

    def fields(self) -> list[ReportField]:
        """Every text the department writes, in the order of the report; `required` ones
        must not be empty."""
        found: list[ReportField] = []
        for group in self.groups:
            found.append(ReportField(EntryKind.assessment, group.number, "", True))
            found.append(
                ReportField(
                    EntryKind.deviation, group.number, "", group.deviation_needs_explanation
                )
            )
            for figure in group.figures:
                found.append(
                    ReportField(
                        EntryKind.figure, group.number, figure.key, figure.needs_explanation
                    )
                )
        return found


@dataclass(frozen=True)
class ReportField:
    """One text of the report; `name` is the web form's field name."""

    kind: EntryKind
    group: str
    subject: str
    required: bool

    @property
    def name(self) -> str:
        return (
            f"{self.kind.value}:{self.group}:{self.subject}"
            if self.subject
            else (f"{self.kind.value}:{self.group}")
        )


@dataclass
class Answers:
    """The texts a department gave, by field name, and where each came from (a workbook's
    cell or a form field) for the problems."""

    texts: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # names of the fields with a problem


def check_answers(draft: Draft, answers: Answers) -> dict[str, str]:
    """The texts to store (required and optional ones given); every missing required text,
    too long or too short one is added to `answers.problems`."""
    kept: dict[str, str] = {}
    groups = {g.number: g for g in draft.groups}
    for wanted in draft.fields():
        text = (answers.texts.get(wanted.name) or "").strip()
        place = answers.places.get(wanted.name, wanted.name)
        what = _what(wanted, groups[wanted.group])
        if not text:
            if wanted.required:
                answers.problems.append(f"{place}: {what} fehlt (Pflichtangabe)")
                answers.invalid.append(wanted.name)
            continue
        if len(text) > MAX_TEXT:
            answers.problems.append(
                f"{place}: {what} ist {len(text):_} Zeichen lang, erlaubt sind höchstens "
                f"{MAX_TEXT:_}".replace("_", ".")
            )
            answers.invalid.append(wanted.name)
            continue
        if wanted.required and len(text) < MIN_TEXT:
            answers.problems.append(f"{place}: {what} ist zu kurz („{text}“)")
            answers.invalid.append(wanted.name)
            continue
        kept[wanted.name] = text
    return kept


def _what(wanted: ReportField, group: DraftGroup) -> str:
    where = f"Produktgruppe {group.number} {group.name}"
    if wanted.kind == EntryKind.figure:
        figure = next(f for f in group.figures if f.key == wanted.subject)
        return f"{wanted.kind.label} „{figure.name}“ ({where})"
    return f"{wanted.kind.label} ({where})"
