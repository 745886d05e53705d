"""Reading a finance system's budget export: formats, German amounts, and every refusal with
its row and column. No database: `read_budget_file` is pure; the files are written here."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from models import budget_file
from models.budget_file import (
    BudgetFile,
    BudgetFileInvalid,
    BudgetRow,
    read_budget_file,
    side_of_account,
    unknown_products,
)
from models.budget_kinds import BudgetKind, BudgetSide
from models.budget_layout import BudgetLayout
from models.errors import KreislaufError

HEADER = ["Produkt", "Konto", "Jahr", "Art", "Betrag"]
DEFAULT = BudgetLayout()


def csv_file(
    tmp_path: Path,
    rows: list[list[Any]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    newline: str = "\r\n",
    name: str = "haushalt.csv",
) -> tuple[bytes, str]:
    """The rows written as a CSV file in tmp_path, read back as an upload's bytes."""
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path = tmp_path / name
    path.write_bytes(text.getvalue().encode(encoding))
    return path.read_bytes(), name


def xlsx_file(tmp_path: Path, rows: list[list[Any]], name: str = "haushalt.xlsx") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path.read_bytes()


def line(account: str, amount: str = "1,00") -> list[str]:
    """A data row of product group 11.20's Ansatz 2026."""
    return ["11.20", account, "2026", "Ansatz", amount]


def read(tmp_path: Path, rows: list[list[Any]], layout: BudgetLayout = DEFAULT, **options: Any):
    data, name = csv_file(tmp_path, [HEADER, *rows])
    return read_budget_file(data, name, layout, **options)


def refusal(tmp_path: Path, rows: list[list[Any]], **options: Any) -> BudgetFileInvalid:
    with pytest.raises(BudgetFileInvalid) as caught:
        read(tmp_path, rows, **options)
    return caught.value


def problems(tmp_path: Path, rows: list[list[Any]], **options: Any) -> list[str]:
    return refusal(tmp_path, rows, **options).problems


def amounts(budget: BudgetFile) -> list[Decimal]:
    return [row.amount for row in budget.rows]


# --- formats -----------------------------------------------------------------------------


def test_semicolon_utf8_round_trip(tmp_path: Path) -> None:
    budget = read(
        tmp_path,
        [
            line("4211", "1.234.567,89"),
            ["11.20.04", "3111", "2026", "fortgeschriebener Ansatz", "0,00"],
            ["36.50", "4311", "2025", "Ergebnis", "-1.234,50"],
            ["36.50", "4311", "2027", "Plan", "1234,5"],
        ],
    )
    expenses, income = BudgetSide.expenses, BudgetSide.income
    assert budget.rows == [
        BudgetRow(2, "11.20", "4211", 2026, BudgetKind.ansatz, expenses, Decimal("1234567.89")),
        BudgetRow(3, "11.20.04", "3111", 2026, BudgetKind.fortgeschrieben, income, Decimal("0")),
        BudgetRow(4, "36.50", "4311", 2025, BudgetKind.ergebnis, expenses, Decimal("-1234.50")),
        BudgetRow(5, "36.50", "4311", 2027, BudgetKind.plan, expenses, Decimal("1234.5")),
    ]
    assert all(row.amount.as_tuple().exponent == -2 for row in budget.rows)
    assert budget.columns["product"] == "Spalte A (Produkt)"
    assert budget.other_slice == budget.payments == 0


def test_comma_windows_1252_with_umlauts_in_the_header(tmp_path: Path) -> None:
    layout = BudgetLayout(product_column="Produktgruppe", amount_column="Beträge in €")
    data, name = csv_file(
        tmp_path,
        [
            ["Produktgruppe", "Konto", "Jahr", "Art", "Beträge in €"],
            line("4211", "1.234,56"),
            line("3111", "-7,00"),
        ],
        delimiter=",",
        encoding="cp1252",
    )
    assert b'"1.234,56"' in data and "€".encode("cp1252") in data
    budget = read_budget_file(data, name, layout)
    assert amounts(budget) == [Decimal("1234.56"), Decimal("-7.00")]
    assert budget.columns["amount"] == "Spalte E (Beträge in €)"


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"])
def test_utf8_with_bom_and_any_line_end(tmp_path: Path, newline: str) -> None:
    data, name = csv_file(
        tmp_path,
        [
            HEADER,
            line("4211", "5,00"),
            line("4212", "6,00"),
        ],
        encoding="utf-8-sig",
        newline=newline,
    )
    assert data.startswith(b"\xef\xbb\xbf")
    budget = read_budget_file(data, name, DEFAULT)
    assert [(row.row, row.account, row.amount) for row in budget.rows] == [
        (2, "4211", Decimal("5.00")),
        (3, "4212", Decimal("6.00")),
    ]


