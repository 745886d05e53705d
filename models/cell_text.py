"""Text a person typed, written into a workbook or CSV as text, never as a formula.

OWASP's CSV-injection rule: a cell whose text starts with `=`, `+`, `-`, `@`, a tab or a
carriage return may be taken for a formula by spreadsheet software. Every writer of an .xlsx
or .csv (the figures template, the report and diff workbooks) goes through here:

- .csv: such a text gets a single quote in front (`'=HYPERLINK(...)`), which Excel shows and
  never evaluates. Numbers the system formats itself (a negative actual, "-3,5") are not texts
  and are written as they are.
- .xlsx: openpyxl stores a string starting with `=` as a formula; `as_text` turns every cell
  openpyxl took for a formula back into a string cell (no `<f>` element in the file). The
  system writes no formulas of its own into cells, so every such cell came from text.

Read back (the department returns the .csv template), `csv_unescape` takes off that one quote
again when a formula character follows it, so a comment `=Summe` written as `'=Summe` comes back
as `=Summe`; a quote before anything else is the department's own and stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_QUOTE = "'"


def looks_like_formula(text: str) -> bool:
    """Whether spreadsheet software could take `text` for a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_text(text: str) -> str:
    """`text` for a CSV cell: a quote in front when it could be taken for a formula."""
    return CSV_TEXT_QUOTE + text if looks_like_formula(text) else text


def csv_unescape(text: str) -> str:
    """A CSV cell as read: the quote `csv_text` put in front of a formula character removed."""
    if text.startswith(CSV_TEXT_QUOTE) and looks_like_formula(text[1:]):
        return text[1:]
    return text


def as_text(sheets: Iterable[Any]) -> None:
    """Every cell of the openpyxl `sheets` that openpyxl would write as a formula becomes a
    string cell holding the same text."""
    for sheet in sheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
