"""The figures workbook's layout: sheet names, headers, the rows it carries and the shape a
returned file is read into. The writer, the styling, the reader and the checks share it, so
none of them needs another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.errors import KreislaufError
from models.german import german_number
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


def figure_number(value: float | None) -> str:
    """A figure in a hint or a refusal, as typed (up to six decimals, not rounded like a
    report): 1234.5 -> "1.234,5"; None -> "–"."""
    return german_number(value, places=6)


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


TITLE_ROWS = 2  # in .xlsx: a title and the year note, then the header row (row 3)


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
    """A sheet's rows as read: (row number, cell values starting at `first_column`);
    `formulas` the (row number, index into the row's values) of cells holding a formula
    (.xlsx only: in a .csv every cell is text)."""

    name: str
    rows: list[tuple[int, tuple[Any, ...]]]
    first_column: int = 1
    formulas: frozenset[tuple[int, int]] = frozenset()
