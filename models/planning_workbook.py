"""The planning workbook of a Teilhaushalt (Planungsvorlage): layout and the check of a
returned one. No database here: `services.plan_workbook` fills `PlanTemplate` from it and
writes the .xlsx; `check_plan` turns the read sheets into a `PlanReport` or a list of German
problems naming sheet, row and column.

Year logic: cycle year N plans year P = N + 1 (the plan year) and the three years of the
medium-term financial plan P+1..P+3. Beside the request the workbook shows the Ansatz of N
and the Ergebnis of N−1, read-only.

Sheets (each: a title line, a note line, then the header row):
- "Leistungsziele": Nr. | Produktgruppe | Schwerpunkt | Leistungsziel
- "Maßnahmen": Ziel-Nr. | Maßnahme | Verantwortlich | Beginn | Ende | Kosten (€) | Status
- "Kennzahlen": Schlüssel | Kennzahl | Einheit | Produktgruppe | Ist N−1 | Soll P..P+3
- "Haushalt": Produktgruppe | Bezeichnung | Art | Ansatz N | Ergebnis N−1 | Anmeldung P |
  Plan P+1..P+3 | Begründung (one row per product group and side: Erträge, Aufwendungen)
- "Info": Feld | Wert: body, cycle year, plan year, Teilhaushalt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from models.german import german_euro
from models.strategy import MeasureStatus
from models.workbook_layout import Sheet
from models.workbook_number import german_decimal, parse_number
from models.workbook_place import Place, cell_text, cell_value, data_rows

GOALS, MEASURES, TARGETS, BUDGET, INFO = (
    "Leistungsziele",
    "Maßnahmen",
    "Kennzahlen",
    "Haushalt",
    "Info",
)
GOAL_HEADERS = ["Nr.", "Produktgruppe", "Schwerpunkt", "Leistungsziel"]
MEASURE_HEADERS = [
    "Ziel-Nr.",
    "Maßnahme",
    "Verantwortlich",
    "Beginn",
    "Ende",
    "Kosten (€)",
    "Status",
]
INFO_HEADERS = ["Feld", "Wert"]
INFO_BODY, INFO_CYCLE, INFO_PLAN_YEAR, INFO_THH = (
    "Körperschaft",
    "Kreislauf",
    "Planjahr",
    "Teilhaushalt",
)
INCOME, EXPENSES = "Erträge", "Aufwendungen"
MAX_TEXT = 2000  # characters of a goal, a measure, a justification
MAX_AMOUNT = Decimal("9999999999999.99")  # Numeric(16, 2)
FINANCIAL_PLAN_YEARS = 3


def target_headers(cycle_year: int) -> list[str]:
    plan = cycle_year + 1
    years = [f"Soll {plan + offset}" for offset in range(FINANCIAL_PLAN_YEARS + 1)]
    return ["Schlüssel", "Kennzahl", "Einheit", "Produktgruppe", f"Ist {cycle_year - 1}", *years]


def budget_headers(cycle_year: int) -> list[str]:
    plan = cycle_year + 1
    later = [f"Plan {plan + offset}" for offset in range(1, FINANCIAL_PLAN_YEARS + 1)]
    return [
        "Produktgruppe",
        "Bezeichnung",
        "Art",
        f"Ansatz {cycle_year}",
        f"Ergebnis {cycle_year - 1}",
        f"Anmeldung {plan}",
        *later,
        "Begründung",
    ]


def plan_years(cycle_year: int) -> list[int]:
    return [cycle_year + 1 + offset for offset in range(FINANCIAL_PLAN_YEARS + 1)]


@dataclass(frozen=True)
class GoalRow:
    number: int
    group: str
    priority: str
    text: str


@dataclass(frozen=True)
class MeasureRow:
    goal_number: int
    text: str
    owner: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    cost: Decimal | None = None
    status: MeasureStatus = MeasureStatus.planned


@dataclass(frozen=True)
class TargetRow:
    key: str
    name: str
    unit: str
    group: str
    last_actual: float | None
    targets: dict[int, float | None]
    plausible_min: float | None = None
    plausible_max: float | None = None


@dataclass(frozen=True)
class BudgetRow:
    group: str
    name: str
    income: bool  # the Erträge row, else the Aufwendungen row
    ansatz: Decimal | None
    result: Decimal | None
    request: dict[int, Decimal | None]
    justification: str | None = None


@dataclass(frozen=True)
class PlanTemplate:
    body_slug: str
    body_name: str
    cycle_year: int
    thh_number: str
    thh_name: str
    goals: list[GoalRow]
    measures: list[MeasureRow]
    targets: list[TargetRow]
    budget: list[BudgetRow]

    @property
    def plan_year(self) -> int:
        return self.cycle_year + 1


@dataclass(frozen=True)
class Expected:
    """What a returned workbook must match: whose it is, and what its rows may name."""

    body_slug: str
    cycle_year: int
    thh_number: str
    groups: dict[str, str]  # number -> name of the Teilhaushalt's product groups
    priorities: frozenset[str]
    targets: dict[str, TargetRow]  # key -> the figure (with its plausible range)
    ceiling: Decimal | None


@dataclass
class PlanReport:
    goals: list[GoalRow] = field(default_factory=list)
    measures: list[MeasureRow] = field(default_factory=list)
    targets: dict[tuple[str, int], float] = field(default_factory=dict)
    # (group, year) -> (income, expenses); justification per group
    budget: dict[tuple[str, int], tuple[Decimal, Decimal]] = field(default_factory=dict)
    justifications: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    goal_numbers: set[int] = field(default_factory=set)  # every Nr. on the goals sheet


def check_identity(sheets: dict[str, Sheet], expected: Expected) -> list[str]:
    """Whose workbook: body, cycle and Teilhaushalt of the Info sheet, and that every sheet
    is there. Wrong ones make every other problem a consequence, so they come alone."""
    missing = [name for name in (GOALS, MEASURES, TARGETS, BUDGET, INFO) if name not in sheets]
    if missing:
        return [f"Blatt „{name}“ fehlt – ist das die Planungsvorlage?" for name in missing]
    info: dict[str, tuple[int, str | None]] = {}
    for number, cells in sheets[INFO].rows:
        key = cell_text(cells, 0)
        if key:
            info[key] = (number, cell_text(cells, 1))
    wanted = {
        INFO_BODY: expected.body_slug,
        INFO_CYCLE: str(expected.cycle_year),
        INFO_PLAN_YEAR: str(expected.cycle_year + 1),
        INFO_THH: expected.thh_number,
    }
    problems = []
    for key, value in wanted.items():
        row, found = info.get(key, (None, None))
        if found != value:
            where = f"{INFO} Zeile {row}, Spalte B ({key})" if row else f"{INFO}: {key}"
            problems.append(
                f"{where}: „{found or ''}“, erwartet „{value}“ – die Vorlage gehört zu einer "
                "anderen Körperschaft, einem anderen Jahr oder Teilhaushalt"
            )
    return problems


def check_plan(sheets: dict[str, Sheet], expected: Expected) -> PlanReport:
    """Every row of every sheet checked; the report's `problems` list all that is wrong."""
    report = PlanReport()
    _goals(sheets[GOALS], expected, report)
    _measures(sheets[MEASURES], report)
    _targets(sheets[TARGETS], expected, report)
    _budget(sheets[BUDGET], expected, report)
    return report


