"""The figures workbook (Kennzahlen-Meldung): its layout, writing it as .xlsx or .csv, and
reading a returned file back into plain rows. No database here.

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
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from models.errors import KreislaufError, Remedy
from models.strategy import MeasureStatus

TEMPLATE_NAME = "kreislauf-Kennzahlenmeldung"
TEMPLATE_VERSION = 1
FIGURES = "Kennzahlen"
MEASURES = "Maßnahmen"
INFO = "Info"
SHEETS = (FIGURES, MEASURES, INFO)
CSV_SHEET_COLUMN = "Blatt"
INPUT_FILL = "FFF2CC"  # light yellow: "write here"
HEADER_FILL = "DDEBF7"


class SubmissionInvalid(KreislaufError):
    """A submitted file that cannot be taken over; `problems` names sheet, row and column."""


@dataclass(frozen=True)
class FigureRow:
    key: str
    name: str
    unit: str
    target: float | None
    last_actual: float | None
    actual: float | None = None
    comment: str | None = None
    plausible_min: float | None = None
    plausible_max: float | None = None


@dataclass(frozen=True)
class MeasureRow:
    key: str
    goal: str
    text: str
    status: MeasureStatus
    comment: str | None = None


@dataclass(frozen=True)
class Template:
    body_slug: str
    body_name: str
    cycle_year: int
    department_key: str
    department_name: str
    figures: list[FigureRow]
    measures: list[MeasureRow]

    @property
    def report_year(self) -> int:
        return self.cycle_year - 1


def figure_headers(report_year: int) -> list[str]:
    return [
        "Schlüssel",
        "Kennzahl",
        "Einheit",
        f"Soll {report_year}",
        f"Ist {report_year - 1}",
        f"Ist {report_year}",
        "Kommentar",
    ]


MEASURE_HEADERS = ["Schlüssel", "Leistungsziel", "Maßnahme", "Status", "Kommentar"]
INFO_HEADERS = ["Feld", "Wert"]
# Info rows the reader relies on; the others are for people.
INFO_BODY = "Körperschaft"
INFO_CYCLE = "Steuerungskreislauf"
INFO_REPORT_YEAR = "Berichtsjahr"
INFO_DEPARTMENT = "Fachbereich"
INFO_TEMPLATE = "Vorlage"
INFO_VERSION = "Vorlagenversion"


def year_note(template: Template) -> str:
    r = template.report_year
    return (
        f"Steuerungskreislauf {template.cycle_year}: gemeldet wird das Berichtsjahr {r} "
        f"(Jahresabschluss). Soll {r} und Ist {r - 1} dienen zur Orientierung; bitte Ist {r} "
        "und Kommentar in die gelben Zellen eintragen."
    )


def info_rows(template: Template) -> list[list[Any]]:
    return [
        [INFO_TEMPLATE, TEMPLATE_NAME],
        [INFO_VERSION, TEMPLATE_VERSION],
        [INFO_BODY, template.body_slug],
        ["Name der Körperschaft", template.body_name],
        [INFO_CYCLE, template.cycle_year],
        [INFO_REPORT_YEAR, template.report_year],
        [INFO_DEPARTMENT, template.department_key],
        ["Name des Fachbereichs", template.department_name],
        ["Hinweis", year_note(template)],
        [
            "Zahlen",
            "Deutsche Schreibweise (1.234,5) oder Zahlen in Excel-Zellen; "
            "Status: " + ", ".join(s.label for s in MeasureStatus),
        ],
    ]


def figure_cells(row: FigureRow) -> list[Any]:
    return [row.key, row.name, row.unit, row.target, row.last_actual, row.actual, row.comment]


def measure_cells(row: MeasureRow) -> list[Any]:
    return [row.key, row.goal, row.text, MeasureStatus(row.status).label, row.comment]


# --------------------------------------------------------------------------- writing


def write_csv(template: Template) -> bytes:
    """One semicolon-separated file with a BOM, numbers with decimal comma, no thousands dots."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    sections = [
        (FIGURES, figure_headers(template.report_year), map(figure_cells, template.figures)),
        (MEASURES, MEASURE_HEADERS, map(measure_cells, template.measures)),
        (INFO, INFO_HEADERS, info_rows(template)),
    ]
    writer.writerow([CSV_SHEET_COLUMN, "Hinweis", year_note(template)])
    for sheet, headers, rows in sections:
        writer.writerow([sheet, *headers])
        for cells in rows:
            writer.writerow([sheet, *(_csv_value(value) for value in cells)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(value)


def write_xlsx(template: Template) -> bytes:
    """An .xlsx workbook that looks like office software: bold headers, widths, formats,
    frozen header rows, yellow input cells, the rest protected (no password)."""
    from openpyxl import Workbook

    from models.workbook_style import style_figures, style_info, style_measures

    book = Workbook()
    figures = book.active
    figures.title = FIGURES
    _fill(figures, template, f"Kennzahlen {template.department_name}", FIGURES)
    style_figures(figures, template)
    measures = book.create_sheet(MEASURES)
    _fill(measures, template, f"Maßnahmen {template.department_name}", MEASURES)
    style_measures(measures, template)
    info = book.create_sheet(INFO)
    _fill(info, template, "Angaben zur Vorlage (bitte nicht ändern)", INFO)
    style_info(info)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TITLE_ROWS = 2  # in .xlsx: a title and the year note, then the header row (row 3)


def _fill(sheet: Any, template: Template, title: str, kind: str) -> None:
    sheet.append([title])
    sheet.append([year_note(template)])
    if kind == FIGURES:
        sheet.append(figure_headers(template.report_year))
        for row in template.figures:
            sheet.append(figure_cells(row))
    elif kind == MEASURES:
        sheet.append(MEASURE_HEADERS)
        for row in template.measures:
            sheet.append(measure_cells(row))
    else:
        sheet.append(INFO_HEADERS)
        for cells in info_rows(template):
            sheet.append(cells)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Percent:
    """A number Excel shows with a percent format: 0.64 displayed as 64 %."""

    value: float


@dataclass(frozen=True)
class Formula:
    """A formula cell the file holds no computed value for (written by a program, not Excel)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Sheet:
    """A sheet's rows as read: (row number, cell values starting at `first_column`)."""

    name: str
    rows: list[tuple[int, tuple[Any, ...]]]
    first_column: int = 1


def read_sheets(data: bytes, filename: str) -> dict[str, Sheet]:
    """The sheets of an uploaded .xlsx or .csv; SubmissionInvalid when the file is empty,
    corrupt or of another kind. Which format: the name's suffix, else the content."""
    if not data.strip():
        raise SubmissionInvalid(f"Die Datei {filename} ist leer.")
    suffix = filename.rsplit(".", 1)[-1].casefold() if "." in filename else ""
    if suffix in ("xlsx", "xlsm") or (suffix != "csv" and data[:2] == b"PK"):
        return _read_xlsx(data, filename)
    if suffix == "xls":
        raise SubmissionInvalid(
            f"{filename}: das alte Excel-Format .xls wird nicht gelesen; bitte als .xlsx speichern."
        )
    return _read_csv(data, filename)


def _read_xlsx(data: bytes, filename: str) -> dict[str, Sheet]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SubmissionInvalid(
            f"Die Datei {filename} ist keine gültige Excel-Datei (.xlsx): "
            "beschädigt, unvollständig übertragen oder ein anderes Format."
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            return {
                sheet.title: _xlsx_sheet(sheet, formulas[sheet.title]) for sheet in book.worksheets
            }
        finally:
            book.close()
            formulas.close()
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SubmissionInvalid(
            f"Die Datei {filename} ist keine gültige Excel-Datei (.xlsx) oder beschädigt "
            f"({type(error).__name__})."
        ) from None


def _xlsx_sheet(sheet: Any, formulas: Any) -> Sheet:
    """The cached values; a formula without one becomes `Formula` (data_only reads None)."""
    rows = []
    pairs = zip(sheet.iter_rows(min_row=1), formulas.iter_rows(min_row=1), strict=False)
    for number, (cells, raw) in enumerate(pairs, start=1):
        values = tuple(
            _xlsx_value(cell, raw[index] if index < len(raw) else None)
            for index, cell in enumerate(cells)
        )
        rows.append((number, values))
    return Sheet(sheet.title, rows)


def _xlsx_value(cell: Any, raw: Any = None) -> Any:
    value = getattr(cell, "value", None)
    if value is None and getattr(raw, "data_type", None) == "f":
        return Formula(str(raw.value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _is_percent_format(getattr(cell, "number_format", "") or ""):
            return Percent(float(value))
    return value


def _is_percent_format(number_format: str) -> bool:
    """A percent sign outside quotes: Excel has divided what was typed by 100."""
    quoted = False
    for char in number_format:
        if char == '"':
            quoted = not quoted
        elif char == "%" and not quoted:
            return True
    return False


CSV_DELIMITERS = (";", ",", "\t")


def _csv_delimiter(text: str) -> str | None:
    """The separator under which the first non-empty line's first cell is "Blatt"."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    for delimiter in CSV_DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        if cells and cells[0].strip() == CSV_SHEET_COLUMN:
            return delimiter
    return None


def _read_csv(data: bytes, filename: str) -> dict[str, Sheet]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # German Excel's "CSV (Trennzeichen)"
    if "\x00" in text:
        raise SubmissionInvalid(f"Die Datei {filename} ist weder eine .xlsx- noch eine CSV-Datei.")
    delimiter = _csv_delimiter(text)
    if delimiter is None:
        raise SubmissionInvalid(
            f"Die Datei {filename} ist keine CSV-Datei der Vorlage: die erste Zeile muss in "
            f"Spalte A „{CSV_SHEET_COLUMN}“ enthalten, getrennt durch Semikolon, Komma oder "
            "Tabulator.",
            hint="Bitte die Vorlage des Fachbereichs verwenden.",
            remedy=Remedy.template,
        )
    sheets: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if not cells or not any(cell.strip() for cell in cells):
            continue
        sheets.setdefault(cells[0].strip(), []).append(
            (number, tuple(cell if cell.strip() else None for cell in cells[1:]))
        )
    return {name: Sheet(name, rows, first_column=2) for name, rows in sheets.items()}
