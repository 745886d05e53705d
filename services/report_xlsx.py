"""The evaluation report and the version diff as Excel workbooks (openpyxl).

A sheet per area: overview, key positions, fields of action, departments, open tasks. The
traffic light is text (symbol and word in columns of their own); a conditional fill on the
word colours it, so the colour is never the only carrier of the status.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.achievement import Light
from models.cell_text import as_text
from models.german import german_date
from models.money import UNATTRIBUTED
from models.strategy import StrategyVersion
from models.strategy_diff import DIFF_LABELS
from services.evaluation import Evaluation, FigureStatus
from services.money import NO_MONEY, GroupProfile, MoneyOverview
from services.partial_report_views import AcceptedReport
from services.report_format import DIRECTION_LABELS, PriorityNames, measures_text, version_label
from services.report_summary import Summary

FILLS = {
    Light.green: "C8E6C9",
    Light.yellow: "FFF3B0",
    Light.red: "FFCDD2",
    Light.none: "E0E0E0",
}
FIGURE_HEADERS = [
    "Kennzahl",
    "Einheit",
    "Richtung",
    "Toleranz %",
    "Soll",
    "Ist",
    "Zielerreichung %",
    "Ampel",
    "Ampel (Text)",
    "Trend",
]


def evaluation_workbook(
    e: Evaluation,
    money: MoneyOverview | None = None,
    partial_reports: list[AcceptedReport] | None = None,
    summary: Summary | None = None,
) -> bytes:
    book, overview = _new_book()
    overview.title = "Übersicht"
    if summary is not None:
        _summary_sheet(book, summary)
    _rows(
        overview,
        ["Angabe", "Wert"],
        [
            ["Körperschaft", e.body_name],
            ["Steuerungskreislauf", e.cycle_year],
            ["Berichtsjahr", e.report_year],
            ["Stand", german_date(e.as_of)],
            ["Strategie", e.strategy_label],
            ["Gesamtbild", e.rollup.light.label],
            ["Kennzahlen", e.rollup.summary],
            *_money_overview_rows(money),
        ],
    )
    for (cell,) in overview.iter_rows(min_row=9, min_col=2, max_col=2):
        if not isinstance(cell.value, str):
            cell.number_format = EURO
    names = PriorityNames((fld.name, [p.code for p in fld.priorities]) for fld in e.fields)
    if money is not None:
        _money_sheets(book, money, names)
    years = sorted({year for f in e.figures for year, _ in f.series})
    trend_headers = [f"Ist {year}" for year in years]

    def figure_row(f: FigureStatus) -> list[Any]:
        by_year = dict(f.series)
        return [
            f.name,
            f.unit,
            DIRECTION_LABELS[f.direction],
            f.tolerance_pct,
            f.target,
            f.actual,
            float(f.degree_pct) if f.degree_pct is not None else None,
            f.light.symbol,
            f.light.label,
            f"{f.trend.symbol} {f.trend.label}",
            *[by_year.get(year) for year in years],
            f.comment,
        ]

    sheet = book.create_sheet("Schlüsselpositionen")
    _rows(
        sheet,
        ["Produkt", "Schlüsselposition", "Fachbereich", "Gesamt", *FIGURE_HEADERS, *trend_headers]
        + [COMMENT],
        [
            [kp.product, kp.name, kp.department, kp.rollup.light.label, *figure_row(f)]
            for kp in e.key_positions
            for f in kp.figures
        ],
        light_columns=(4, 13),
    )
    sheet = book.create_sheet("Handlungsfelder")
    _rows(
        sheet,
        ["Handlungsfeld", "Schwerpunkt", "Fachbereich", "Produkt", *FIGURE_HEADERS, *trend_headers]
        + [COMMENT],
        [
            [fld.name, f"Schwerpunkt {number}: {p.text}", f.department, f.product] + figure_row(f)
            for fld in e.fields
            for number, p in enumerate(fld.priorities, start=1)
            for f in p.figures
        ]
        + [
            ["(ohne Schwerpunkt)", names.number(f.priority_code) if f.priority_code else ""]
            + [f.department, f.product]
            + figure_row(f)
            for f in e.other_figures
        ],
        light_columns=(13,),
    )
    _trend_charts(book.create_sheet("Verlauf"), e.figures, years)
    sheet = book.create_sheet("Fachbereiche")
    _rows(
        sheet,
        ["Fachbereich", "Gesamt", "erreicht", "knapp verfehlt", "verfehlt", "ohne Wert"]
        + ["Leistungsziele", "Maßnahmen", f"Meldung {e.cycle_year}", "Offene Aufgaben"],
        [
            [
                d.name,
                d.rollup.light.label,
                d.rollup.green,
                d.rollup.yellow,
                d.rollup.red,
                d.rollup.without_value,
                d.goals,
                measures_text(d.measures),
                d.submission or "keine Meldung",
                len(d.open_tasks),
            ]
            for d in e.departments
        ],
        light_columns=(2,),
    )
    sheet = book.create_sheet("Offene Aufgaben")
    _rows(
        sheet,
        ["Zuständig", "Aufgabe", "fällig", "Stand", "Tage überfällig"],
        [
            [t.assignee, t.deadline_title, t.due, t.status.label, t.days_overdue]
            for t in e.open_tasks
        ],
    )
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].number_format = "DD.MM.YYYY"
    if partial_reports:  # a sheet only where a report was accepted
        _partial_report_sheet(book, partial_reports)
    return _save(book)


def _partial_report_sheet(book: Workbook, reports: list[AcceptedReport]) -> None:
    """The accepted partial budget reports' texts: one row per text."""
    rows: list[list[Any]] = []
    for r in reports:
        budgets = ", ".join(r.partial_budgets)
        for g in r.groups:
            group = f"{g.number} {g.name}"
            if g.assessment:
                rows.append([r.department, budgets, group, "Bewertung", "", g.assessment])
            if g.deviation:
                rows.append([r.department, budgets, group, "Abweichung", "", g.deviation])
            for name, text in g.figures:
                rows.append([r.department, budgets, group, "Kennzahl verfehlt", name, text])
    _rows(
        book.create_sheet("Teilhaushaltsberichte"),
        ["Fachbereich", "Teilhaushalt", "Produktgruppe", "Art", "Kennzahl", "Text"],
        rows,
    )