def _text(cells: tuple[Any, ...], index: int, where: str, problems: list[str]) -> str | None:
    text = cell_text(cells, index)
    if text is not None and len(text) > MAX_TEXT:
        problems.append(f"{where}: länger als {MAX_TEXT} Zeichen")
        return None
    return text


def _goals(sheet: Sheet, expected: Expected, report: PlanReport) -> None:
    problems = report.problems
    rows = data_rows(sheet, GOAL_HEADERS, problems)
    place = Place(sheet, GOAL_HEADERS)
    seen: set[int] = set()
    for number, cells in rows or []:
        nr = _whole(cell_value(cells, 0))
        if nr is None or not 1 <= nr <= 999 or nr in seen:
            problems.append(f"{place(number, 0)}: eine neue ganze Zahl von 1 bis 999 erwartet")
            continue
        seen.add(nr)
        group = cell_text(cells, 1) or ""
        if group not in expected.groups:
            known = ", ".join(expected.groups) or "keine"
            problems.append(
                f"{place(number, 1)}: Produktgruppe „{group}“ gehört nicht zum Teilhaushalt "
                f"{expected.thh_number} (möglich: {known})"
            )
        priority = cell_text(cells, 2)
        if priority is None:
            problems.append(
                f"{place(number, 2)}: kein Schwerpunkt – jedes Leistungsziel dient einem "
                "strategischen Schwerpunkt (z. B. mobilitaet.2)"
            )
        elif priority not in expected.priorities:
            problems.append(f"{place(number, 2)}: den Schwerpunkt „{priority}“ gibt es nicht")
        text = _text(cells, 3, place(number, 3), problems)
        if text is None:
            problems.append(f"{place(number, 3)}: das Leistungsziel fehlt")
        if group in expected.groups and priority in expected.priorities and text:
            report.goals.append(GoalRow(nr, group, priority, text))
        report.goal_numbers.add(nr)  # on the sheet, even when refused: measures may name it


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == int(value):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 6:
        return int(value.strip())
    return None


GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def _date(value: Any) -> dt.date:
    """A date cell or a text in German (31.12.2028) or ISO notation; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = GERMAN_DATE.fullmatch(text)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"„{text}“ ist kein Datum (erwartet TT.MM.JJJJ)") from None


def _amount(value: Any) -> Decimal:
    """A money cell, exact; ValueError with the German reason."""
    if isinstance(value, bool) or isinstance(value, dt.date | dt.datetime):
        raise ValueError("keine Zahl")
    try:
        if isinstance(value, int | float):
            amount = Decimal(repr(value))
        else:
            amount = Decimal(german_decimal(str(value), suffix="€"))
    except InvalidOperation:
        raise ValueError(f"„{value}“ ist kein Betrag") from None
    if amount < 0:
        raise ValueError("Beträge sind nicht negativ (Erträge und Aufwendungen getrennt)")
    if amount > MAX_AMOUNT:
        raise ValueError("Betrag zu groß")
    return amount.quantize(Decimal("0.01"))


def _measures(sheet: Sheet, report: PlanReport) -> None:
    rows = data_rows(sheet, MEASURE_HEADERS, report.problems)
    place = Place(sheet, MEASURE_HEADERS)
    goals = report.goal_numbers
    for number, cells in rows or []:
        measure = _measure(cells, partial(place, number), goals, report.problems)
        if measure is not None:
            report.measures.append(measure)


def _measure(
    cells: tuple[Any, ...], where: Callable[[int], str], goals: set[int], problems: list[str]
) -> MeasureRow | None:
    """One row of the measures sheet; None (and its problems) when anything is wrong."""
    before = len(problems)
    goal = _whole(cell_value(cells, 0))
    if goal is None or goal not in goals:
        problems.append(
            f"{where(0)}: Ziel-Nr. „{cell_text(cells, 0) or ''}“ steht nicht auf dem Blatt "
            f"„{GOALS}“"
        )
    text = _text(cells, 1, where(1), problems)
    if text is None:
        problems.append(f"{where(1)}: die Maßnahme fehlt")
    owner = _text(cells, 2, where(2), problems)
    if owner is None:
        problems.append(f"{where(2)}: wer verantwortet die Maßnahme? (Pflichtangabe)")
    dates: list[dt.date | None] = []
    for index, what in ((3, "Beginn"), (4, "Ende")):
        value = cell_value(cells, index)
        if value is None:
            problems.append(f"{where(index)}: {what} fehlt (Datum TT.MM.JJJJ)")
            dates.append(None)
            continue
        try:
            dates.append(_date(value))
        except ValueError as error:
            problems.append(f"{where(index)}: {error}")
            dates.append(None)
    if dates[0] and dates[1] and dates[1] < dates[0]:
        problems.append(
            f"{where(4)}: die Maßnahme endet vor ihrem Beginn "
            f"({dates[1]:%d.%m.%Y} vor {dates[0]:%d.%m.%Y})"
        )
    cost = None
    if cell_value(cells, 5) is not None:
        try:
            cost = _amount(cell_value(cells, 5))
        except ValueError as error:
            problems.append(f"{where(5)}: {error}")
    status = MeasureStatus.from_label(cell_text(cells, 6) or MeasureStatus.planned.label)
    if status is None:
        labels = ", ".join(s.label for s in MeasureStatus)
        problems.append(f"{where(6)}: Status unbekannt (möglich: {labels})")
    if len(problems) > before or goal is None or text is None or status is None:
        return None
    return MeasureRow(goal, text, owner, dates[0], dates[1], cost, status)


def _targets(sheet: Sheet, expected: Expected, report: PlanReport) -> None:
    problems = report.problems
    headers = target_headers(expected.cycle_year)
    rows = data_rows(sheet, headers, problems)
    place = Place(sheet, headers)
    for number, cells in rows or []:
        key = cell_text(cells, 0) or ""
        figure = expected.targets.get(key)
        if figure is None:
            problems.append(
                f"{place(number, 0)}: die Kennzahl „{key}“ gehört nicht zum Teilhaushalt "
                f"{expected.thh_number}"
            )
            continue
        for offset, year in enumerate(plan_years(expected.cycle_year)):
            index = 5 + offset
            value = cell_value(cells, index)
            if value is None:
                continue
            try:
                target = parse_number(value, figure.unit)
            except ValueError as error:
                problems.append(f"{place(number, index)}: {error}")
                continue
            low, high = figure.plausible_min, figure.plausible_max
            if (low is not None and target < low) or (high is not None and target > high):
                problems.append(
                    f"{place(number, index)}: Soll {_num(target)} {figure.unit} liegt außerhalb "
                    f"des plausiblen Bereichs ({_num(low)} bis {_num(high)})"
                )
                continue
            report.targets[(key, year)] = target


def _num(value: float | None) -> str:
    if value is None:
        return "offen"
    return (
        f"{value:,.6f}".rstrip("0")
        .rstrip(".")
        .replace(",", "_")
        .replace(".", ",")
        .replace("_", ".")
    )


def _budget(sheet: Sheet, expected: Expected, report: PlanReport) -> None:
    problems = report.problems
    headers = budget_headers(expected.cycle_year)
    rows = data_rows(sheet, headers, problems)
    place = Place(sheet, headers)
    years = plan_years(expected.cycle_year)
    sums: dict[tuple[str, int], list[Decimal]] = {}
    last_row: dict[str, int] = {}
    for number, cells in rows or []:
        group = cell_text(cells, 0) or ""
        side = cell_text(cells, 2)
        if group not in expected.groups:
            problems.append(
                f"{place(number, 0)}: Produktgruppe „{group}“ gehört nicht zum Teilhaushalt "
                f"{expected.thh_number}"
            )
            continue
        if side not in (INCOME, EXPENSES):
            problems.append(
                f"{place(number, 2)}: „{side or ''}“, erwartet {INCOME} oder {EXPENSES}"
            )
            continue
        last_row[group] = number
        for offset, year in enumerate(years):
            index = 5 + offset
            value = cell_value(cells, index)
            if value is None and offset == 0:  # the plan year: an empty cell is no request
                problems.append(
                    f"{place(number, index)}: die Anmeldung {year} fehlt "
                    "(0, wenn die Produktgruppe nichts braucht)"
                )
                continue
            try:
                amount = Decimal(0) if value is None else _amount(value)
            except ValueError as error:
                problems.append(f"{place(number, index)}: {error}")
                continue
            pair = sums.setdefault((group, year), [Decimal(0), Decimal(0)])
            pair[0 if side == INCOME else 1] += amount
        reason = _text(cells, len(headers) - 1, place(number, len(headers) - 1), problems)
        if reason:
            joined = report.justifications.get(group)
            report.justifications[group] = f"{joined}\n{reason}" if joined else reason
    report.budget = {key: (pair[0], pair[1]) for key, pair in sums.items()}
    _ceiling(sheet, expected, report, last_row)


def _ceiling(
    sheet: Sheet, expected: Expected, report: PlanReport, last_row: dict[str, int]
) -> None:
    """The request's net requirement of the plan year over the ceiling needs a reason."""
    if expected.ceiling is None or report.justifications:
        return
    plan = expected.cycle_year + 1
    net = sum(
        (
            expenses - income
            for (_, year), (income, expenses) in report.budget.items()
            if year == plan
        ),
        Decimal(0),
    )
    if net <= expected.ceiling:
        return
    headers = budget_headers(expected.cycle_year)
    row = max(last_row.values(), default=0)
    where = Place(sheet, headers)(row, len(headers) - 1) if row else f"{BUDGET}"
    report.problems.append(
        f"{where}: der Zuschussbedarf {plan} des Teilhaushalts {expected.thh_number} "
        f"({german_euro(net, cents=True)}) übersteigt den Eckwert "
        f"({german_euro(expected.ceiling, cents=True)}) um "
        f"{german_euro(net - expected.ceiling, cents=True)}; bitte begründen"
    )
