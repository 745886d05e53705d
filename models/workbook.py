"""The figures workbook (Kennzahlen-Meldung) written as .xlsx or .csv. No database here; the
layout lives in `models.workbook_layout`, reading a returned file in `models.workbook_read`.

Year logic: cycle year N's spring evaluation reports budget year N-1 (the Berichtsjahr, with
the year-end closing). The workbook of cycle 2027 shows each key figure's target for 2026 and
the actual of 2025 for orientation, and asks for the actual of 2026 and a comment; the
measures are those of the 2026 operational goals, with their current status.

Layout (the same columns in both formats):
- sheet "Kennzahlen": Schlüssel | Kennzahl | Einheit | Soll R | Ist R-1 | Ist R | Kommentar
- sheet "Maßnahmen": Schlüssel | Leistungsziel | Maßnahme | Status | Kommentar
- sheet "Info": Feld | Wert, naming body, cycle year, report year, department, version.
In .xlsx each sheet has two title lines above its header row; the input cells are yellow and
unlocked, everything else is locked by sheet protection without a password. The .csv is one
file for German Excel (UTF-8 with BOM, semicolons, decimal comma) whose column A names the
sheet a row belongs to; each section starts with its header row. Read back, the separator is
the one (semicolon, comma or tab) under which the first line starts with "Blatt".

No text is ever written as a formula (`models.cell_text`): in the .csv a text starting with
=, +, -, @, tab or CR gets a leading ' (which the reader takes off again), in the .xlsx such a
cell is a string cell. An uploaded .xlsx whose comment or status cell holds a formula is
refused; in a .csv every cell is text, so a comment starting with "=" is taken as text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from models.cell_text import as_text, csv_text
from models.workbook_layout import (
    CSV_SHEET_COLUMN,
    FIGURES,
    INFO,
    INFO_HEADERS,
    MEASURE_HEADERS,
    MEASURES,
    Template,
    figure_cells,
    figure_headers,
    info_rows,
    measure_cells,
    year_note,
)


def write_csv(template: Template) -> bytes:
    """One semicolon-separated file with a BOM, numbers with decimal comma, no thousands dots."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    sections = [
        (FIGURES, figure_headers(template.report_year), map(figure_cells, template.figures)),
        (MEASURES, MEASURE_HEADERS, map(measure_cells, template.measures)),
        (INFO, INFO_HEADERS, info_rows(template)),
    ]
    writer.writerow([CSV_SHEET_COLUMN, "Hinweis", csv_text(year_note(template))])
    for sheet, headers, rows in sections:
        writer.writerow([sheet, *map(csv_text, headers)])
        for cells in rows:
            writer.writerow([sheet, *(_csv_value(value) for value in cells)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    if isinstance(value, str):
        return csv_text(value)  # a text someone typed: never a formula (models.cell_text)
    return str(value)


def write_xlsx(template: Template) -> bytes:
    """An .xlsx workbook that looks like office software: bold headers, widths, formats,
    frozen header rows, yellow input cells, the rest protected (no password)."""
    from openpyxl import Workbook

    from models.workbook_style import print_setup, style_figures, style_info, style_measures

    book = Workbook()
    figures = book.worksheets[0]  # a new workbook's one sheet
    figures.title = FIGURES
    _fill(figures, template, f"Kennzahlen {template.department_name}", FIGURES)
    style_figures(figures, template)
    measures = book.create_sheet(MEASURES)
    _fill(measures, template, f"Maßnahmen {template.department_name}", MEASURES)
    style_measures(measures, template)
    info = book.create_sheet(INFO)
    _fill(info, template, "Angaben zur Vorlage (bitte nicht ändern)", INFO)
    style_info(info)
    as_text(book.worksheets)  # names, texts and comments people typed: never a formula
    print_setup(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(sheet: Any, template: Template, title: str, kind: str) -> None:
    sheet.append([title])
    sheet.append([year_note(template)])
    if kind == FIGURES:
        sheet.append(figure_headers(template.report_year))
        for row in template.figures:
            sheet.append(figure_cells(row))
    elif kind == MEASURES:
        sheet.append(MEASURE_HEADERS)
        for measure in template.measures:
            sheet.append(measure_cells(measure))
    else:
        sheet.append(INFO_HEADERS)
        for cells in info_rows(template):
            sheet.append(cells)
