"""Where in a returned workbook: cell names as people see them, and the table under a header.

Every check reports its problems with sheet, row and column, so the naming and the finding of
a sheet's data rows are shared by the sheet checks and the row checks alike.
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter

from models.workbook_layout import Percent, Sheet


class Place:
    """Names a cell as people see it: '<Blatt> Zeile <n>, Spalte <X> (<Spaltenname>)'."""

    def __init__(self, sheet: Sheet, headers: list[str]) -> None:
        self.sheet = sheet
        self.headers = headers

    def __call__(self, row: int, index: int) -> str:
        letter = get_column_letter(self.sheet.first_column + index)
        return f"{self.sheet.name} Zeile {row}, Spalte {letter} ({self.headers[index]})"


def data_rows(
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
                if any(blank(v) is not None for v in c)
            ]
    problems.append(
        f"{sheet.name}: keine Kopfzeile mit „{headers[0]}“ in Spalte "
        f"{get_column_letter(sheet.first_column)} gefunden – ist das das Blatt der Vorlage?"
    )
    return None


def blank(value: Any) -> Any:
    """None for a cell that holds only spaces: people clear cells that way."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def cell_value(cells: tuple[Any, ...], index: int) -> Any:
    """A row's cell, None when blank or beyond the row's end (trailing cells are not read)."""
    return blank(cells[index]) if index < len(cells) else None


def cell_text(cells: tuple[Any, ...], index: int) -> str | None:
    """A cell as text, 2027.0 as "2027": keys and years typed as numbers still match."""
    value = cell_value(cells, index)
    if value is None:
        return None
    if isinstance(value, Percent):
        value = value.value
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return str(value).strip()