def test_xlsx_with_number_and_text_amounts(tmp_path: Path) -> None:
    data = xlsx_file(
        tmp_path,
        [
            HEADER,
            ["11.20", 4211, 2026, "Ansatz", 1234.5],
            ["11.20", "4212", 2026.0, "Ansatz", 0.1 + 0.2],  # 0.30000000000000004: a cent
            ["11.20", 4213, 2026, "Ansatz", "1.234,56-"],
            ["11.20", 4214, 2026, "Ansatz", 7],
        ],
    )
    budget = read_budget_file(data, "haushalt.xlsx", DEFAULT)
    assert [(row.account, row.year, row.amount) for row in budget.rows] == [
        ("4211", 2026, Decimal("1234.50")),
        ("4212", 2026, Decimal("0.30")),
        ("4213", 2026, Decimal("-1234.56")),
        ("4214", 2026, Decimal("7.00")),
    ]


def test_xlsx_problems_name_row_and_column(tmp_path: Path) -> None:
    data = xlsx_file(
        tmp_path,
        [
            ["Haushaltsplan 2026 – Export vom 01.10.2025"],  # a title above the header
            [],
            HEADER,
            [11.2, 4211, 2026, "Ansatz", 12.345],
            ["11.20", 4211, 2026, "Ansatz", True],
        ],
    )
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, "haushalt.xlsx", DEFAULT)
    assert caught.value.problems == [
        "Zeile 4, Spalte A (Produkt): die Produktnummer ist als Zahl gespeichert (11,2); "
        "erwartet Text wie 11.20 oder 11.20.04",
        "Zeile 4, Spalte E (Betrag): „12,345“ hat mehr als zwei Nachkommastellen",
        "Zeile 5, Spalte E (Betrag): ein Wahrheitswert statt eines Betrags",
    ]


def test_negative_and_trailing_minus_amounts(tmp_path: Path) -> None:
    budget = read(
        tmp_path,
        [
            line("4211", "-1.234,50"),
            line("4212", "1.234,00-"),
            line("4213", " 12,5- "),
            line("4214", "-0,01"),
            line("4215", "1.234.567"),  # thousands only: unambiguous
            line("4216", "999.999.999.999,99"),  # just below 10^12
        ],
    )
    assert amounts(budget) == [
        Decimal("-1234.50"),
        Decimal("-1234.00"),
        Decimal("-12.50"),
        Decimal("-0.01"),
        Decimal("1234567.00"),
        Decimal("999999999999.99"),
    ]


def test_header_names_compare_without_case_and_extra_spaces(tmp_path: Path) -> None:
    data, name = csv_file(
        tmp_path,
        [
            ["Export Haushalt"],
            [" produkt ", "KONTO", "Jahr", "art", "Betrag", "Bezeichnung"],
            ["11.20", "4211", "2026", "  ANSATZ ", "1,00", "Büromaterial"],
        ],
    )
    budget = read_budget_file(data, name, DEFAULT)
    assert budget.rows[0].row == 3 and budget.rows[0].kind is BudgetKind.ansatz


def test_blank_rows_are_skipped_and_rows_keep_the_spreadsheets_numbers(tmp_path: Path) -> None:
    budget = read(
        tmp_path,
        [line("4211"), [], ["", "", "", "", ""], line("4212", "2,00")],
    )
    assert [row.row for row in budget.rows] == [2, 5]


# --- accounts and sides ------------------------------------------------------------------


def test_account_classes_and_investments(tmp_path: Path) -> None:
    budget = read(
        tmp_path,
        [
            line("3"),  # an account group
            line("42"),
            line("6811"),
            line("7871"),
            line("7011"),  # a current payment: skipped
            line("6912"),  # financing: skipped
        ],
    )
    assert [(row.account, row.side) for row in budget.rows] == [
        ("3", BudgetSide.income),
        ("42", BudgetSide.expenses),
        ("6811", BudgetSide.investment_income),
        ("7871", BudgetSide.investment_expenses),
    ]
    assert budget.payments == 2
    assert side_of_account("4211") is BudgetSide.expenses
    assert side_of_account("0511") is None


