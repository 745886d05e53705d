"""How the .xlsx figures workbook looks: formats, widths, input cells, protection, lists."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from models.strategy import MeasureStatus
from models.workbook_layout import (
    HEADER_FILL,
    INPUT_FILL,
    TITLE_ROWS,
    FigureRow,
    Template,
    figure_number,
)

HEADER_ROW = TITLE_ROWS + 1


def _frame(sheet: Any, widths: list[int], columns: int) -> None:
    """Title, header row in bold, widths, frozen header, protection without a password."""
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].font = Font(italic=True)
    for column in range(1, columns + 1):
        cell = sheet.cell(row=HEADER_ROW, column=column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.protection.sheet = True  # no password: against accidents, not against people
    sheet.protection.formatColumns = False  # widths may still be changed
    sheet.protection.formatRows = False


def _input(cell: Any, number_format: str | None = None) -> None:
    cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
    cell.protection = Protection(locked=False)
    if number_format:
        cell.number_format = number_format


def number_format(values: list[float | None], unit: str) -> str:
    """Thousands separator, as many decimals as the figure's values use (at most 2)."""
    decimals = 0
    for value in values:
        if value is not None and value != int(value):
            decimals = max(decimals, min(2, len(f"{value:.6f}".rstrip("0").split(".")[1])))
    base = "#,##0" + ("." + "0" * decimals if decimals else "")
    return base + ('" %"' if unit == "%" else "")


def style_figures(sheet: Any, template: Template) -> None:
    _frame(sheet, [28, 60, 14, 12, 12, 14, 50], 7)
    for offset, figure in enumerate(template.figures):
        row = HEADER_ROW + 1 + offset
        fmt = number_format([figure.target, figure.last_actual], figure.unit)
        sheet.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        for column in (4, 5):
            sheet.cell(row=row, column=column).number_format = fmt
        _input(sheet.cell(row=row, column=6), fmt)
        _input(sheet.cell(row=row, column=7))
        sheet.cell(row=row, column=7).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.add_data_validation(_plausible(figure, f"F{row}"))


class _Rule(TypedDict):
    operator: Literal["between", "greaterThanOrEqual", "lessThanOrEqual"]
    formula1: str
    formula2: NotRequired[str]


def _plausible(figure: FigureRow, cell: str) -> DataValidation:
    """Excel refuses text and implausible values while typing; submit checks again."""
    low, high = figure.plausible_min, figure.plausible_max
    rule: _Rule
    if low is not None and high is not None:
        rule = {"operator": "between", "formula1": _formula(low), "formula2": _formula(high)}
        hint = f"zwischen {figure_number(low)} und {figure_number(high)} {figure.unit}"
    elif low is not None:
        rule = {"operator": "greaterThanOrEqual", "formula1": _formula(low)}
        hint = f"ab {figure_number(low)} {figure.unit}"
    elif high is not None:
        rule = {"operator": "lessThanOrEqual", "formula1": _formula(high)}
        hint = f"bis {figure_number(high)} {figure.unit}"
    else:
        rule = {"operator": "greaterThanOrEqual", "formula1": "-1E+300"}
        hint = "(z. B. 1.234,5)"
    check = DataValidation(
        type="decimal",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Wert prüfen",
        error=f"Bitte eine Zahl {hint} eintragen.",
        **rule,
    )
    check.add(cell)
    return check


def _formula(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def style_measures(sheet: Any, template: Template) -> None:
    _frame(sheet, [34, 50, 60, 16, 50], 5)
    for offset in range(len(template.measures)):
        row = HEADER_ROW + 1 + offset
        for column in (2, 3):
            sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
        _input(sheet.cell(row=row, column=4))
        _input(sheet.cell(row=row, column=5))
    if template.measures:
        labels = ",".join(status.label for status in MeasureStatus)
        choice = DataValidation(
            type="list",
            formula1=f'"{labels}"',
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="Unbekannter Status",
            error=f"Bitte einen Status aus der Liste wählen: {labels}.",
        )
        choice.add(f"D{HEADER_ROW + 1}:D{HEADER_ROW + len(template.measures)}")
        sheet.add_data_validation(choice)


def style_info(sheet: Any) -> None:
    _frame(sheet, [24, 90], 2)
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
        row[1].alignment = Alignment(wrap_text=True, horizontal="left")


def print_setup(book: Any) -> None:
    """Every sheet of `book` prints on A4 landscape, fit to the page's width (as many pages
    down as needed), its header row (the last frozen row) repeated on every page: without
    this a wide sheet prints as dozens of pages of single columns."""
    from openpyxl.utils.cell import coordinate_from_string
    from openpyxl.worksheet.properties import PageSetupProperties

    for sheet in book.worksheets:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0  # 0: as many pages down as the rows need
        if sheet.sheet_properties.pageSetUpPr is None:
            sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        else:
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
        if sheet.freeze_panes:
            header = coordinate_from_string(sheet.freeze_panes)[1] - 1
            if header >= 1:
                sheet.print_title_rows = f"{header}:{header}"
