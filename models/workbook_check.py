"""Checking a returned figures workbook: every problem with sheet, row and column, no DB.

Numbers: a number cell is taken as it is; a cell with a percent format (Excel shows 64 % for
0.64) counts in percent for a figure whose unit is "%" (exactly: 0.57 is 57, not
56.99999999999999) and is refused for any other unit. A formula without a computed value, a
date or a truth value is named as such; an infinite number, and a number of 10^15 or more where
the figure's plausible range leaves that side open, is refused. Text is read in German notation:
"1.234,5" and "1234,5" are 1234.5; a dot alone is a decimal point where that is unambiguous
("1234.5", "17.45"), thousands dots where there are several groups ("1.234.567"); a single
dot followed by exactly three digits ("1.234") could mean either and is refused. A trailing
"%" is dropped. An empty actual is a problem ("Ist-Wert fehlt"): an accepted submission is
the figure's actual in the evaluation, and "not known" has to be said in the comment of a
figure whose value is then agreed with the controlling office, not silently left out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from models.german import HUGE
from models.strategy import MeasureStatus
from models.workbook_layout import (
    CSV_SHEET_COLUMN,
    FIGURES,
    INFO,
    INFO_BODY,
    INFO_CYCLE,
    INFO_DEPARTMENT,
    INFO_HEADERS,
    INFO_TEMPLATE,
    INFO_VERSION,
    MEASURE_HEADERS,
    MEASURES,
    SHEETS,
    TEMPLATE_NAME,
    TEMPLATE_VERSION,
    Formula,
    Percent,
    Sheet,
    figure_headers,
    figure_number,
)


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


@dataclass(frozen=True)
class Info:
    values: dict[str, Any]
    problems: list[str]

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, float) and value == int(value):
            value = int(value)
        return str(value).strip()


# --------------------------------------------------------------------------- numbers


_THOUSANDS_COMMA = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_DOTS_ONLY_GROUPS = re.compile(r"-?\d{1,3}(\.\d{3}){2,}")
_AMBIGUOUS = re.compile(r"-?\d{1,3}\.\d{3}")
_PLAIN = re.compile(r"-?\d+([.,]\d+)?")


def parse_number(value: Any, unit: str) -> float:
    """A cell's number (see the module's rules); ValueError with the German reason."""
    if isinstance(value, Formula):
        raise ValueError(
            "Formel ohne berechneten Wert (Datei in Excel speichern oder Wert eintragen)"
        )
    if isinstance(value, Percent):
        if unit != "%":
            raise ValueError(f"Zelle ist als Prozent formatiert, die Einheit ist {unit}")
        return float(Decimal(repr(value.value)) * 100)  # 0.57 * 100 is 56.99999999999999
    if isinstance(value, bool):
        raise ValueError("Wahrheitswert statt Zahl")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise ValueError("Datum statt Zahl")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").removesuffix("%")
    if _THOUSANDS_COMMA.fullmatch(text) and "," in text or _DOTS_ONLY_GROUPS.fullmatch(text):
        return float(text.replace(".", "").replace(",", "."))
    if _AMBIGUOUS.fullmatch(text):
        raise ValueError(
            f"„{value}“ ist mehrdeutig (Tausenderpunkt oder Dezimalpunkt?); "
            f"bitte {text.replace('.', '')} oder {text.replace('.', ',')} schreiben"
        )
    if _PLAIN.fullmatch(text):
        return float(text.replace(",", "."))
    raise ValueError(f"„{value}“ ist keine Zahl")


# --------------------------------------------------------------------------- places


class Place:
    """Names a cell as people see it: '<Blatt> Zeile <n>, Spalte <X> (<Spaltenname>)'."""

    def __init__(self, sheet: Sheet, headers: list[str]) -> None:
        self.sheet = sheet
        self.headers = headers

    def __call__(self, row: int, index: int) -> str:
        letter = get_column_letter(self.sheet.first_column + index)
        return f"{self.sheet.name} Zeile {row}, Spalte {letter} ({self.headers[index]})"


def _table(
    sheet: Sheet, headers: list[str], problems: list[str]
) -> list[tuple[int, tuple[Any, ...]]] | None:
    """The data rows under the sheet's header row; None (and a problem) without one."""
    place = Place(sheet, headers)
    for position, (number, cells) in enumerate(sheet.rows):
        first = cells[0] if cells else None
        if isinstance(first, str) and first.strip() == headers[0]:
            for index, wanted in enumerate(headers):
                found = cells[index] if index < len(cells) else None
                if (str(found).strip() if found is not None else "") != wanted:
                    problems.append(
                        f"{place(number, index)}: Spaltenüberschrift „{found or ''}“, erwartet "
                        f"„{wanted}“ (Spalten nicht verschieben; Datei für ein anderes Jahr?)"
                    )
            return [
                (n, c)
                for n, c in sheet.rows[position + 1 :]
                if any(_blank(v) is not None for v in c)
            ]
    problems.append(
        f"{sheet.name}: keine Kopfzeile mit „{headers[0]}“ in Spalte "
        f"{get_column_letter(sheet.first_column)} gefunden – ist das das Blatt der Vorlage?"
    )
    return None