def test_an_account_outside_the_budget_is_refused(tmp_path: Path) -> None:
    assert problems(
        tmp_path,
        [
            line("0511"),
            line("7"),
            line("42a"),
        ],
    ) == [
        "Zeile 2, Spalte B (Konto): Konto 0511 gehört weder zum Ergebnishaushalt (Kontenklasse "
        "3 Erträge, 4 Aufwendungen) noch zu den Investitionen (68 Einzahlungen, 78 Auszahlungen)",
        "Zeile 3, Spalte B (Konto): Kontenklasse 7 ohne Kontengruppe: Investitionen (78) sind "
        "nicht von den übrigen Zahlungen zu unterscheiden",
        "Zeile 4, Spalte B (Konto): „42a“ ist keine Kontonummer; erwartet nur Ziffern wie 4211 "
        "(Kontenrahmen Baden-Württemberg)",
    ]


def test_a_side_column_overrides_the_account_class(tmp_path: Path) -> None:
    layout = BudgetLayout(side_column="Ertrag/Aufwand")
    data, name = csv_file(
        tmp_path,
        [
            [*HEADER, "Ertrag/Aufwand"],
            ["11.20", "0511", "2026", "Ansatz", "1,00", "Aufwand"],
            ["11.20", "4211", "2026", "Ansatz", "2,00", "ertrag"],
            ["11.20", "4212", "2026", "Ansatz", "3,00", ""],  # empty: the class decides
            ["11.20", "7011", "2026", "Ansatz", "4,00", "Investitionsauszahlung"],
        ],
    )
    budget = read_budget_file(data, name, layout)
    assert [(row.account, row.side) for row in budget.rows] == [
        ("0511", BudgetSide.expenses),
        ("4211", BudgetSide.income),
        ("4212", BudgetSide.expenses),
        ("7011", BudgetSide.investment_expenses),
    ]
    data, name = csv_file(
        tmp_path, [[*HEADER, "Ertrag/Aufwand"], ["11.20", "4211", "2026", "Ansatz", "1,00", "Soll"]]
    )
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, layout)
    assert caught.value.problems[0].startswith(
        "Zeile 2, Spalte F (Ertrag/Aufwand): „Soll“ ist keine bekannte Seite; erwartet „Ertrag“"
    )


def test_the_same_account_as_income_and_expense_is_no_duplicate(tmp_path: Path) -> None:
    layout = BudgetLayout(side_column="Seite")
    data, name = csv_file(
        tmp_path,
        [
            [*HEADER, "Seite"],
            ["11.20", "5000", "2026", "Ansatz", "1,00", "Ertrag"],
            ["11.20", "5000", "2026", "Ansatz", "1,00", "Aufwand"],
        ],
    )
    assert len(read_budget_file(data, name, layout).rows) == 2


# --- bad amounts and cells -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("12,34,5", "„12,34,5“ ist keine Zahl; erwartet einen Betrag wie 1.234,56"),
        (
            "1.234",
            "„1.234“ ist mehrdeutig (Tausenderpunkt oder Dezimalpunkt?); bitte mit Dezimalkomma "
            "schreiben, z. B. 1.234,00",
        ),
        ("1.23.4", "„1.23.4“ ist keine Zahl; erwartet einen Betrag wie 1.234,56"),
        ("", "kein Betrag (leere Zelle); für nichts bitte 0,00 eintragen"),
        ("zwölf", "„zwölf“ ist keine Zahl; erwartet einen Betrag wie 1.234,56"),
        ("1,234", "„1,234“ hat mehr als zwei Nachkommastellen"),
        ("1e3", "„1e3“ ist keine Zahl; erwartet einen Betrag wie 1.234,56"),
        ("NaN", "„NaN“ ist keine Zahl; erwartet einen Betrag wie 1.234,56"),
        ("١٢,٥٠", "„١٢,٥٠“ ist keine Zahl; erwartet einen Betrag wie 1.234,56"),
        (
            "1.000.000.000.000,00",
            "1.000.000.000.000 EUR ist unplausibel groß (ab 1.000.000.000.000 EUR wird kein "
            "Betrag angenommen)",
        ),
        (
            "-1000000000000",
            "-1.000.000.000.000 EUR ist unplausibel groß (ab 1.000.000.000.000 EUR wird kein "
            "Betrag angenommen)",
        ),
    ],
)
def test_a_bad_amount_is_refused_with_row_and_column(
    tmp_path: Path, amount: str, reason: str
) -> None:
    error = refusal(
        tmp_path,
        [line("4211"), ["11.20", "4212", "2026", "Ansatz", amount]],
    )
    assert error.problems == [f"Zeile 3, Spalte E (Betrag): {reason}"]
    assert error.message == (
        "haushalt.csv wurde nicht übernommen (1 Problem); nichts wurde gespeichert:"
    )