COMMENT = "Kommentar des Fachbereichs"
EURO = '#,##0 "€";-#,##0 "€"'
PERCENT = '0.0 "%"'


def _money_sheets(book: Workbook, m: MoneyOverview, names: PriorityNames) -> None:
    """Strategy and money, the Teilhaushalte and one row per product group; amounts are
    numbers with a euro format (not text), so that the sheet can sum them."""
    year = m.report_year
    sheet = book.create_sheet("Strategie und Geld")
    rows: list[list[Any]] = []
    for fld in m.fields:
        rows.append([fld.name, "", "Handlungsfeld", None, None, fld.planned, fld.result, ""])
        for p in fld.priorities:
            rows.append(
                [fld.name, names.number(p.code), p.text, p.figures, p.goals, p.planned, p.result]
                + [", ".join(p.groups)]
            )
    rows.append(
        ["", "", UNATTRIBUTED, None, None, m.unattributed_planned, m.unattributed_result]
        + [", ".join(m.unattributed_groups)]
    )
    rows.append(["", "", "Zuschussbedarf insgesamt", None, None, m.total_planned, m.total_result])
    rows[-1].append("")
    for b in m.blind_spots.priorities:
        rows.append(
            [b.field_name, names.number(b.code), f"Blinder Fleck: {b.text}", 0, 0, None, None]
            + [""]
        )
    for g in m.blind_spots.large_groups:
        rows.append(
            ["", "", f"Blinder Fleck: {g.number} {g.name} ohne Kennzahl und Leistungsziel"]
            + [0, 0, None, g.amount, g.number]
        )
    for k in m.key_positions:
        report = k.report
        rows.append(
            ["Schlüsselposition", k.product, k.name, len(k.figures), None]
            + [report.planned if report else None, report.result if report else None]
            + [k.group_number or ""]
        )
    _rows(
        sheet,
        ["Handlungsfeld", "Schwerpunkt", "Text", "Kennzahlen", "Leistungsziele"]
        + [f"Zuschussbedarf Plan {year}", f"Zuschussbedarf Ergebnis {year}", "Produktgruppen"],
        rows,
    )
    _formats(sheet, (6, 7), EURO)
    sheet.append([])
    sheet.append([m.apportionment_rule])
    sheet.append([m.net_rule])
    if not m.has_year_money:
        sheet.append([f"Für {year}: {m.no_money}."])

    sheet = book.create_sheet("Teilhaushalte")
    _rows(
        sheet,
        ["Teilhaushalt", "Name", "Fachbereiche", "Produktgruppen", f"Plan {year}"]
        + [f"Ergebnis {year}", "Abweichung", "Abweichung %", "Kennzahlen", "Ampel"]
        + ["Leistungsziele", "Maßnahmen"],
        [
            [t.number, t.name, ", ".join(t.departments)]
            + [", ".join(g.number for g in t.groups), t.planned, t.result]
            + [t.deviation.amount if t.deviation else None]
            + [t.deviation.pct if t.deviation else None]
            + [t.rollup.summary, t.rollup.light.label, t.goals, measures_text(t.measures)]
            for t in m.partial_budgets
        ],
        light_columns=(10,),
    )
    _formats(sheet, (5, 6, 7), EURO)
    _formats(sheet, (8,), PERCENT)

    sheet = book.create_sheet("Produktgruppen")
    _rows(
        sheet,
        ["Produktgruppe", "Name", "Teilhaushalt", "Fachbereiche", "Planbasis"]
        + [f"Erträge Plan {year}", f"Aufwendungen Plan {year}", f"Zuschussbedarf Plan {year}"]
        + [f"Erträge Ergebnis {year}", f"Aufwendungen Ergebnis {year}"]
        + [f"Zuschussbedarf Ergebnis {year}", "Abweichung", "Abweichung %"]
        + [f"Zuschussbedarf {y} (Ergebnis, sonst Plan)" for y in m.years]
        + [f"Finanzplanung {y}" for y in m.plan_years]
        + ["Kennzahlen", "Ampel", "Leistungsziele", "Schwerpunkte"],
        [_group_row(g, m.years, m.plan_years, names) for g in m.groups],
        light_columns=(15 + len(m.years) + len(m.plan_years),),
    )
    money_columns = range(14, 14 + len(m.years) + len(m.plan_years))
    _formats(sheet, (6, 7, 8, 9, 10, 11, 12, *money_columns), EURO)
    _formats(sheet, (13,), PERCENT)


