"""The partial budget report's workbook: written from a `Draft` (data locked, the texts to
write in yellow, open cells) and read back into `Answers` naming sheet, row and column.

Sheets: "Produktgruppen" (money, the assessment and the deviation's explanation),
"Kennzahlen" (figures with light, the explanation of a red one), "Ziele" (goals and measures,
for reading) and "Info" (whose file and for which cycle).
"""

from __future__ import annotations

import io
from typing import Any

from models.achievement import LIGHT_LABELS
from models.german import german_euro, german_percent
from models.partial_report import EntryKind
from models.partial_report_rules import Answers, Draft, ReportField
from models.workbook_layout import HEADER_FILL, INFO_HEADERS, INPUT_FILL, Sheet
from models.workbook_place import Place, cell_text, cell_value, data_rows

TEMPLATE_NAME = "kreislauf-Teilhaushaltsbericht"
TEMPLATE_VERSION = 1
GROUPS = "Produktgruppen"
FIGURES = "Kennzahlen"
GOALS = "Ziele"
INFO = "Info"
SHEETS = (GROUPS, FIGURES, GOALS, INFO)
HEADER_ROW = 3  # a title and a note above
REQUIRED = "ja (Pflicht)"


def group_headers(report_year: int) -> list[str]:
    return [
        "Produktgruppe",
        "Bezeichnung",
        "Teilhaushalt",
        f"Plan {report_year}",
        f"Ergebnis {report_year}",
        "Abweichung €",
        "Abweichung %",
        "Erläuterung nötig",
        "Bewertung der Zielerreichung",
        "Erläuterung der Abweichung",
    ]


def figure_headers(report_year: int) -> list[str]:
    return [
        "Produktgruppe",
        "Schlüssel",
        "Kennzahl",
        "Einheit",
        f"Soll {report_year}",
        f"Ist {report_year}",
        "Ampel",
        "Erläuterung nötig",
        "Erläuterung",
    ]


GOAL_HEADERS = ["Produktgruppe", "Leistungsziel", "Maßnahme", "Status"]
ASSESSMENT, DEVIATION, FIGURE_TEXT = 8, 9, 8  # the input columns (0-based)
INFO_BODY, INFO_CYCLE, INFO_DEPARTMENT = "Körperschaft", "Steuerungskreislauf", "Fachbereich"


def rule_note(draft: Draft) -> str:
    rules = draft.rules
    return (
        f"Steuerungskreislauf {draft.cycle_year}, Berichtsjahr {draft.report_year}. "
        "Pflicht: eine Bewertung je Produktgruppe, eine Erläuterung je verfehlter Kennzahl "
        f"(rot) und je Abweichung über {german_percent(rules.deviation_percent)} und über "
        f"{german_euro(rules.deviation_euro)} (beides). Bitte nur die gelben Zellen ausfüllen."
    )


def write_xlsx(draft: Draft) -> bytes:
    """The report to fill in: data cells locked (sheet protection without password)."""
    from openpyxl import Workbook

    from models.cell_text import as_text

    book = Workbook()
    groups = book.worksheets[0]
    groups.title = GROUPS
    r = draft.report_year
    _head(groups, f"Teilhaushaltsbericht {r} – {draft.department_name}", rule_note(draft))
    groups.append(group_headers(r))
    for g in draft.groups:
        groups.append(
            [
                g.number,
                g.name,
                g.partial_budget,
                g.planned,
                g.result,
                g.deviation.amount if g.deviation else None,
                float(g.deviation.pct) / 100
                if g.deviation and g.deviation.pct is not None
                else None,
                REQUIRED if g.deviation_needs_explanation else "nein",
                None,
                None,
            ]
        )
    _style(groups, [14, 40, 20, 16, 16, 16, 12, 14, 60, 60], (ASSESSMENT, DEVIATION))
    for row in groups.iter_rows(min_row=HEADER_ROW + 1, min_col=4, max_col=6):
        for cell in row:
            cell.number_format = '#,##0.00" €"'
    for (cell,) in groups.iter_rows(min_row=HEADER_ROW + 1, min_col=7, max_col=7):
        cell.number_format = "0.0%"
    figures = book.create_sheet(FIGURES)
    _head(figures, f"Kennzahlen {r} – {draft.department_name}", rule_note(draft))
    figures.append(figure_headers(r))
    for g in draft.groups:
        for f in g.figures:
            figures.append(
                [
                    g.number,
                    f.key,
                    f.name,
                    f.unit,
                    f.target,
                    f.actual,
                    LIGHT_LABELS[f.light],
                    REQUIRED if f.needs_explanation else "nein",
                    None,
                ]
            )
    _style(figures, [14, 24, 50, 12, 12, 12, 18, 14, 60], (FIGURE_TEXT,))
    goals = book.create_sheet(GOALS)
    _head(
        goals, f"Leistungsziele und Maßnahmen {r}", "Zur Orientierung; hier ist nichts auszufüllen."
    )
    goals.append(GOAL_HEADERS)
    for g in draft.groups:
        for goal in g.goals:
            for text, status in goal.measures or [("", "")]:
                goals.append([g.number, goal.text, text, status])
    _style(goals, [14, 60, 60, 16], ())
    info = book.create_sheet(INFO)
    _head(info, "Angaben zur Vorlage (bitte nicht ändern)", "")
    info.append(INFO_HEADERS)
    for cells in _info_rows(draft):
        info.append(cells)
    _style(info, [24, 60], ())
    as_text(book.worksheets)  # names and texts: never a formula
    from models.workbook_style import print_setup  # openpyxl only when writing

    print_setup(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _info_rows(draft: Draft) -> list[list[Any]]:
    return [
        ["Vorlage", TEMPLATE_NAME],
        ["Vorlagenversion", TEMPLATE_VERSION],
        [INFO_BODY, draft.body_slug],
        ["Name der Körperschaft", draft.body_name],
        [INFO_CYCLE, draft.cycle_year],
        ["Berichtsjahr", draft.report_year],
        [INFO_DEPARTMENT, draft.department_key],
        ["Name des Fachbereichs", draft.department_name],
        ["Schwelle Abweichung %", float(draft.rules.deviation_percent)],
        ["Schwelle Abweichung €", float(draft.rules.deviation_euro)],
    ]


def _head(sheet: Any, title: str, note: str) -> None:
    from openpyxl.styles import Font

    sheet.append([title])
    sheet.append([note])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].font = Font(italic=True)