def test_every_problem_of_a_row_in_the_order_of_the_columns(tmp_path: Path) -> None:
    assert problems(tmp_path, [["11.2", "", "1999", "Soll", "x"]]) == [
        "Zeile 2, Spalte A (Produkt): „11.2“ ist keine Produktnummer; erwartet eine "
        "Produktgruppe wie 11.20 oder ein Produkt wie 11.20.04",
        "Zeile 2, Spalte B (Konto): keine Kontonummer (leere Zelle); erwartet Ziffern wie 4211",
        "Zeile 2, Spalte C (Jahr): „1999“ ist kein Jahr zwischen 2000 und 2100",
        "Zeile 2, Spalte D (Art): „Soll“ ist keine bekannte Art; erwartet „Ansatz“, "
        "„fortgeschriebener Ansatz“, „Ergebnis“, „Plan“",
        "Zeile 2, Spalte E (Betrag): „x“ ist keine Zahl; erwartet einen Betrag wie 1.234,56",
    ]


@pytest.mark.parametrize("product", ["1120", "11.2.04", "11.20.4", "11-20", "11.20.04.01", "١١.٢٠"])
def test_product_numbers_are_strict(tmp_path: Path, product: str) -> None:
    assert problems(tmp_path, [[product, "4211", "2026", "Ansatz", "1,00"]]) == [
        f"Zeile 2, Spalte A (Produkt): „{product}“ ist keine Produktnummer; erwartet eine "
        "Produktgruppe wie 11.20 oder ein Produkt wie 11.20.04"
    ]


def test_spaces_around_a_product_number_are_dropped(tmp_path: Path) -> None:
    budget = read(tmp_path, [[" 11.20.04 ", "4211", "2026", "Ansatz", "1,00"]])
    assert budget.rows[0].product == "11.20.04"


def test_a_cell_over_200_characters_is_refused_shortened(tmp_path: Path) -> None:
    assert problems(tmp_path, [["1" * 201, "4211", "2026", "Ansatz", "9" * 300]]) == [
        "Zeile 2, Spalte A (Produkt): die Zelle ist länger als 200 Zeichen (201)",
        "Zeile 2, Spalte E (Betrag): die Zelle ist länger als 200 Zeichen (300)",
    ]


def test_a_duplicate_key_names_both_rows(tmp_path: Path) -> None:
    assert problems(
        tmp_path,
        [
            line("4211"),
            line("4212"),
            [" 11.20", "4211", "2026", "ansatz", "5,00"],
        ],
    ) == [
        "Zeile 4, Spalte A (Produkt): Produkt 11.20, Konto 4211, 2026, Ansatz, Aufwendungen: "
        "steht schon in Zeile 2 (doppelte Zeile)"
    ]


def test_at_most_200_problems_are_listed_and_the_rest_counted(tmp_path: Path) -> None:
    rows = [line(f"4{n:03d}", "1.234") for n in range(250)]
    error = refusal(tmp_path, rows)
    assert error.message.startswith("haushalt.csv wurde nicht übernommen (250 Probleme)")
    assert len(error.problems) == 201
    assert error.problems[0].startswith("Zeile 2, Spalte E (Betrag): „1.234“ ist mehrdeutig")
    assert error.problems[199].startswith("Zeile 201, Spalte E (Betrag)")
    assert error.problems[-1] == "… und 50 weitere Probleme"


# --- whole-file refusals -------------------------------------------------------------------


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BudgetFileInvalid, match="Die Datei leer.csv ist leer"):
        read_budget_file(b" \r\n", "leer.csv", DEFAULT)


def test_a_header_without_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BudgetFileInvalid, match="unter der Kopfzeile stehen keine Zeilen"):
        read(tmp_path, [])


@pytest.mark.parametrize("data", [b"PK\x03\x04kaputt", b"PK" + bytes(range(256)) * 20])
def test_a_corrupt_xlsx_is_refused(data: bytes) -> None:
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, "haushalt.xlsx", DEFAULT)
    assert str(caught.value) == (
        "Die Datei haushalt.xlsx ist keine gültige Excel-Datei (.xlsx): beschädigt, "
        "unvollständig übertragen oder ein anderes Format; nichts wurde gespeichert."
    )


