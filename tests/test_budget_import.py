"""`kreislauf budget import` and `budget show`: the finance system's export checked against the
body's plan and cycles, each (year, kind) slice replaced, every refusal without a write.

Lörrach's cycle 2027 makes the import years 2017..2031 (ten before the first cycle, four after
the last). The files are written here; the reader's own rules are in tests/test_budget_file.py.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.audit import AuditEvent
from models.budget import BudgetImport, BudgetLine
from models.db import session_scope
from models.errors import KreislaufError
from models.strategy import Product
from services.budget_import import allowed_years, import_budget
from services.cycles import create_cycle
from tests.conftest import MUSTERSTADT, NOW, install, row_counts

HEADER = ["Produkt", "Konto", "Jahr", "Art", "Betrag"]
ROWS = [
    ["11.24", "3110", "2026", "Ansatz", "1.234,56"],  # income of the group
    ["11.24.02", "4211", "2026", "Ansatz", "10.000,00"],  # expenses of a product
    ["11.24.02", "4212", "2026", "Ansatz", "-500,00"],  # a correction
    ["11.20", "4211", "2026", "Ansatz", "2.000.000,00"],
    ["11.20.04", "3480", "2026", "Ansatz", "250.000,50"],
    ["11.20", "7831", "2026", "Ansatz", "40.000,00"],  # an investment payment
    ["11.20", "6111", "2026", "Ansatz", "99,00"],  # another payment: skipped
    ["11.24", "4211", "2026", "Ergebnis", "11.000,00"],
    ["11.20", "4211", "2026", "Ergebnis", "1.800.000,00"],
]
# net requirement of the Ansatz: 11.24: 10.000 - 500 - 1.234,56; 11.20: 2.000.000 - 250.000,50
PLAN_1124, PLAN_1120 = Decimal("8265.44"), Decimal("1749999.50")


def write_csv(
    path: Path, rows: list[list[Any]], *, delimiter: str = ";", encoding: str = "utf-8"
) -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def body(engine: sa.Engine, loerrach):  # type: ignore[no-untyped-def]
    """Lörrach with its 2027 cycle: budget years 2017..2031."""
    with session_scope(engine) as session:
        create_cycle(session=session, body=loerrach, year=2027, now=NOW, actor="test")
    return loerrach


def flat(text: str) -> str:
    return " ".join(text.split())


def show_json(cli, year: str = "2026") -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = cli("budget", "show", year, "--json")
    assert result.exit_code == 0, result.output
    return {group["number"]: group for group in json.loads(result.stdout)}


def lines(engine: sa.Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return sorted(
            connection.execute(
                sa.text("SELECT year, kind, product_number, account, side, amount FROM budget_line")
            ).all()
        )


# --------------------------------------------------------------------------- round trips


@pytest.mark.both_databases
def test_csv_round_trip_through_the_cli(engine, body, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "haushalt.csv", [HEADER, *ROWS])
    result = cli("budget", "import", str(path))
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    # 11.24.02's two accounts of group 42 are one sum
    assert "Ansatz 2026: 6 Zeilen, gespeichert als 5 Summen" in out
    assert "(vorher 0)" in out
    assert "Erträge: 0,00 € → 251.235,06 €" in out
    assert "Aufwendungen: 0,00 € → 2.009.500,00 €" in out
    assert "Zuschussbedarf: 0,00 € → 1.758.264,94 €" in out
    assert "Ergebnis 2026: 2 Zeilen" in out
    assert "Nicht übernommen: 1 Zeile mit Zahlungen des Finanzhaushalts" in out
    stored = lines(engine)
    assert len(stored) == 7  # per product, account group and side
    assert (2026, "ansatz", "11.24.02", "42", "expenses", Decimal("9500.00")) in [
        (*row[:5], Decimal(str(row[5])).quantize(Decimal("0.01"))) for row in stored
    ]
    with session_scope(engine) as session:
        product_line = session.exec(
            select(BudgetLine).where(BudgetLine.product_number == "11.20.04")
        ).one()
        group_line = session.exec(select(BudgetLine).where(BudgetLine.account == "78")).one()
        assert product_line.product_group_id == group_line.product_group_id  # 11.20
        assert group_line.side == "investment_expenses" and group_line.product_number == ""
        runs = session.exec(select(BudgetImport)).all()
        assert sorted((run.year, run.kind, run.rows) for run in runs) == [
            (2026, "ansatz", 6),
            (2026, "ergebnis", 2),
        ]
        assert all(run.file_name == "haushalt.csv" and len(run.sha256) == 64 for run in runs)

    shown = show_json(cli)
    assert shown["11.24"] == {
        "number": "11.24",
        "name": "Gebäudemanagement",
        "partial_budget": {"number": "3", "name": "Gebäudemanagement"},
        "plan_kind": "ansatz",
        "plan": str(PLAN_1124),
        "result": "11000.00",
        "deviation": str(Decimal("11000.00") - PLAN_1124),
        "deviation_percent": "33.1",
    }
    assert shown["11.20"]["plan"] == str(PLAN_1120)
    assert shown["11.20"]["deviation"] == "50000.50"
    result = cli("budget", "show", "2026")
    assert result.exit_code == 0, result.output
    assert "8.265,44 €" in result.stdout and "1.749.999,50 €" in result.stdout
    assert "Summe" in result.stdout and "Gebäudemanagement" in result.stdout


def test_xlsx_with_number_and_text_cells_imports(engine, body, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(
        tmp_path / "haushalt.xlsx",
        [
            ["Haushaltsplan 2026"],  # a title above the header
            HEADER,
            ["11.24", 3110, 2026, "Ansatz", 1234.56],
            ["11.24.02", "4211", "2026", "Ansatz", "10.000,00"],
            ["11.24.02", 4212, 2026, "Ansatz", -500],
        ],
    )
    result = cli("budget", "import", str(path))
    assert result.exit_code == 0, result.output
    assert show_json(cli)["11.24"]["plan"] == str(PLAN_1124)


def test_windows_1252_comma_file_with_a_title_imports(engine, body, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        ["Haushaltsübersicht Landkreis Lörrach"],
        HEADER,
        ["11.24", "3110", "2026", "fortgeschriebener Ansatz", "1.234,56"],
        ["11.24.02", "4211", "2026", "fortgeschriebener Ansatz", "10.000,00"],
        ["11.24.02", "4212", "2026", "fortgeschriebener Ansatz", "500,00-"],  # SAP's minus
        ["11.24", "4211", "2026", "Ansatz", "1,00"],  # another kind: counted, not taken
    ]
    path = write_csv(tmp_path / "export.csv", rows, delimiter=",", encoding="cp1252")
    result = cli("budget", "import", str(path), "--kind", "fortgeschrieben")
    assert result.exit_code == 0, result.output
    assert "fortgeschriebener Ansatz 2026: 3 Zeilen" in flat(result.stdout)
    assert "1 Zeile anderer Jahre oder Arten" in flat(result.stdout)
    group = show_json(cli)["11.24"]
    assert (group["plan_kind"], group["plan"], group["result"]) == (
        "fortgeschrieben",
        str(PLAN_1124),
        None,
    )


# --------------------------------------------------------------------------- replacing


@pytest.mark.both_databases
def test_a_reimport_replaces_its_slice_and_audits_before_and_after(
    engine, body, cli, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "haushalt.csv", [HEADER, *ROWS])
    assert cli("budget", "import", str(path)).exit_code == 0
    first = lines(engine)
    shown = show_json(cli)
    result = cli("budget", "import", str(path), "--kind", "ansatz", "--year", "2026")
    assert result.exit_code == 0, result.output
    assert "Ansatz 2026: 6 Zeilen, gespeichert als 5 Summen" in flat(result.stdout)
    assert "(vorher 5)" in flat(result.stdout)
    assert "Zuschussbedarf: 1.758.264,94 € → 1.758.264,94 €" in flat(result.stdout)
    assert "Ergebnis" not in result.stdout  # only the slice asked for
    assert lines(engine) == first  # replaced, not doubled
    assert show_json(cli) == shown
    # a changed Ansatz replaces the old one; the Ergebnis stays
    changed = [row for row in ROWS if row[3] == "Ansatz" and row[0] != "11.20.04"]
    write_csv(path, [HEADER, *changed])
    assert cli("budget", "import", str(path)).exit_code == 0
    assert show_json(cli)["11.20"]["plan"] == "2000000.00"
    assert show_json(cli)["11.20"]["result"] == "1800000.00"
    with session_scope(engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "budget.import").order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    assert [(event.after or {})["kind"] for event in events] == [
        "ansatz",
        "ergebnis",
        "ansatz",
        "ansatz",
    ]
    second, third = events[2], events[3]
    assert second.before == {
        "year": 2026,
        "kind": "ansatz",
        "lines": 5,
        "income": "251235.06",
        "expenses": "2009500.00",
        "net_requirement": "1758264.94",
    }
    assert second.after is not None and second.after["net_requirement"] == "1758264.94"
    assert (second.after["rows"], second.after["lines"]) == (6, 5)
    assert second.after["file"] == "haushalt.csv"
    assert third.before == second.before
    assert third.after is not None
    assert (third.after["income"], third.after["net_requirement"]) == ("1234.56", "2008265.44")


@pytest.mark.both_databases
def test_the_service_writes_nothing_when_a_later_slice_is_wrong(engine, body) -> None:  # type: ignore[no-untyped-def]
    """Ansatz 2026 is fine, Ergebnis 2040 lies outside the cycles: neither is written."""
    data = "\r\n".join(
        ";".join(row) for row in [HEADER, *ROWS[:3], ["11.24", "4211", "2040", "Ergebnis", "1,00"]]
    ).encode()
    before = row_counts(engine)
    with session_scope(engine) as session, pytest.raises(KreislaufError) as caught:
        import_budget(session, body, data, "h.csv", year=None, kind=None, actor="t", now=NOW)
    assert "Zeile 5, Spalte C (Jahr): das Jahr 2040 liegt außerhalb der Kreisläufe" in str(
        caught.value
    )
    assert row_counts(engine) == before


def test_the_years_are_those_around_the_cycles(engine, body) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        assert allowed_years(session=session, body=body) == (2017, 2031)
        create_cycle(session=session, body=body, year=2028, now=NOW, actor="test")
    with session_scope(engine) as session:
        assert allowed_years(session=session, body=body) == (2017, 2032)


# --------------------------------------------------------------------------- bad input


BAD_FILES: dict[str, tuple[list[list[Any]], str]] = {
    "unknown_product": (
        [HEADER, ROWS[0], ["99.98", "4211", "2026", "Ansatz", "1,00"]],
        "Zeile 3, Spalte A (Produkt): die Produktgruppe 99.98 gibt es im Produktplan nicht",
    ),
    "unknown_product_of_a_group": (
        [HEADER, ROWS[0], ["11.24.97", "4211", "2026", "Ansatz", "1,00"]],
        "Zeile 3, Spalte A (Produkt): das Produkt 11.24.97 gibt es im Produktplan nicht",
    ),
    "no_number": (
        [HEADER, ["11.24", "4211", "2026", "Ansatz", "12,34,5"]],
        "Zeile 2, Spalte E (Betrag): „12,34,5“ ist keine Zahl",
    ),
    "ambiguous": (
        [HEADER, ["11.24", "4211", "2026", "Ansatz", "1.234"]],
        "Zeile 2, Spalte E (Betrag): „1.234“ ist mehrdeutig",
    ),
    "year_outside_cycles": (
        [HEADER, ROWS[0], ["11.24", "4211", "2016", "Ansatz", "1,00"]],
        "Zeile 3, Spalte C (Jahr): das Jahr 2016 liegt außerhalb der Kreisläufe von "
        "Landkreis Lörrach (erlaubt 2017 bis 2031)",
    ),
    "missing_column": (
        [HEADER[:4], ["11.24", "4211", "2026", "Ansatz"]],
        "Zeile 1: die Spalte „Betrag“ fehlt",
    ),
    "duplicate_row": (
        [HEADER, ROWS[1], ["11.24.02", "4211", "2026", "Ansatz", "3,00"]],
        "Zeile 3, Spalte A (Produkt): Produkt 11.24.02, Konto 4211, 2026, Ansatz, "
        "Aufwendungen: steht schon in Zeile 2 (doppelte Zeile)",
    ),
    "another_bodys_numbers": (
        [
            HEADER,
            ["88.10", "4211", "2026", "Ansatz", "1,00"],
            ["88.10.01", "3110", "2026", "Ansatz", "1,00"],
        ],
        "keine Produktnummer der Datei steht im Produktplan von Landkreis Lörrach – gehört die "
        "Datei zu einem anderen Haushalt?",
    ),
    "implausible": (
        [HEADER, ["11.24", "4211", "2026", "Ansatz", "1.000.000.000.000,00"]],
        "Zeile 2, Spalte E (Betrag): 1.000.000.000.000 EUR ist unplausibel groß",
    ),
    "empty": ([], "ist leer; nichts wurde gespeichert"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_is_refused_with_row_and_column_and_nothing_written(  # type: ignore[no-untyped-def]
    engine, body, cli, tmp_path, case
) -> None:
    rows, message = BAD_FILES[case]
    path = write_csv(tmp_path / "haushalt.csv", rows)
    before = row_counts(engine)
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2, result.output
    assert message in flat(result.stderr)
    assert "Traceback" not in result.output
    assert row_counts(engine) == before


def test_bad_input_does_not_touch_an_imported_slice(engine, body, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "haushalt.csv", [HEADER, *ROWS])
    assert cli("budget", "import", str(path)).exit_code == 0
    before, stored = row_counts(engine), lines(engine)
    write_csv(path, [HEADER, ROWS[0], ["11.24", "4211", "2026", "Ansatz", "12,34,5"]])
    assert cli("budget", "import", str(path)).exit_code == 2
    assert row_counts(engine) == before and lines(engine) == stored


def test_corrupt_xlsx_is_refused(engine, body, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = write_xlsx(tmp_path / "ok.xlsx", [HEADER, ROWS[0]]).read_bytes()
    path = tmp_path / "haushalt.xlsx"
    path.write_bytes(good[: len(good) // 2])  # cut off in transfer
    before = row_counts(engine)
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2
    assert "keine gültige Excel-Datei (.xlsx)" in flat(result.stderr)
    assert row_counts(engine) == before


def test_a_product_outside_the_plans_groups_belongs_to_no_partial_budget(  # type: ignore[no-untyped-def]
    engine, body, cli, tmp_path
) -> None:
    """A product group is always in a Teilhaushalt: products.toml requires it (tested in
    tests/test_product_plan.py, test_a_group_without_partial_budget_is_refused) and the column
    is NOT NULL. A product is not: one an earlier strategy version named keeps its row when it
    leaves products.toml, without a group, so its money would have no Teilhaushalt."""
    with session_scope(engine) as session:
        session.add(Product(body_id=body.id, number="61.30.01", name="Alt", product_group="61.30"))
    path = write_csv(
        tmp_path / "haushalt.csv", [HEADER, ROWS[0], ["61.30.01", "4211", "2026", "Ansatz", "1,00"]]
    )
    before = row_counts(engine)
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2
    assert (
        "Zeile 3, Spalte A (Produkt): das Produkt 61.30.01 gehört zu keiner Produktgruppe des "
        "Produktplans und damit zu keinem Teilhaushalt" in flat(result.stderr)
    )
    assert row_counts(engine) == before


def test_options_are_checked_against_the_cycles(engine, body, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(
        tmp_path / "haushalt.csv", [["Produkt", "Konto", "Betrag"], ["11.24", "4211", "1,00"]]
    )
    result = cli("budget", "import", str(path), "--year", "2035", "--kind", "ansatz")
    assert result.exit_code == 2
    assert flat(result.stderr).startswith("Fehler: --year: Das Jahr 2035 liegt außerhalb")
    result = cli("budget", "import", str(path), "--year", "2026", "--kind", "soll")
    assert result.exit_code == 2 and "--kind: „soll“ ist keine Art" in flat(result.stderr)
    result = cli("budget", "import", str(path), "--kind", "ansatz")
    assert result.exit_code == 2 and "Spalte „Jahr“" in flat(result.stderr)
    result = cli("budget", "import", str(path), "--year", "2026", "--kind", "ansatz")
    assert result.exit_code == 0, result.output
    assert "Ansatz 2026: 1 Zeile" in flat(result.stdout)


def test_a_body_without_product_plan_is_told_what_to_do(engine, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    install(engine, MUSTERSTADT)
    path = write_csv(tmp_path / "haushalt.csv", [HEADER, ROWS[0]])
    before = row_counts(engine)
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2
    assert "kein Produktplan hinterlegt" in flat(result.stderr)
    assert "products.toml" in flat(result.stderr)
    assert row_counts(engine) == before


def test_a_body_without_cycle_is_told_to_create_one(engine, loerrach, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "haushalt.csv", [HEADER, ROWS[0]])
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2
    assert "noch kein Kreislauf angelegt" in flat(result.stderr)
    assert "kreislauf cycle create" in flat(result.stderr)


# --------------------------------------------------------------------------- layouts

LAYOUT = """
[budget_import]
product_column = "Produktnummer"
account_column = "Sachkonto"
year_column = "Haushaltsjahr"
kind_column = "Planart"
amount_column = "Wert"