def _summary_sheet(book: Workbook, s: Summary) -> None:
    """The first sheet, "Auf einen Blick": page 1 of the PDF as blocks of rows, each block
    a bold header row (the lights as symbol and word, never colour alone)."""
    sheet = book.create_sheet("Auf einen Blick", 0)
    book.active = 0
    heads: list[int] = []
    euro: list[tuple[int, int]] = []  # (row, first column) of amounts

    def block(title: str, header: list[str], rows: list[list[Any]]) -> None:
        sheet.append([])
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        sheet.append(header)
        heads.append(sheet.max_row)
        for row in rows:
            sheet.append(row)

    sheet.append([f"Auf einen Blick – {s.body_name}, Berichtsjahr {s.report_year}"])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.append([s.lead])
    block(
        f"Ampeln je Handlungsfeld (Anzahl Kennzahlen), Berichtsjahr {s.report_year}",
        ["Handlungsfeld", *[f"{light.symbol} {light.label}" for light in Light], "Kennzahlen"],
        [
            [r.name, r.counts.green, r.counts.yellow, r.counts.red, r.counts.without_value]
            + [r.counts.total]
            for r in s.rows
        ]
        + [
            ["Insgesamt", s.total.green, s.total.yellow, s.total.red, s.total.without_value]
            + [s.total.total]
        ],
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    if s.has_cycle:
        block(
            f"Kennzahlenmeldungen {s.cycle_year}: {s.delivery_text}",
            ["Fachbereich", "Stand", "Datum"],
            [[d.department, f"{d.state.symbol} {d.state.label}", d.when] for d in s.deliveries],
        )
    else:
        sheet.append([])
        sheet.append([f"Für {s.cycle_year} ist noch kein Steuerungskreislauf angelegt."])
    if s.money is not None:
        m = s.money
        block(
            f"Geld {m.year}: Zuschussbedarf",
            ["Produktgruppe", f"Plan {m.year}", f"Ergebnis {m.year}", "Abweichung", "Abweichung %"],
            [
                [
                    "Insgesamt",
                    m.planned,
                    m.result,
                    m.deviation.amount if m.deviation else None,
                    m.deviation.pct if m.deviation else None,
                ]
            ]
            + [
                [f"{g.number} {g.name}", g.planned, g.result, g.deviation.amount]
                + [g.deviation.pct]
                for g in m.largest
            ],
        )
        euro = [(row, 2) for row in range(heads[-1] + 1, sheet.max_row + 1)]
    for row in heads:
        for cell in sheet[row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, first in euro:
        for column in range(first, first + 3):
            sheet.cell(row=row, column=column).number_format = EURO
        sheet.cell(row=row, column=first + 3).number_format = PERCENT
    for letter, width in zip("ABCDEF", (42, 18, 18, 18, 16, 12), strict=True):
        sheet.column_dimensions[letter].width = width


def _money_overview_rows(m: MoneyOverview | None) -> list[list[Any]]:
    """The body's net requirement in the overview sheet (numbers, formatted afterwards)."""
    if m is None:
        return []
    if not m.has_year_money:
        return [["Zuschussbedarf", NO_MONEY]]
    deviation = m.total_deviation
    return [
        [f"Zuschussbedarf Plan {m.report_year}", m.total_planned],
        [f"Zuschussbedarf Ergebnis {m.report_year}", m.total_result],
        ["Abweichung", deviation.amount if deviation else None],
    ]


def _group_row(
    g: GroupProfile, years: list[int], plan_years: list[int], names: PriorityNames
) -> list[Any]:
    r = g.report
    pa, ra = r.planned_amounts, r.result_amounts
    by_year = {y.year: y.result if y.result is not None else y.planned for y in g.series}
    return [
        g.number,
        g.name,
        f"{g.partial_budget_number} {g.partial_budget_name}",
        ", ".join(g.departments),
        r.plan_basis.label.removeprefix("Plan: ") if r.plan_basis else NO_MONEY,
        pa.income if pa else None,
        pa.expenses if pa else None,
        r.planned,
        ra.income if ra else None,
        ra.expenses if ra else None,
        r.result,
        r.deviation.amount if r.deviation else None,
        r.deviation.pct if r.deviation else None,
        *[by_year.get(y) for y in years],
        *[dict(g.financial_plan).get(y) for y in plan_years],
        g.rollup.summary,
        g.rollup.light.label,
        len(g.goals),
        "; ".join(f"{names.full(p.code)} ({p.count})" for p in g.priorities) or UNATTRIBUTED,
    ]


def _formats(sheet: Worksheet, columns: tuple[int, ...], number_format: str) -> None:
    """A number format on the data cells of the 1-based `columns`."""
    for column in columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format


def _trend_charts(sheet: Any, figures: list[FigureStatus], years: list[int]) -> None:
    """The actuals per year as a table, and a small line chart per key figure beside it."""
    from openpyxl.chart import LineChart, Reference

    _rows(
        sheet,
        ["Kennzahl", "Einheit", *[str(year) for year in years]],
        [[f.name, f.unit, *[dict(f.series).get(year) for year in years]] for f in figures],
    )
    column = len(years) + 4
    for index, figure in enumerate(figures):
        row = index + 2
        chart = LineChart()
        chart.title = figure.name if len(figure.name) <= 60 else figure.name[:57] + "…"
        chart.y_axis.title = figure.unit
        chart.legend = None
        # types-openpyxl says int; openpyxl takes centimetres as float (its default height is 7.5)
        chart.height, chart.width = 5.5, 9.5  # type: ignore[assignment]
        data = Reference(sheet, min_col=3, max_col=len(years) + 2, min_row=row, max_row=row)
        chart.add_data(data, from_rows=True, titles_from_data=False)
        chart.set_categories(Reference(sheet, min_col=3, max_col=len(years) + 2, min_row=1))
        anchor_row = 2 + (index // 2) * 12
        anchor_col = column + (index % 2) * 7
        sheet.add_chart(chart, f"{get_column_letter(anchor_col)}{anchor_row}")


def diff_workbook(
    body_name: str, old: StrategyVersion, new: StrategyVersion, changes: list[dict[str, Any]]
) -> bytes:
    book, sheet = _new_book()
    sheet.title = f"Version {old.number} zu {new.number}"
    _rows(
        sheet,
        ["Änderung", "Handlungsfeld", "Gegenstand", "bisher", "neu"],
        [
            [DIFF_LABELS[c["change"]], c["field"], c["number"], c["before"], c["after"]]
            for c in changes
        ],
    )
    sheet.insert_rows(1, 2)
    sheet.freeze_panes = "A4"  # the header row moved down with the title above it
    sheet.auto_filter.ref = f"A3:E{max(len(changes) + 3, 4)}"
    sheet["A1"] = f"{body_name}: {version_label(old)} → {version_label(new)}"
    sheet["A1"].font = Font(bold=True)
    return _save(book)


def _new_book() -> tuple[Workbook, Worksheet]:
    """A new workbook and its one sheet."""
    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # never: a new workbook starts with a worksheet
        raise TypeError(f"unexpected first sheet {sheet!r}")
    return book, sheet


def _rows(
    sheet: Worksheet,
    headers: list[str],
    rows: list[list[Any]],
    *,
    light_columns: tuple[int, ...] = (),
) -> None:
    """Header row (bold, frozen, filter), the rows, column widths, and the light fills on
    the 1-based `light_columns` holding a light's word."""
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 2)}"
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    for column in light_columns:
        letter = get_column_letter(column)
        cells = f"{letter}2:{letter}{max(len(rows) + 1, 2)}"
        for light, color in FILLS.items():
            sheet.conditional_formatting.add(
                cells,
                CellIsRule(  # type: ignore[no-untyped-call]  # unannotated in types-openpyxl
                    operator="equal",
                    formula=[f'"{light.label}"'],
                    fill=PatternFill(start_color=color, end_color=color, fill_type="solid"),
                ),
            )


def _save(book: Workbook) -> bytes:
    as_text(book.worksheets)  # comments, names and texts people typed: never a formula
    from models.workbook_style import print_setup  # openpyxl only when writing

    print_setup(book)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