def test_a_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    data = xlsx_file(tmp_path, [HEADER, ["11.20", 4211, 2026, "Ansatz", 1]])
    with pytest.raises(BudgetFileInvalid, match="keine gültige Excel-Datei"):
        read_budget_file(data[: len(data) // 2], "haushalt.xlsx", DEFAULT)


def test_a_binary_file_and_old_excel_are_refused() -> None:
    with pytest.raises(BudgetFileInvalid, match="weder eine .xlsx- noch eine CSV-Datei"):
        read_budget_file(b"Produkt\x00;Konto", "haushalt.csv", DEFAULT)
    with pytest.raises(BudgetFileInvalid, match="das alte Excel-Format .xls"):
        read_budget_file(b"\xd0\xcf\x11\xe0", "haushalt.xls", DEFAULT)


def test_a_file_without_the_header_is_refused_naming_the_expected_one(tmp_path: Path) -> None:
    data, name = csv_file(tmp_path, [["Produktnr", "Konto", "Betrag"], ["11.20", "4211", "1,00"]])
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, DEFAULT)
    assert str(caught.value) == (
        "Die Datei haushalt.csv wurde nicht übernommen: keine Kopfzeile mit der Spalte "
        "„Produkt“ in den ersten 20 Zeilen gefunden; erwartet wird „Produkt;Konto;Jahr;Art;"
        "Betrag“ (Spalten getrennt durch Semikolon, Komma oder Tabulator)."
    )


def test_a_missing_column_is_named_with_the_expected_header(tmp_path: Path) -> None:
    data, name = csv_file(tmp_path, [["Produkt", "Jahr", "Art", "Summe"], ["11.20", "2026"]])
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, DEFAULT)
    assert caught.value.problems == [
        "Zeile 1: die Spalte „Konto“ fehlt; erwartet wird die Kopfzeile "
        "„Produkt;Konto;Jahr;Art;Betrag“",
        "Zeile 1: die Spalte „Betrag“ fehlt; erwartet wird die Kopfzeile "
        "„Produkt;Konto;Jahr;Art;Betrag“",
    ]


def test_a_column_twice_is_refused(tmp_path: Path) -> None:
    data, name = csv_file(tmp_path, [[*HEADER, "Betrag"], ["11.20", "4211", "2026", "Ansatz"]])
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, DEFAULT)
    assert caught.value.problems == ["Zeile 1: die Spalte „Betrag“ steht zweimal (E und F)"]


def test_a_file_over_the_size_limit_is_refused_unread(monkeypatch) -> None:
    monkeypatch.setattr(budget_file, "MAX_FILE_BYTES", 100)
    with pytest.raises(BudgetFileInvalid, match="größer als 0 MB und wurde nicht gelesen"):
        read_budget_file(b"x" * 101, "haushalt.csv", DEFAULT)


def test_too_many_rows_are_refused_while_reading(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(budget_file, "MAX_ROWS", 3)
    rows = [line(f"42{n:02d}") for n in range(4)]
    with pytest.raises(BudgetFileInvalid, match="sie hat mehr als 3 Zeilen"):
        read(tmp_path, rows)
    assert len(read(tmp_path, rows[:3]).rows) == 3


def test_an_over_long_csv_field_is_refused_with_its_line(tmp_path: Path) -> None:
    rows = [
        line("4211"),
        ["11.20", "4212", "2026", "Ansatz", "x" * 200_000],
    ]
    with pytest.raises(BudgetFileInvalid) as caught:
        read(tmp_path, rows)
    assert str(caught.value) == (
        "Die Datei haushalt.csv wurde nicht übernommen: Zeile 3: ein Feld ist länger als "
        "131.072 Zeichen."
    )


# --- year and kind options ------------------------------------------------------------------


def test_the_options_supply_a_missing_year_and_kind(tmp_path: Path) -> None:
    data, name = csv_file(tmp_path, [["Produkt", "Konto", "Betrag"], ["11.20", "4211", "5,00"]])
    budget = read_budget_file(data, name, DEFAULT, year=2026, kind=BudgetKind.ergebnis)
    assert budget.rows[0][1:5] == ("11.20", "4211", 2026, BudgetKind.ergebnis)


def test_without_a_year_column_the_year_is_required(tmp_path: Path) -> None:
    data, name = csv_file(
        tmp_path, [["Produkt", "Konto", "Art", "Betrag"], ["11.20", "4211", "Plan", "5,00"]]
    )
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, DEFAULT)
    assert caught.value.field == "year"
    assert caught.value.problems == [
        "Zeile 1: die Datei hat keine Spalte „Jahr“; bitte das Jahr der Beträge beim Import angeben"
    ]
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, DEFAULT, kind=BudgetKind.plan)
    assert caught.value.field == "year"