[budget_import.kind_labels]
"HH-Ansatz" = "ansatz"
"Rechnungsergebnis" = "ergebnis"
"""


@pytest.fixture
def other_layout(tmp_path: Path) -> Path:
    from tests.conftest import LOERRACH

    target = tmp_path / "body"
    shutil.copytree(LOERRACH, target)
    with (target / "body.toml").open("a", encoding="utf-8") as handle:
        handle.write(LAYOUT)
    return target


def test_a_body_layout_with_other_columns_imports(engine, cli, tmp_path, other_layout) -> None:  # type: ignore[no-untyped-def]
    result = cli("init", "--body-dir", str(other_layout))
    assert result.exit_code == 0, result.output
    assert cli("cycle", "create", "2027").exit_code == 0
    path = write_csv(
        tmp_path / "export.csv",
        [
            ["Produktnummer", "Sachkonto", "Haushaltsjahr", "Planart", "Wert"],
            ["11.24", "3110", "2026", "HH-Ansatz", "1.234,56"],
            ["11.24.02", "4211", "2026", "HH-Ansatz", "9.500,00"],
            ["11.24", "4211", "2026", "Rechnungsergebnis", "11.000,00"],
        ],
    )
    result = cli("budget", "import", str(path))
    assert result.exit_code == 0, result.output
    group = show_json(cli)["11.24"]
    assert (group["plan"], group["result"]) == (str(PLAN_1124), "11000.00")
    # the default header is not this body's
    path = write_csv(tmp_path / "default.csv", [HEADER, ROWS[0]])
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2 and "„Produktnummer“" in flat(result.stderr)


def test_init_takes_a_changed_layout_over(engine, loerrach, cli, other_layout) -> None:  # type: ignore[no-untyped-def]
    from models.body import Body

    result = cli("init", "--body-dir", str(other_layout))
    assert result.exit_code == 0, result.output
    assert "Aufbau des Haushaltsexports geändert" in flat(result.stdout)
    with session_scope(engine) as session:
        stored = session.exec(select(Body).where(Body.slug == "loerrach")).one().budget_layout
    assert stored["product_column"] == "Produktnummer"
    assert stored["kind_labels"] == {"HH-Ansatz": "ansatz", "Rechnungsergebnis": "ergebnis"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[budget_import]\nproduct = "P"\n',
            "body.toml, budget_import.product: unbekannter Schlüssel",
        ),
        (
            '[budget_import.kind_labels]\n"Soll" = "soll"\n',
            "body.toml, budget_import.kind_labels.Soll: erlaubt:",
        ),
        (
            '[budget_import]\nproduct_column = "Konto"\n',
            "body.toml, budget_import: Spaltenname mehrfach vergeben: konto",
        ),
    ],
)
def test_a_wrong_layout_is_refused_with_file_and_key(engine, cli, tmp_path, table, message) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import LOERRACH

    target = tmp_path / "body"
    shutil.copytree(LOERRACH, target)
    with (target / "body.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n" + table)
    result = cli("init", "--body-dir", str(target))
    assert result.exit_code == 2
    assert message in flat(result.output)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_imports_at_once_replace_one_after_the_other(engine, body) -> None:  # type: ignore[no-untyped-def]
    """The second waits for the first (row lock on the body) and then replaces its lines,
    instead of failing on the unique key (SQLite has one writer at a time anyway)."""
    import threading

    data = "\r\n".join(";".join(row) for row in [HEADER, *ROWS]).encode()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with session_scope(engine) as session:
                start.wait()
                import_budget(
                    session, body, data, "h.csv", year=None, kind=None, actor="t", now=NOW
                )
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(lines(engine)) == 7  # per product, account group and side
    with session_scope(engine) as session:
        assert len(session.exec(select(BudgetImport)).all()) == 4


def test_show_without_money_says_so(engine, body, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("budget", "show", "2026")
    assert result.exit_code == 0
    assert "Für 2026 sind bei Landkreis Lörrach weder Ansatz noch Ergebnis gespeichert" in flat(
        result.stdout
    )
    assert show_json(cli) == {}


def test_the_shipped_example_imports_and_shows_whole_in_a_narrow_terminal(  # type: ignore[no-untyped-def]
    engine, body, cli
) -> None:
    from tests.conftest import LOERRACH

    result = cli("budget", "import", str(LOERRACH / "budget-example.csv"))
    assert result.exit_code == 0, result.output
    # one correction
    assert "Ergebnis 2025: 83 Zeilen, gespeichert als 83 Summen" in flat(result.stdout)
    result = cli("budget", "show", "2025", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "│ 11.10 │ Steuerung" in result.stdout
    assert "-13.072,05 €" in result.stdout and "19.030.970,00 € (f)" in result.stdout
    assert "THH: 1 Steuerung und Finanzen, 2 Digitalisierung und IT" in flat(result.stdout)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_import_lock_lets_other_writes_of_the_body_pass(engine, body) -> None:  # type: ignore[no-untyped-def]
    """While an import holds its lock, the body's other rows (here an audit event, whose
    foreign key check locks the body row FOR KEY SHARE) are written; a second import waits."""
    from sqlalchemy.exc import OperationalError

    from models.audit import record
    from services.budget_import import lock_imports

    with session_scope(engine) as holder:
        lock_imports(holder, body)
        with session_scope(engine) as other:
            other.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            record(
                session=other,
                now=NOW,
                actor="t",
                action="x",
                entity="body",
                entity_id=body.id,
                body_id=body.id,
            )
            other.flush()
        with pytest.raises(OperationalError, match="lock timeout"):
            with session_scope(engine) as second:
                second.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
                lock_imports(second, body)


# --------------------------------------------------------------------------- sums beside details


SUMMED_TWICE: dict[str, tuple[list[list[Any]], list[str]]] = {
    "account_and_its_subtotal": (
        [
            HEADER,
            ROWS[0],
            ["11.20.04", "42", "2026", "Ansatz", "3,00"],  # row 3: the sum of 4211 and 4212
            ["11.20.04", "4211", "2026", "Ansatz", "1,00"],
            ["11.20.04", "4212", "2026", "Ansatz", "2,00"],
        ],
        [
            "Zeile 3, Spalte B (Konto): Konto 42 ist eine Summe von Konto 4211 (Zeile 4) "
            "desselben Produkts 11.20.04 (Ansatz 2026); bitte nur Einzelkonten oder nur Summen "
            "liefern",
            "Zeile 3, Spalte B (Konto): Konto 42 ist eine Summe von Konto 4212 (Zeile 5) "
            "desselben Produkts 11.20.04 (Ansatz 2026)",
        ],
    ),
    "group_row_and_its_products_row": (
        [
            HEADER,
            ["11.20.04", "4211", "2026", "Ansatz", "1,00"],
            ["11.20", "4211", "2026", "Ansatz", "1,00"],  # row 3: the products' total
        ],
        [
            "Zeile 3, Spalte A (Produkt): die Produktgruppe 11.20 mit Konto 4211 enthält schon "
            "das Produkt 11.20.04 mit Konto 4211 (Zeile 2, Ansatz 2026); bitte nur Produkte "
            "oder nur Produktgruppen liefern",
        ],
    ),
    "group_subtotal_and_a_products_account": (
        [
            HEADER,
            ["11.20", "4", "2026", "Ansatz", "1,00"],
            ["11.20.04", "4211", "2026", "Ansatz", "1,00"],
        ],
        [
            "Zeile 2, Spalte A (Produkt): die Produktgruppe 11.20 mit Konto 4 enthält schon das "
            "Produkt 11.20.04 mit Konto 4211 (Zeile 3, Ansatz 2026)"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(SUMMED_TWICE))
def test_a_subtotal_beside_its_details_is_refused_naming_both_rows(  # type: ignore[no-untyped-def]
    engine, body, cli, tmp_path, case
) -> None:
    rows, messages = SUMMED_TWICE[case]
    path = write_csv(tmp_path / "haushalt.csv", rows)
    before = row_counts(engine)
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2, result.output
    assert f"haushalt.csv wurde nicht übernommen ({len(messages)} Problem" in flat(result.stderr)
    for message in messages:
        assert message in flat(result.stderr)
    assert "Traceback" not in result.output
    assert row_counts(engine) == before


def test_a_subtotal_counts_only_in_the_slice_that_is_imported(  # type: ignore[no-untyped-def]
    engine, body, cli, tmp_path
) -> None:
    """The same account as detail and sum in different slices is no conflict; with --year and
    --kind only the rows of the selected slice are compared."""
    rows = [
        HEADER,
        ["11.20.04", "42", "2026", "Ergebnis", "3,00"],
        ["11.20.04", "4211", "2026", "Ansatz", "1,00"],
        ["11.20", "4211", "2025", "Ergebnis", "1,00"],
        ["11.20.04", "4211", "2025", "Ergebnis", "1,00"],  # a conflict, in another slice
        ["11.20", "4212", "2026", "Ansatz", "1,00"],  # group and product, other accounts
    ]
    path = write_csv(tmp_path / "haushalt.csv", rows)
    before = row_counts(engine)
    result = cli("budget", "import", str(path))
    assert result.exit_code == 2, result.output
    assert "(1 Problem)" in flat(result.stderr)
    assert "Zeile 4, Spalte A (Produkt): die Produktgruppe 11.20 mit Konto 4211" in flat(
        result.stderr
    )
    assert row_counts(engine) == before
    result = cli("budget", "import", str(path), "--year", "2026", "--kind", "ansatz")
    assert result.exit_code == 0, result.output
    assert "Ansatz 2026: 2 Zeilen, gespeichert als 2 Summen" in flat(result.stdout)


def test_a_group_row_beside_its_products_rows_on_other_accounts_imports(  # type: ignore[no-untyped-def]
    engine, body, cli, tmp_path
) -> None:
    rows = [
        HEADER,
        ["11.20", "4211", "2026", "Ansatz", "5,00"],
        ["11.20.04", "4212", "2026", "Ansatz", "1,00"],
        ["11.20.04", "3480", "2026", "Ansatz", "2,00"],
        ["11.20", "421", "2026", "Ergebnis", "5,00"],  # 421 and 4211 in other slices
    ]
    result = cli("budget", "import", str(write_csv(tmp_path / "haushalt.csv", rows)))
    assert result.exit_code == 0, result.output
    assert "Ansatz 2026: 3 Zeilen" in flat(result.stdout)


def test_summed_twice_is_silent_for_a_file_of_single_accounts() -> None:
    from models.budget_file import BudgetRow, summed_twice
    from models.budget_kinds import BudgetKind, BudgetSide

    def row(number: int, product: str, account: str) -> BudgetRow:
        return BudgetRow(
            number, product, account, 2026, BudgetKind.ansatz, BudgetSide.expenses, Decimal(1)
        )

    columns = {"product": "Spalte A (Produkt)", "account": "Spalte B (Konto)"}
    assert summed_twice([row(2, "11.20.04", "4211"), row(3, "11.20.05", "42")], columns) == []
    assert summed_twice([row(2, "11.20.04", "4211"), row(3, "11.20.04", "4212")], columns) == []
    [problem] = summed_twice([row(2, "11.20.04", "4211"), row(3, "11.20.04", "421")], columns)
    assert problem.startswith("Zeile 3, Spalte B (Konto): Konto 421 ist eine Summe von Konto 4211")
