"""Whose file and which sheets: the template's sheets, its Info sheet and its identity.

Apart from the row checks because a file for another body, year or department is refused
before its rows are looked at: their problems would only follow from that one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.workbook_layout import (
    CSV_SHEET_COLUMN,
    INFO,
    INFO_BODY,
    INFO_CYCLE,
    INFO_DEPARTMENT,
    INFO_HEADERS,
    INFO_TEMPLATE,
    INFO_VERSION,
    SHEETS,
    TEMPLATE_NAME,
    TEMPLATE_VERSION,
    Sheet,
)
from models.workbook_place import Place, blank, cell_text, cell_value, data_rows
from models.workbook_report import Expected


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


def check_sheets(sheets: dict[str, Sheet]) -> list[str]:
    """Missing sheets of the template, and sheets that do not belong to it."""
    problems = [
        f"{name}: das Blatt „{name}“ fehlt (vorhanden: {', '.join(sheets) or 'keines'}); "
        "bitte die Vorlage des Fachbereichs verwenden"
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
    return any(blank(value) is not None for _, cells in sheet.rows for value in cells)


def read_info(sheets: dict[str, Sheet]) -> Info:
    """The Info sheet's fields, and what is wrong with the template's identity."""
    problems: list[str] = []
    sheet = sheets.get(INFO)
    if sheet is None:
        return Info({}, problems)
    rows = data_rows(sheet, INFO_HEADERS, problems)
    values = {
        name: cell_value(cells, 1)
        for _, cells in rows or []
        if (name := cell_text(cells, 0)) is not None
    }
    info = Info(values, problems)
    if rows is not None:
        place = Place(sheet, INFO_HEADERS)
        row_of = {name: number for number, cells in rows if (name := cell_text(cells, 0))}
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


def _info_problem(place: Place, row_of: dict[str, int], name: str, problem: str) -> str:
    if name in row_of:
        return f"{place(row_of[name], 1)}: {name}: {problem}"
    return f"{place.sheet.name}, Spalte A ({INFO_HEADERS[0]}): Feld „{name}“ fehlt"


def check_identity(info: Info, sheets: dict[str, Sheet], expected: Expected) -> list[str]:
    """A file for another body, cycle year or department."""
    sheet = sheets[INFO]
    place = Place(sheet, INFO_HEADERS)
    row_of = {name: number for number, cells in sheet.rows if (name := cell_text(cells, 0))}
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