def _blank(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _cell(cells: tuple[Any, ...], index: int) -> Any:
    return _blank(cells[index]) if index < len(cells) else None


def _text(cells: tuple[Any, ...], index: int) -> str | None:
    value = _cell(cells, index)
    if value is None:
        return None
    if isinstance(value, Percent):
        value = value.value
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return str(value).strip()


# --------------------------------------------------------------------------- sheets


def check_sheets(sheets: dict[str, Sheet]) -> list[str]:
    """Missing sheets of the template, and sheets that do not belong to it."""
    problems = [
        f"{name}: das Blatt „{name}“ fehlt (vorhanden: {', '.join(sheets) or 'keines'}); "
        "bitte die Vorlage von `kreislauf template` verwenden"
        for name in SHEETS
        if name not in sheets
    ]
    for name, sheet in sheets.items():
        if name in SHEETS or name == CSV_SHEET_COLUMN or not _has_values(sheet):
            continue
        where = (
            f" Zeile {sheet.rows[0][0]}, Spalte A ({CSV_SHEET_COLUMN})"
            if sheet.first_column == 2
            else ""
        )
        problems.append(
            f"{name}{where}: das Blatt „{name}“ gehört nicht zur Vorlage "
            f"(erwartet: {', '.join(SHEETS)}); Werte bitte nur in die Vorlage eintragen"
        )
    return problems


def _has_values(sheet: Sheet) -> bool:
    return any(_blank(value) is not None for _, cells in sheet.rows for value in cells)


def read_info(sheets: dict[str, Sheet]) -> Info:
    """The Info sheet's fields, and what is wrong with the template's identity."""
    problems: list[str] = []
    sheet = sheets.get(INFO)
    if sheet is None:
        return Info({}, problems)
    rows = _table(sheet, INFO_HEADERS, problems)
    values = {_text(cells, 0): _cell(cells, 1) for _, cells in rows or []}
    info = Info(values, problems)
    if rows is not None:
        place = Place(sheet, INFO_HEADERS)
        row_of = {_text(cells, 0): number for number, cells in rows}
        if info.text(INFO_TEMPLATE) != TEMPLATE_NAME:
            problems.append(
                _info_problem(place, row_of, INFO_TEMPLATE, "keine Vorlage von kreislauf")
            )
        elif info.text(INFO_VERSION) != str(TEMPLATE_VERSION):
            problems.append(
                _info_problem(
                    place,
                    row_of,
                    INFO_VERSION,
                    f"Vorlagenversion {info.text(INFO_VERSION)!r} wird nicht gelesen "
                    f"(aktuell {TEMPLATE_VERSION}); bitte eine neue Vorlage erzeugen",
                )
            )
        for name in (INFO_BODY, INFO_CYCLE, INFO_DEPARTMENT):
            if not info.text(name):
                problems.append(_info_problem(place, row_of, name, "Angabe fehlt"))
    return info


def _info_problem(place: Place, row_of: dict[str | None, int], name: str, problem: str) -> str:
    if name in row_of:
        return f"{place(row_of[name], 1)}: {name}: {problem}"
    return f"{place.sheet.name}, Spalte A ({INFO_HEADERS[0]}): Feld „{name}“ fehlt"


def check_identity(info: Info, sheets: dict[str, Sheet], expected: Expected) -> list[str]:
    """A file for another body, cycle year or department."""
    sheet = sheets[INFO]
    place = Place(sheet, INFO_HEADERS)
    row_of = {name: number for number, cells in sheet.rows if (name := _text(cells, 0))}
    problems = []
    wanted = (
        (INFO_BODY, expected.body_slug, "die Körperschaft"),
        (INFO_CYCLE, str(expected.cycle_year), "den Steuerungskreislauf"),
        (INFO_DEPARTMENT, expected.department_key, "den Fachbereich"),
    )
    for name, value, what in wanted:
        found = info.text(name)
        if found is not None and found != value:
            problems.append(
                _info_problem(
                    place,
                    row_of,
                    name,
                    f"die Datei ist für {what} „{found}“, erwartet „{value}“",
                )
            )
    return problems


# --------------------------------------------------------------------------- rows


def check_figures(sheet: Sheet, expected: Expected, report: Report) -> None:
    headers = figure_headers(expected.report_year)
    rows = _table(sheet, headers, report.problems)
    if rows is None:
        return
    place = Place(sheet, headers)
    specs = {spec.key: spec for spec in expected.figures}
    seen: dict[str, int] = {}
    for number, cells in rows:
        key = _text(cells, 0)
        spec = _known_row(key, specs, seen, number, place, report.problems, "Kennzahl")
        if spec is None:
            continue
        unit = _text(cells, 2)
        if unit != spec.unit:
            report.problems.append(
                f"{place(number, 2)}: Einheit „{unit or ''}“ passt nicht zur Kennzahl "
                f"„{spec.key}“ (Einheit „{spec.unit}“)"
            )
        actual = _actual(cells, number, spec, place, report.problems)
        if actual is not None:
            report.figures.append(ReportedFigure(spec.key, actual, _text(cells, 6)))
    _missing(specs, seen, sheet, place, report.problems, "Kennzahl")


def _actual(
    cells: tuple[Any, ...], number: int, spec: FigureSpec, place: Place, problems: list[str]
) -> float | None:
    raw = _cell(cells, 5)
    if raw is None:
        problems.append(f"{place(number, 5)}: Ist-Wert fehlt für „{spec.name}“")
        return None
    try:
        actual = parse_number(raw, spec.unit)
    except ValueError as error:
        problems.append(f"{place(number, 5)}: {error}")
        return None
    if not math.isfinite(actual):
        problems.append(f"{place(number, 5)}: {figure_number(actual)} ist keine gültige Zahl")
        return None
    low, high = spec.plausible_min, spec.plausible_max
    if (low is not None and actual < low) or (high is not None and actual > high):
        problems.append(
            f"{place(number, 5)}: {figure_number(actual)} liegt außerhalb des plausiblen "
            f"Bereichs {figure_number(low)} bis {figure_number(high)} {spec.unit}"
        )
        return None
    if (low is None or high is None) and abs(actual) >= HUGE:
        problems.append(
            f"{place(number, 5)}: {figure_number(actual)} ist unplausibel groß "
            f"(Betrag ab {figure_number(HUGE)})"
        )
        return None
    return actual


def _known_row(
    key: str | None,
    known: dict[str, Any],
    seen: dict[str, int],
    number: int,
    place: Place,
    problems: list[str],
    what: str,
) -> Any:
    """The expected thing a row's key names, or None after noting an unknown or duplicate."""
    if key is None:
        problems.append(f"{place(number, 0)}: Schlüssel fehlt (Zeilen nicht einfügen)")
        return None
    if key not in known:
        problems.append(
            f"{place(number, 0)}: unbekannte {what} „{key}“ (nicht in der Vorlage dieses "
            "Fachbereichs)"
        )
        return None
    if key in seen:
        problems.append(
            f"{place(number, 0)}: {what} „{key}“ steht doppelt (schon in Zeile {seen[key]})"
        )
        return None
    seen[key] = number
    return known[key]


def _missing(
    known: dict[str, Any],
    seen: dict[str, int],
    sheet: Sheet,
    place: Place,
    problems: list[str],
    what: str,
) -> None:
    letter = get_column_letter(sheet.first_column)
    for key in known:
        if key not in seen:
            problems.append(
                f"{sheet.name}, Spalte {letter} ({place.headers[0]}): {what} „{key}“ fehlt "
                "(Zeilen nicht löschen)"
            )


def check_measures(sheet: Sheet, expected: Expected, report: Report) -> None:
    rows = _table(sheet, MEASURE_HEADERS, report.problems)
    if rows is None:
        return
    place = Place(sheet, MEASURE_HEADERS)
    known = {key: key for key in expected.measure_keys}
    seen: dict[str, int] = {}
    labels = ", ".join(status.label for status in MeasureStatus)
    for number, cells in rows:
        key = _known_row(_text(cells, 0), known, seen, number, place, report.problems, "Maßnahme")
        if key is None:
            continue
        text = _text(cells, 3)
        status = MeasureStatus.from_label(text) if text else None
        if status is None:
            report.problems.append(
                f"{place(number, 3)}: Status „{text or ''}“ unbekannt (erlaubt: {labels})"
            )
            continue
        report.measures.append(ReportedMeasure(key, status, _text(cells, 4)))
    _missing(known, seen, sheet, place, report.problems, "Maßnahme")


def check_report(sheets: dict[str, Sheet], info: Info, expected: Expected) -> Report:
    """Every problem of the file against what the department must report."""
    report = Report(problems=check_sheets(sheets) + info.problems)
    if INFO in sheets:
        report.problems += check_identity(info, sheets, expected)
    checks: list[tuple[str, Callable[[Sheet, Expected, Report], None]]] = [
        (FIGURES, check_figures),
        (MEASURES, check_measures),
    ]
    for name, check in checks:
        if name in sheets:
            check(sheets[name], expected, report)
    return report