def test_without_a_kind_column_the_kind_is_required(tmp_path: Path) -> None:
    data, name = csv_file(
        tmp_path, [["Produkt", "Konto", "Jahr", "Betrag"], ["11.20", "4211", "2026", "5,00"]]
    )
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, DEFAULT)
    assert caught.value.field == "kind"
    assert "keine Spalte „Art“; bitte die Art (Ansatz, Ergebnis, ...)" in caught.value.problems[0]
    assert len(read_budget_file(data, name, DEFAULT, kind=BudgetKind.ansatz).rows) == 1


def test_with_columns_the_options_select_a_slice(tmp_path: Path) -> None:
    rows = [
        ["11.20", "4211", "2025", "Ergebnis", "1,00"],
        line("4211", "2,00"),
        ["11.20", "4211", "2026", "Ergebnis", "x"],  # another slice: its amount is not read
        ["11.20", "4211", "2027", "Plan", "4,00"],
    ]
    budget = read(tmp_path, rows, year=2026, kind=BudgetKind.ansatz)
    assert [(row.row, row.amount) for row in budget.rows] == [(3, Decimal("2.00"))]
    assert budget.other_slice == 3
    assert len(read(tmp_path, [rows[0], rows[1], rows[3]], year=2026).rows) == 1
    assert len(read(tmp_path, [rows[0], rows[1], rows[3]], kind=BudgetKind.plan).rows) == 1


def test_a_row_of_no_known_slice_is_checked_whole(tmp_path: Path) -> None:
    assert problems(
        tmp_path,
        [line("4211"), ["11.20", "4211", "20xx", "Ansatz", "x"]],
        year=2026,
    ) == [
        "Zeile 3, Spalte C (Jahr): „20xx“ ist kein Jahr zwischen 2000 und 2100",
        "Zeile 3, Spalte E (Betrag): „x“ ist keine Zahl; erwartet einen Betrag wie 1.234,56",
    ]


def test_a_slice_that_selects_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BudgetFileInvalid) as caught:
        read(
            tmp_path,
            [["11.20", "4211", "2025", "Ergebnis", "1,00"]],
            year=2026,
            kind=BudgetKind.ansatz,
        )
    assert str(caught.value) == (
        "Die Datei haushalt.csv wurde nicht übernommen: keine Zeile für Ansatz 2026 (1 Zeilen "
        "anderer Jahre oder Arten); nichts wurde gespeichert."
    )


def test_a_year_option_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KreislaufError) as caught:
        read(tmp_path, [line("4211")], year=1999)
    assert caught.value.field == "year"


# --- the bulk path and the row path agree ------------------------------------------------


def test_chunks_read_in_bulk_and_row_by_row_agree(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(budget_file, "CHUNK", 3)
    rows = [
        ["11.20", f"4{n:03d}", "2026", "Ansatz", f"{n}.000,{n % 100:02d}"] for n in range(1, 10)
    ]
    rows[4][4] = "5000,5"  # an unusual amount: its chunk is read row by row
    rows.append(line("7011"))  # a payment in a bulk chunk
    rows.append(line("4001", "9,00"))  # a duplicate of row 2
    budget_error = refusal(tmp_path, rows)
    assert budget_error.problems == [
        "Zeile 12, Spalte A (Produkt): Produkt 11.20, Konto 4001, 2026, Ansatz, Aufwendungen: "
        "steht schon in Zeile 2 (doppelte Zeile)"
    ]
    budget = read(tmp_path, rows[:-1])
    assert [row.amount for row in budget.rows][3:6] == [
        Decimal("4000.04"),
        Decimal("5000.50"),
        Decimal("6000.06"),
    ]
    assert len(budget.rows) == 9 and budget.payments == 1


# --- the layout -----------------------------------------------------------------------------


def test_a_layout_with_a_column_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="Spaltenname mehrfach vergeben: betrag"):
        BudgetLayout(account_column="Betrag")


def test_a_layout_with_a_label_for_two_kinds_is_refused() -> None:
    with pytest.raises(ValueError, match="„ist“ steht für zweierlei"):
        BudgetLayout(kind_labels={"Ist": BudgetKind.ergebnis, "ist": BudgetKind.ansatz})


