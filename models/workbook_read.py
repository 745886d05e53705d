"""Reading a returned figures workbook (.xlsx or .csv) back into plain rows.

Kept apart from writing: an upload is read where no template is built, and the reader's
guesses (separator, percent cells, formulas without values) are a subject of their own.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Callable
from typing import Any

from models.cell_text import csv_unescape
from models.errors import Remedy
from models.workbook_layout import CSV_SHEET_COLUMN, Formula, Percent, Sheet, SubmissionInvalid

MAX_FILE_BYTES = 5 * 1024 * 1024  # a filled template is a few kilobytes
MAX_ROWS = 5_000  # rows per sheet; a template has one row per key figure or measure


def _german_count(number: int) -> str:
    return f"{number:_}".replace("_", ".")


def too_large(filename: str) -> SubmissionInvalid:
    """The refusal of a file over MAX_FILE_BYTES (the CLI's and the web's)."""
    return SubmissionInvalid(
        f"Die Datei {filename} ist größer als {MAX_FILE_BYTES // (1024 * 1024)} MB und wurde "
        "nicht gelesen; nichts wurde gespeichert.",
        hint="Bitte die Vorlage des Fachbereichs verwenden.",
        remedy=Remedy.template,
        field="content",
    )


def _too_many_rows(filename: str, sheet: str) -> SubmissionInvalid:
    return SubmissionInvalid(
        f"Die Datei {filename} wurde nicht übernommen: das Blatt „{sheet}“ hat mehr als "
        f"{_german_count(MAX_ROWS)} Zeilen; nichts wurde gespeichert.",
        hint="Bitte die Vorlage des Fachbereichs verwenden (Zeilen nicht einfügen).",
        remedy=Remedy.template,
    )


def read_sheets(data: bytes, filename: str) -> dict[str, Sheet]:
    """The sheets of an uploaded .xlsx or .csv; SubmissionInvalid when the file is empty,
    corrupt or of another kind. Which format: the name's suffix, else the content."""
    if len(data) > MAX_FILE_BYTES:  # before any parsing
        raise too_large(filename)
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
            for sheet in book.worksheets:  # the declared size first: no row read of a huge sheet
                if (getattr(sheet, "max_row", None) or 0) > MAX_ROWS:
                    raise _too_many_rows(filename, sheet.title)
            return {
                sheet.title: _xlsx_sheet(sheet, formulas[sheet.title], filename)
                for sheet in book.worksheets
            }
        finally:
            book.close()
            formulas.close()
    except SubmissionInvalid:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SubmissionInvalid(
            f"Die Datei {filename} ist keine gültige Excel-Datei (.xlsx) oder beschädigt "
            f"({type(error).__name__})."
        ) from None


def _xlsx_sheet(sheet: Any, formulas: Any, filename: str) -> Sheet:
    """The cached values; a formula without one becomes `Formula` (data_only reads None).
    Where a cell holds a formula is kept as well: a text cell must not hold one."""
    rows = []
    formula_cells = set()
    pairs = zip(sheet.iter_rows(min_row=1), formulas.iter_rows(min_row=1), strict=False)
    for number, (cells, raw) in enumerate(pairs, start=1):
        if number > MAX_ROWS:  # a sheet without (or with a wrong) declared size
            raise _too_many_rows(filename, sheet.title)
        values = tuple(
            _xlsx_value(cell, raw[index] if index < len(raw) else None)
            for index, cell in enumerate(cells)
        )
        formula_cells |= {(number, index) for index, cell in enumerate(raw) if _is_formula(cell)}
        rows.append((number, values))
    return Sheet(sheet.title, rows, formulas=frozenset(formula_cells))


def _is_formula(raw: Any) -> bool:
    """An Excel formula cell (openpyxl's type "f"; array formulas are formulas too)."""
    return getattr(raw, "data_type", None) == "f"


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
HEAD_CHARS = 1024 * 1024  # where a CSV's header is looked for


def csv_delimiter(text: str, is_header: Callable[[list[str]], bool], lines: int = 1) -> str | None:
    """The separator under which one of the first `lines` non-empty lines is a header (a
    finance system may write a title above it); None when none is."""
    # the first MiB only, line ends as the reader takes them: a 50 MB file is not split whole
    found = (line for line in io.StringIO(text[:HEAD_CHARS], newline=None) if line.strip())
    for line in itertools.islice(found, lines):
        for delimiter in CSV_DELIMITERS:
            try:
                cells = next(csv.reader([line.rstrip("\n")], delimiter=delimiter), [])
            except csv.Error:  # e.g. a field over the csv module's limit: not this separator
                continue
            if cells and is_header(cells):
                return delimiter
    return None


def csv_encoding(data: bytes) -> str:
    """A CSV file's encoding: UTF-8 (with or without BOM) where it is valid UTF-8, else
    Windows-1252, which German Excel's "CSV (Trennzeichen-getrennt)" and many finance systems
    write. Checked a MiB at a time: a large file is not decoded whole to find out."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def decode_text(data: bytes) -> str:
    """A CSV file's text in its encoding (`csv_encoding`)."""
    return data.decode(csv_encoding(data), errors="replace")


def _read_csv(data: bytes, filename: str) -> dict[str, Sheet]:
    text = decode_text(data)
    if "\x00" in text:
        raise SubmissionInvalid(f"Die Datei {filename} ist weder eine .xlsx- noch eine CSV-Datei.")
    delimiter = csv_delimiter(text, lambda cells: cells[0].strip() == CSV_SHEET_COLUMN)
    if delimiter is None:
        raise SubmissionInvalid(
            f"Die Datei {filename} ist keine CSV-Datei der Vorlage: die erste Zeile muss in "
            f"Spalte A „{CSV_SHEET_COLUMN}“ enthalten, getrennt durch Semikolon, Komma oder "
            "Tabulator.",
            hint="Bitte die Vorlage des Fachbereichs verwenden.",
            remedy=Remedy.template,
        )
    sheets: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
    # newline=None: line ends CR LF, LF and CR alone (old Mac software) all end a line
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise SubmissionInvalid(csv_problem(filename, reader.line_num, error)) from None
        number += 1
        if not cells or not any(cell.strip() for cell in cells):
            continue
        rows = sheets.setdefault(cells[0].strip(), [])
        if len(rows) >= MAX_ROWS:
            raise _too_many_rows(filename, cells[0].strip())
        rows.append(
            (number, tuple(csv_unescape(cell) if cell.strip() else None for cell in cells[1:]))
        )
    return {name: Sheet(name, rows, first_column=2) for name, rows in sheets.items()}


def csv_problem(filename: str, line: int, error: csv.Error) -> str:
    """A CSV the csv module cannot read, in German with the file and the line."""
    if "field larger than field limit" in str(error):
        limit = f"{csv.field_size_limit():_}".replace("_", ".")  # 131.072
        return (
            f"Die Datei {filename} wurde nicht übernommen: Zeile {line}: ein Feld ist länger "
            f"als {limit} Zeichen."
        )
    return (
        f"Die Datei {filename} ist als CSV-Datei nicht lesbar: Zeile {line}: {error} "
        "(bitte die Vorlage in Excel öffnen und erneut als CSV speichern)."
    )