def _style(sheet: Any, widths: list[int], inputs: tuple[int, ...]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        header = sheet.cell(row=HEADER_ROW, column=index)
        header.font = Font(bold=True)
        header.fill = PatternFill("solid", fgColor=HEADER_FILL)
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        for index in inputs:
            cell = sheet.cell(row=row, column=index + 1)
            cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
            cell.protection = Protection(locked=False)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.protection.sheet = True  # no password: against accidents, not against people
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


# ----------------------------------------------------------------------------- reading


def read_answers(sheets: dict[str, Sheet], draft: Draft) -> Answers:
    """The texts of a returned workbook. Identity problems (another body, cycle or
    department) come alone: the rows' problems would only follow from them."""
    answers = Answers()
    missing = [name for name in (GROUPS, FIGURES, INFO) if name not in sheets]
    if missing:
        answers.problems += [
            f"{name}: das Blatt „{name}“ fehlt (vorhanden: {', '.join(sheets) or 'keines'}); "
            "bitte die Vorlage des Teilhaushaltsberichts verwenden"
            for name in missing
        ]
        return answers
    answers.problems += check_identity(sheets[INFO], draft)
    if answers.problems:
        return answers
    fields = {f.name: f for f in draft.fields()}
    _read_rows(sheets[GROUPS], group_headers(draft.report_year), fields, answers, figures=False)
    _read_rows(sheets[FIGURES], figure_headers(draft.report_year), fields, answers, figures=True)
    for wanted in fields.values():  # a row deleted: named by the thing it described
        if wanted.name not in answers.places:
            sheet = FIGURES if wanted.kind == EntryKind.figure else GROUPS
            answers.places[wanted.name] = (
                f"{sheet}: Zeile für Produktgruppe {wanted.group}"
                + (f", Kennzahl „{wanted.subject}“" if wanted.subject else "")
                + " fehlt (Zeilen nicht löschen)"
            )
    return answers


def check_identity(sheet: Sheet, draft: Draft) -> list[str]:
    problems: list[str] = []
    rows = data_rows(sheet, INFO_HEADERS, problems)
    if rows is None:
        return problems
    place = Place(sheet, INFO_HEADERS)
    found = {cell_text(cells, 0): (number, cell_text(cells, 1)) for number, cells in rows}
    if found.get("Vorlage", (0, None))[1] != TEMPLATE_NAME:
        return [f"{INFO}: keine Vorlage des Teilhaushaltsberichts (Feld „Vorlage“)"]
    wanted = (
        (INFO_BODY, draft.body_slug, "die Körperschaft"),
        (INFO_CYCLE, str(draft.cycle_year), "den Steuerungskreislauf"),
        (INFO_DEPARTMENT, draft.department_key, "den Fachbereich"),
    )
    for name, value, what in wanted:
        number, text = found.get(name, (0, None))
        if not number:
            problems.append(f"{INFO}, Spalte A (Feld): Feld „{name}“ fehlt")
        elif text != value:
            problems.append(
                f"{place(number, 1)}: {name}: die Datei ist für {what} „{text or ''}“, "
                f"erwartet „{value}“"
            )
    return problems


def _read_rows(
    sheet: Sheet,
    headers: list[str],
    fields: dict[str, ReportField],
    answers: Answers,
    *,
    figures: bool,
) -> None:
    rows = data_rows(sheet, headers, answers.problems)
    if rows is None:
        return
    place = Place(sheet, headers)
    columns = (
        ((FIGURE_TEXT, EntryKind.figure),)
        if figures
        else (
            (ASSESSMENT, EntryKind.assessment),
            (DEVIATION, EntryKind.deviation),
        )
    )
    for number, cells in rows:
        group = cell_text(cells, 0)
        subject = cell_text(cells, 1) if figures else ""
        for index, kind in columns:
            name = f"{kind.value}:{group}:{subject}" if subject else f"{kind.value}:{group}"
            if name not in fields:
                what = (
                    f"Kennzahl „{subject}“ der Produktgruppe {group}"
                    if figures
                    else (f"Produktgruppe „{group or ''}“")
                )
                answers.problems.append(
                    f"{place(number, 0)}: unbekannte {what} (nicht in der Vorlage dieses "
                    "Fachbereichs; Zeilen nicht einfügen)"
                )
                break
            if name in answers.places:
                answers.problems.append(f"{place(number, 0)}: Zeile steht doppelt")
                break
            answers.places[name] = place(number, index)
            if (number, index) in sheet.formulas:
                answers.problems.append(
                    f"{place(number, index)}: enthält eine Formel; hier ist nur Text erlaubt"
                )
                continue
            value = cell_value(cells, index)
            if value is not None:
                answers.texts[name] = str(value)
