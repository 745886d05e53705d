"""The rows of the figures and measures sheets against what the department must report.

An empty actual is a problem ("Ist-Wert fehlt"): an accepted submission is the figure's
actual in the evaluation, and "not known" has to be said in the comment of a figure whose
value is then agreed with the controlling office, not silently left out. An infinite number,
and a number of 10^15 or more where the figure's plausible range leaves that side open, is
refused.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl.utils import get_column_letter

from models.german import HUGE
from models.strategy import MeasureStatus
from models.workbook_layout import MEASURE_HEADERS, Sheet, figure_headers, figure_number
from models.workbook_number import parse_number
from models.workbook_place import Place, cell_text, cell_value, data_rows
from models.workbook_report import Expected, FigureSpec, Report, ReportedFigure, ReportedMeasure


def check_figures(sheet: Sheet, expected: Expected, report: Report) -> None:
    headers = figure_headers(expected.report_year)
    rows = data_rows(sheet, headers, report.problems)
    if rows is None:
        return
    place = Place(sheet, headers)
    specs = {spec.key: spec for spec in expected.figures}
    seen: dict[str, int] = {}
    for number, cells in rows:
        key = cell_text(cells, 0)
        spec = _known_row(key, specs, seen, number, place, report.problems, "Kennzahl")
        if spec is None:
            continue
        unit = cell_text(cells, 2)
        if unit != spec.unit:
            report.problems.append(
                f"{place(number, 2)}: Einheit „{unit or ''}“ passt nicht zur Kennzahl "
                f"„{spec.key}“ (Einheit „{spec.unit}“)"
            )
        actual = _actual(cells, number, spec, place, report.problems)
        if _formula(sheet, number, 6, place, report.problems):
            continue
        comment, fits = _comment(cells, number, 6, place, report.problems)
        if actual is not None and fits:
            report.figures.append(ReportedFigure(spec.key, actual, comment))
    _missing(specs, seen, sheet, place, report.problems, "Kennzahl")


def _actual(
    cells: tuple[Any, ...], number: int, spec: FigureSpec, place: Place, problems: list[str]
) -> float | None:
    raw = cell_value(cells, 5)
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


MAX_COMMENT = 2_000  # characters of a comment; the reports print it whole


def _comment(
    cells: tuple[Any, ...], number: int, index: int, place: Place, problems: list[str]
) -> tuple[str | None, bool]:
    """A row's comment and whether it fits, after noting one over MAX_COMMENT."""
    text = cell_text(cells, index)
    if text is not None and len(text) > MAX_COMMENT:
        problems.append(
            f"{place(number, index)}: der Kommentar ist {len(text):_} Zeichen lang, erlaubt "
            f"sind höchstens {MAX_COMMENT:_}".replace("_", ".")
        )
        return None, False
    return text, True


def _formula(sheet: Sheet, number: int, index: int, place: Place, problems: list[str]) -> bool:
    """Whether a text cell (a comment, a status) holds a formula, after noting it: its text
    would be the formula's, and a formula carried on into the reports could act there."""
    if (number, index) not in sheet.formulas:
        return False
    problems.append(
        f"{place(number, index)}: enthält eine Formel; hier ist nur Text erlaubt (bitte den "
        "Text ohne führendes „=“ eintragen)"
    )
    return True


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
    rows = data_rows(sheet, MEASURE_HEADERS, report.problems)
    if rows is None:
        return
    place = Place(sheet, MEASURE_HEADERS)
    known = {key: key for key in expected.measure_keys}
    seen: dict[str, int] = {}
    labels = ", ".join(status.label for status in MeasureStatus)
    for number, cells in rows:
        key = _known_row(
            cell_text(cells, 0), known, seen, number, place, report.problems, "Maßnahme"
        )
        if key is None:
            continue
        formulas = [_formula(sheet, number, index, place, report.problems) for index in (3, 4)]
        if any(formulas):
            continue
        text = cell_text(cells, 3)
        status = MeasureStatus.from_label(text) if text else None
        if status is None:
            report.problems.append(
                f"{place(number, 3)}: Status „{text or ''}“ unbekannt (erlaubt: {labels})"
            )
            continue
        comment, fits = _comment(cells, number, 4, place, report.problems)
        if fits:
            report.measures.append(ReportedMeasure(key, status, comment))
    _missing(known, seen, sheet, place, report.problems, "Maßnahme")