def test_a_finance_systems_own_words_are_configurable(tmp_path: Path) -> None:
    layout = BudgetLayout(
        product_column="PSP-Element",
        account_column="Sachkonto",
        year_column="Geschäftsjahr",
        kind_column="Version",
        amount_column="Wert",
        kind_labels={"Plan 0": BudgetKind.ansatz, "Ist": BudgetKind.ergebnis},
    )
    data, name = csv_file(
        tmp_path,
        [
            ["PSP-Element", "Sachkonto", "Geschäftsjahr", "Version", "Wert"],
            ["11.20", "4211", "2026", "plan 0", "1,00"],
            ["11.20", "4211", "2025", "IST", "2,00"],
        ],
    )
    budget = read_budget_file(data, name, layout)
    assert [row.kind for row in budget.rows] == [BudgetKind.ansatz, BudgetKind.ergebnis]


# --- unknown products --------------------------------------------------------------------------


def test_unknown_products_are_named_once_with_their_first_row(tmp_path: Path) -> None:
    budget = read(
        tmp_path,
        [
            line("4211"),
            ["11.99", "4211", "2026", "Ansatz", "1,00"],
            ["11.99", "4212", "2026", "Ansatz", "1,00"],
            ["11.20.04", "4211", "2026", "Ansatz", "1,00"],
            ["11.20.09", "4211", "2026", "Ansatz", "1,00"],
        ],
    )
    assert unknown_products(budget, {"11.20"}, {"11.20.04"}) == [
        "Zeile 3, Spalte A (Produkt): die Produktgruppe 11.99 gibt es im Produktplan nicht "
        "(auch in 1 weiteren Zeilen)",
        "Zeile 6, Spalte A (Produkt): das Produkt 11.20.09 gibt es im Produktplan nicht",
    ]
    assert unknown_products(budget, {"11.20", "11.99"}, {"11.20.04", "11.20.09"}) == []


def test_bulk_chunks_with_a_side_column_a_slice_and_a_refused_account(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(budget_file, "CHUNK", 4)
    layout = BudgetLayout(side_column="Seite")
    rows = [
        ["11.20", "4211", "2026", "Ansatz", "1,00", ""],
        ["11.20", "4211", "2026", "Ansatz", "2,00", "Ertrag"],  # another side: no duplicate
        ["11.20", "4211", "2025", "Ergebnis", "3,00", ""],  # another slice
        ["11.20", "7011", "2026", "Ansatz", "4,00", ""],  # a payment
        ["11.20", "0511", "2026", "Ansatz", "5,00", "Aufwand"],  # labelled: taken
        ["11.20", "4211", "2026", "Ansatz", "6,00", "Aufwand"],  # the same as row 2
        ["11.20", "0512", "2026", "Ansatz", "7,00", ""],  # refused
        ["11.20", "4212", "2026", "Ansatz", "8,00", ""],
    ]
    data, name = csv_file(tmp_path, [[*HEADER, "Seite"], *rows])
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, layout, year=2026)
    assert caught.value.problems == [
        "Zeile 7, Spalte A (Produkt): Produkt 11.20, Konto 4211, 2026, Ansatz, Aufwendungen: "
        "steht schon in Zeile 2 (doppelte Zeile)",
        "Zeile 8, Spalte B (Konto): Konto 0512 gehört weder zum Ergebnishaushalt (Kontenklasse "
        "3 Erträge, 4 Aufwendungen) noch zu den Investitionen (68 Einzahlungen, 78 Auszahlungen)",
    ]
    del rows[5:7]
    data, name = csv_file(tmp_path, [[*HEADER, "Seite"], *rows])
    budget = read_budget_file(data, name, layout, year=2026)
    assert [(row.row, row.account, row.side) for row in budget.rows] == [
        (2, "4211", BudgetSide.expenses),
        (3, "4211", BudgetSide.income),
        (6, "0511", BudgetSide.expenses),
        (7, "4212", BudgetSide.expenses),
    ]
    assert (budget.other_slice, budget.payments) == (1, 1)


def test_a_payment_row_is_skipped_whatever_else_it_holds(tmp_path: Path) -> None:
    budget = read(
        tmp_path,
        [line("4211"), ["1120", "7011", "2026", "Ansatz", "x"]],
    )
    assert len(budget.rows) == 1 and budget.payments == 1


def test_xlsx_rows_keep_excels_numbers_across_empty_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for column, title in enumerate(HEADER, start=1):
        sheet.cell(row=2, column=column, value=title)
    for column, value in enumerate(["11.20", 4211, 2026, "Ansatz", 5], start=1):
        sheet.cell(row=6, column=column, value=value)
    sheet.cell(row=9, column=1, value="11.2x")
    path = tmp_path / "haushalt.xlsx"
    book.save(path)
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(path.read_bytes(), "haushalt.xlsx", DEFAULT)
    assert caught.value.problems[0].startswith("Zeile 9, Spalte A (Produkt): „11.2x“")
    assert caught.value.problems[1] == (
        "Zeile 9, Spalte B (Konto): keine Kontonummer (leere Zelle); erwartet Ziffern wie 4211"
    )


