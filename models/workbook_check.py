"""Checking a returned figures workbook: every problem with sheet, row and column, no DB.

The one place that decides the order of the checks (sheets, identity, rows) and gathers their
problems into one report; what each check does lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable

from models.workbook_layout import FIGURES, INFO, MEASURES, Sheet
from models.workbook_report import Expected, Report
from models.workbook_rows import check_figures, check_measures
from models.workbook_sheets import Info, check_identity, check_sheets


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