def test_tab_separated_with_a_line_break_inside_a_cell(tmp_path: Path) -> None:
    data, name = csv_file(
        tmp_path,
        [
            [*HEADER, "Bezeichnung"],
            ["11.20", "4211", "2026", "Ansatz", "1,00", "zwei\nZeilen"],
            ["11.20", "4212", "2026", "Ansatz", "1,0,0", ""],
        ],
        delimiter="\t",
    )
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, DEFAULT)
    assert caught.value.problems == [
        "Zeile 3, Spalte E (Betrag): „1,0,0“ ist keine Zahl; erwartet einen Betrag wie 1.234,56"
    ]


def german(cents: int) -> str:
    """An amount in cents as a finance system writes it: -1234567 -> "-12.345,67"."""
    euros = f"{abs(cents) // 100:,}".replace(",", ".")
    return f"{'-' if cents < 0 else ''}{euros},{abs(cents) % 100:02d}"


def test_the_bulk_path_reads_as_row_by_row_would(tmp_path: Path, monkeypatch) -> None:
    shuffled = random.Random(7)
    periods = [("2025", "Ergebnis"), ("2026", "Ansatz"), ("2026", "fortgeschriebener Ansatz")]
    rows = [
        [product, account, year, kind, german(random.randrange(-(10**6), 10**11))]
        for product in ("11.20", "11.20.04", "36.50", "54.10")
        for account in ("3111", "4211", "4311", "6811", "7011", "7871", "7911")
        for year, kind in periods
    ]
    shuffled.shuffle(rows)
    assert german(-123456789) == "-1.234.567,89"
    in_bulk = budget_file._Reader._chunk
    taken: list[bool] = []
    monkeypatch.setattr(
        budget_file._Reader, "_chunk", lambda *args: taken.append(in_bulk(*args)) or taken[-1]
    )
    bulk = read(tmp_path, rows, year=2026)
    assert taken == [True]
    monkeypatch.setattr(budget_file._Reader, "_chunk", lambda self, chunk, start: False)
    assert read(tmp_path, rows, year=2026) == bulk
    assert (len(bulk.rows), bulk.payments, bulk.other_slice) == (4 * 5 * 2, 4 * 2 * 2, 4 * 7)


def test_a_side_column_the_layout_names_must_be_there(tmp_path: Path) -> None:
    data, name = csv_file(tmp_path, [HEADER, line("4211")])
    with pytest.raises(BudgetFileInvalid) as caught:
        read_budget_file(data, name, BudgetLayout(side_column="Seite"))
    assert caught.value.problems == [
        "Zeile 1: die Spalte „Seite“ fehlt; erwartet wird die Kopfzeile "
        "„Produkt;Konto;Jahr;Art;Betrag;Seite“"
    ]


def test_an_xlsx_declaring_too_many_rows_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    data = xlsx_file(
        tmp_path, [HEADER, *[["11.20", 4200 + n, 2026, "Ansatz", 1] for n in range(30)]]
    )
    monkeypatch.setattr(budget_file, "MAX_ROWS", 5)
    with pytest.raises(BudgetFileInvalid, match="sie hat mehr als 5 Zeilen"):
        read_budget_file(data, "haushalt.xlsx", DEFAULT)


def test_long_year_and_kind_cells_are_refused_shortened(tmp_path: Path) -> None:
    assert problems(tmp_path, [["11.20", "4211", "2" * 300, "A" * 201, "1,00"]]) == [
        "Zeile 2, Spalte C (Jahr): die Zelle ist länger als 200 Zeichen (300)",
        "Zeile 2, Spalte D (Art): die Zelle ist länger als 200 Zeichen (201)",
    ]


def test_a_layout_reads_from_configuration_data() -> None:
    layout = BudgetLayout.model_validate(
        {"amount_column": " Wert ", "kind_labels": {"Ist": "ergebnis"}, "side_column": "Seite"}
    )
    assert layout.amount_column == "Wert"
    assert layout.kinds() == {"ist": BudgetKind.ergebnis}
    assert layout.header() == "Produkt;Konto;Jahr;Art;Wert;Seite"
    with pytest.raises(ValueError, match="extra_forbidden|Extra inputs"):
        BudgetLayout.model_validate({"amount": "Betrag"})
    with pytest.raises(ValueError, match="at most 100 characters"):
        BudgetLayout(product_column="P" * 101)
