"""Reading a finance system's budget export (.csv or .xlsx) into plain rows, no database.

`kreislauf budget import` takes what municipal finance systems export: one row per product
(group) and account (group), with year, kind and amount. Everything the file alone can tell is
checked here, every problem named with row and column as a spreadsheet shows them; a file with
any problem is refused whole (`BudgetFileInvalid`), so the import writes all rows or none.
Whether products exist, which Teilhaushalt they belong to and whether a year lies in a cycle
needs the database: the import service asks that, `unknown_products` words its answer.

The rules:

- Format: .xlsx (first sheet; numeric cells are numbers, text cells German notation) or CSV
  (`;`, `,` or tab, taken from the header line; UTF-8 with or without BOM, else Windows-1252;
  line ends LF, CR LF or CR alone). At most 50 MB, 1.000.000 rows, 200 characters a cell.
- Header: the first row (of the first 20 non-empty ones, a title may stand above it) holding
  the layout's product column; names compare without case and extra spaces. Product, account
  and amount are required, the side column when the layout names one.
- Year and kind (the import's `--year`/`--kind`): where the file has no year (kind) column, the
  option supplies it and is then required. Where it has one, the option selects a slice:
  rows of another year (kind) are not taken and only counted (`BudgetFile.other_slice`),
  nothing else of them is checked; a row whose year or kind cannot be read is checked whole.
  A finance system exports all years and kinds at once; importing "Ergebnis 2025" from such a
  file is the common case, and a slice that selects nothing is refused.
- Amounts: German notation `1.234.567,89`, `-1.234,50`, `1234,5`, `0,00`, SAP's trailing
  minus `1.234,00-`; at most two decimals. `12,34,5`, `1.23.4`, empty cells, text and the
  ambiguous `1.234` (thousands or decimals?) are refused (rules in `models.workbook_number`).
  Excel numbers are rounded to the cent (binary floats never hold cents exactly) unless they
  carry a third decimal. |amount| >= 10^12 EUR is refused as implausible. Income and expenses
  are both positive as the finance system writes them; a negative amount is a correction.
- Products: `11.20` (group) or `11.20.04` (product), as written; spaces around are dropped.
- Side (BW Kontenrahmen, VwV Produkt- und Kontenrahmen): the side column's label where the
  layout has one and the cell is filled, else the account's class: 3 income (Erträge), 4
  expenses (Aufwendungen), 68 investment income (Einzahlungen aus Investitionstätigkeit), 78
  investment expenses (Auszahlungen für Investitionstätigkeit). The other payments of the
  Finanzhaushalt (60-67, 69, 70-77, 79: current operations repeat classes 3/4 as cash,
  financing is loans) are skipped and counted (`BudgetFile.payments`): a full export holds
  them, and taking them would count money twice. Accounts of any other class (balance sheet
  0-2, closing 8, cost accounting 9, ...) and a bare `6` or `7` are refused.
- A row's key is (product, account, year, kind, side); a key twice is refused, naming both rows.
- Subtotals beside their details count money twice (`summed_twice`, checked by the import on
  the rows it takes): within a year and kind, an account that begins another account of the
  same product (group) (`42` beside `4211`), and a product group's row beside a row of one of
  its products whose accounts are equal or one begins the other, are refused, naming both rows.

Speed and memory (measured 2026-11-28 on the dev machine's 2 shared cores under a load of 2,5
to 4 from other sessions; a generated CSV of 200.000 rows = 400 products x 100 accounts x 5
kinds, 8,7 MB, Windows-1252; CPU time, seven interleaved runs each): `read_budget_file`
0,76-0,92 s at best, a bare `csv.reader` loop summing `float(amount.replace(".", "")
.replace(",", "."))` 0,24-0,31 s at best: 2,8-3,9 times the floor (best against best; medians
3,1-4,0). Peak memory of a fresh process reading the file: 148 MB (VmHWM; 61 MB after the
imports, 110 MB for the floor). How: the CSV is decoded as it is read; rows come in chunks of
4.096, whose amounts one regular expression checks and one pass converts, whose cells are
looked up with `map` in caches of the few distinct products, accounts, years and kinds; a
row's key is one number, and a chunk's keys are checked against the file's by one `map` of
`dict.setdefault`; the rows are plain tuples (`BudgetRow`) made by `map` and `zip` (`_bulk`),
no Python line a row; the cycle collector pauses while they are made. Re-measured after that
(2026-11-28, same file, in one process alternating, CPU time best of seven, under a load of 8
to 9): 0,40 s before, 0,37 s after, the floor 0,125 s. A chunk with anything unusual (a number
cell, `1234,5`, a bad cell) is read row by row, more slowly but by the same rules; a chunk
with a side column, a refused account or a row twice goes through `_chunk`'s loop.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
import math
import operator
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from openpyxl.utils import get_column_letter

from models.budget_kinds import BudgetKind, BudgetSide
from models.budget_layout import BudgetLayout, normal
from models.errors import MAX_PROBLEMS, KreislaufError, file_refused, listed_problems
from models.german import german_number
from models.workbook_number import german_decimal
from models.workbook_read import HEAD_CHARS, csv_delimiter, csv_encoding, csv_problem

MAX_FILE_BYTES = 50 * 1024 * 1024  # a district's full export of five kinds is a few MB
MAX_ROWS = 1_000_000
MAX_CELL = 200  # characters of a cell that is read
HEADER_SEARCH = 20  # non-empty rows in which the header is looked for
MIN_YEAR, MAX_YEAR = 2000, 2100  # as the configuration's years
IMPLAUSIBLE = Decimal(10) ** 12  # EUR; a district's whole budget is below 10^10
CENT = Decimal("0.01")

PRODUCT = re.compile(r"\d{2}\.\d{2}(?:\.\d{2})?", re.ASCII)  # ASCII: no other digits
ACCOUNT = re.compile(r"\d{1,12}", re.ASCII)
# the usual amount: optional minus, thousands dots in groups of three or none, comma decimals;
# at most 12 digits before the comma, so below IMPLAUSIBLE (a larger one takes the slow path)
_USUAL = r"-?\d{1,3}+(?:(?:\.\d{3}){1,3}+|\d{0,9}+),\d\d"  # possessive: no backtracking
_USUAL_AMOUNT = re.compile(_USUAL, re.ASCII)
_USUAL_AMOUNTS = re.compile(rf"(?:{_USUAL}\n)*{_USUAL}", re.ASCII)  # a chunk's amounts, one a line
CHUNK = 4096  # rows read in bulk
_AMBIGUOUS = re.compile(r"-?\d{1,3}\.\d{3}", re.ASCII)  # 1.234: a thousand, or one and a bit?
INVESTMENT_CLASSES = {"68": BudgetSide.investment_income, "78": BudgetSide.investment_expenses}
ACCOUNT_CLASSES = {"3": BudgetSide.income, "4": BudgetSide.expenses}
PAYMENT_CLASSES = ("6", "7")  # Finanzhaushalt: not taken, except the investment classes
_PRODUCT_OF, _ACCOUNT_OF = itemgetter(1), itemgetter(2)  # of a BudgetRow
# of the cached conversions (`_Reader`): a period, a product, an account
_YEAR_OF, _KIND_OF, _PERIOD_OF, _TAKEN_OF = (
    itemgetter(0),
    itemgetter(1),
    itemgetter(2),
    itemgetter(3),
)
_NUMBER_OF, _BITS_OF_PRODUCT = itemgetter(0), itemgetter(1)  # of a product or account
_SIDE_OF, _REFUSED_OF, _BITS_OF_ACCOUNT_AND_SIDE = itemgetter(1), itemgetter(2), itemgetter(5)
_NONE = itertools.repeat(None)


class BudgetFileInvalid(KreislaufError):
    """A budget file that cannot be taken over; `problems` names row and column of each."""


class BudgetRow(NamedTuple):
    """One amount of the file, with the row it came from (for the import's own messages)."""

    row: int
    product: str
    account: str
    year: int
    kind: BudgetKind
    side: BudgetSide
    amount: Decimal


@dataclass(frozen=True)
class BudgetFile:
    """A valid file's rows; `columns` names the columns found for later messages ("product"
    -> "Spalte A (Produkt)"); rows of another year or kind (`other_slice`) and payment accounts
    outside the investments (`payments`) were counted, not taken."""

    file_name: str
    rows: list[BudgetRow]
    columns: dict[str, str] = field(default_factory=dict)
    other_slice: int = 0
    payments: int = 0


def read_budget_file(
    data: bytes,
    file_name: str,
    layout: BudgetLayout,
    *,
    year: int | None = None,
    kind: BudgetKind | None = None,
) -> BudgetFile:
    """The rows of a budget export (see the module's rules), or BudgetFileInvalid with every
    problem; `year`/`kind` supply a missing column or select a slice."""
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise KreislaufError(
            f"Das Jahr {year} liegt nicht zwischen {MIN_YEAR} und {MAX_YEAR}.", field="year"
        )
    if len(data) > MAX_FILE_BYTES:  # before any parsing
        raise BudgetFileInvalid(
            f"Die Datei {file_name} ist größer als {MAX_FILE_BYTES // (1024 * 1024)} MB und "
            "wurde nicht gelesen; nichts wurde gespeichert."
        )
    if not data.strip():
        raise BudgetFileInvalid(f"Die Datei {file_name} ist leer; nichts wurde gespeichert.")
    suffix = file_name.rsplit(".", 1)[-1].casefold() if "." in file_name else ""
    reader = _Reader(file_name, layout, year, kind)
    if suffix in ("xlsx", "xlsm") or (suffix != "csv" and data[:2] == b"PK"):
        return reader.read(_xlsx_records(data, file_name))
    if suffix == "xls":
        raise BudgetFileInvalid(
            f"{file_name}: das alte Excel-Format .xls wird nicht gelesen; bitte als .xlsx oder "
            "CSV exportieren."
        )
    records = _csv_records(data, file_name, layout)
    try:
        return reader.read(records)
    except csv.Error as error:  # the csv module's reader itself: no wrapper slows each row
        raise BudgetFileInvalid(csv_problem(file_name, records.line_num, error)) from None


def _xlsx_records(data: bytes, file_name: str) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows (Excel's numbering: one a row, empty ones too); a damaged file
    is refused."""
    from openpyxl import load_workbook

    corrupt = BudgetFileInvalid(
        f"Die Datei {file_name} ist keine gültige Excel-Datei (.xlsx): beschädigt, "
        "unvollständig übertragen oder ein anderes Format; nichts wurde gespeichert."
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise corrupt
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise corrupt from None
    try:
        sheet = book.worksheets[0]
        if (getattr(sheet, "max_row", None) or 0) > MAX_ROWS + HEADER_SEARCH:
            raise _too_many_rows(file_name)  # the declared size: no row of a huge sheet read
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception:
                raise corrupt from None
            yield cells
    finally:
        book.close()


def _csv_records(data: bytes, file_name: str, layout: BudgetLayout) -> Any:
    """The CSV's reader (a record a spreadsheet row: a quoted line break starts none); the
    separator is the one under which a line holds the product column. The text is decoded as
    it is read: a 50 MB file is not held a second time as text."""
    if b"\x00" in data:
        raise BudgetFileInvalid(f"Die Datei {file_name} ist weder eine .xlsx- noch eine CSV-Datei.")
    encoding = csv_encoding(data)
    wanted = normal(layout.product_column)
    delimiter = csv_delimiter(
        data[:HEAD_CHARS].decode(encoding, errors="replace"),
        lambda cells: any(normal(cell) == wanted for cell in cells),
        HEADER_SEARCH,
    )
    if delimiter is None:
        raise _no_header(file_name, layout)
    # newline="": the csv module ends a record at CR LF, LF and CR alone (old Mac software)
    # itself, and keeps a quoted line break
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    return csv.reader(text, delimiter=delimiter)


def _no_header(file_name: str, layout: BudgetLayout) -> BudgetFileInvalid:
    return BudgetFileInvalid(
        f"Die Datei {file_name} wurde nicht übernommen: keine Kopfzeile mit der Spalte "
        f"„{layout.product_column}“ in den ersten {HEADER_SEARCH} Zeilen gefunden; erwartet "
        f"wird „{layout.header()}“ (Spalten getrennt durch Semikolon, Komma oder Tabulator)."
    )


def _too_many_rows(file_name: str) -> BudgetFileInvalid:
    limit = f"{MAX_ROWS:_}".replace("_", ".")
    return BudgetFileInvalid(
        f"Die Datei {file_name} wurde nicht übernommen: sie hat mehr als {limit} Zeilen; "
        "nichts wurde gespeichert."
    )


class _Problems:
    """A file's problems: the first MAX_PROBLEMS kept as text, the rest only counted (a wrong
    column in a million rows must not fill the memory with messages)."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.count = 0

    def add(self, row: int, place: str, reason: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(f"Zeile {row}, {place}: {reason}")


class _Slow(Exception):
    """The fast path met something it does not take: the row is read again, slowly."""


_SIDE_BITS = {side: number << 10 for number, side in enumerate(BudgetSide, start=1)}


class _Reader:
    """One reading of one file: the header's columns, the cached conversions and the rows.

    Rows are read in chunks (`_chunk` in bulk, else `_each` row by row); a row with anything
    off goes to `_slow_row`, which converts every cell on its own and reports every problem in
    the order of the columns."""

    def __init__(
        self, file_name: str, layout: BudgetLayout, year: int | None, kind: BudgetKind | None
    ) -> None:
        self.file_name = file_name
        self.layout = layout
        self.year = year
        self.kind = kind
        self.problems = _Problems()
        self.kinds = layout.kinds()
        self.sides = layout.sides()
        self.other_slice = 0  # rows of another year or kind than the one asked for
        self.payments = 0  # rows of payment accounts outside the investments
        self.columns: dict[str, int] = {}
        self.places: dict[str, str] = {}
        # conversions by cell value: a file has few distinct products, accounts, years, kinds
        self.products: dict[Any, tuple[str, int]] = {}  # product, its key bits
        self.accounts: dict[Any, tuple[str, BudgetSide | None, str, int, int, int]] = {}
        self.labels: dict[Any, tuple[BudgetSide | None, int]] = {}  # the side column's
        self.periods: dict[Any, tuple[int, BudgetKind, int, bool]] = {}
        self.product_ids: dict[str, int] = {}
        self.account_ids: dict[str, int] = {}
        self.seen: dict[int, int] = {}  # a row's key (`_key`) -> its row
        self.rows: list[BudgetRow] = []
        getter: Callable[[Sequence[Any]], Any] = itemgetter(0)  # set by `_rows`
        self.product_cell = self.account_cell = self.side_cell = getter
        self.year_cell = self.kind_cell = self.amount_cell = getter

    def read(self, records: Iterator[Sequence[Any]]) -> BudgetFile:
        number, texts = self._header(records)
        self.columns, self.places = self._columns(number, texts)
        rows = self._rows(records, number + 1)
        if self.problems.count:
            raise BudgetFileInvalid(
                file_refused(self.file_name, self.problems.count),
                problems=listed_problems(self.problems.listed, self.problems.count),
            )
        if not rows:
            raise BudgetFileInvalid(self._nothing())
        return BudgetFile(
            file_name=self.file_name,
            rows=rows,
            columns=self.places,
            other_slice=self.other_slice,
            payments=self.payments,
        )

    def _header(self, records: Iterator[Sequence[Any]]) -> tuple[int, list[str]]:
        """The header row: the first of the first non-empty rows to hold the product column."""
        wanted = normal(self.layout.product_column)
        seen = 0
        for number, cells in enumerate(records, start=1):
            texts = ["" if cell is None else str(cell).strip() for cell in cells]
            if not any(texts):
                continue
            if wanted in (normal(text) for text in texts):
                return number, texts
            seen += 1
            if seen >= HEADER_SEARCH:
                break
        raise _no_header(self.file_name, self.layout)

    def _columns(self, number: int, texts: list[str]) -> tuple[dict[str, int], dict[str, str]]:
        """Where each of the layout's columns is, and how messages name it."""
        layout = self.layout
        wanted = {
            "product": layout.product_column,
            "account": layout.account_column,
            "year": layout.year_column,
            "kind": layout.kind_column,
            "amount": layout.amount_column,
        }
        if layout.side_column:
            wanted["side"] = layout.side_column
        found: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            found.setdefault(normal(text), []).append(index)
        columns: dict[str, int] = {}
        problems = []
        for key, name in wanted.items():
            indexes = found.get(normal(name), [])
            if len(indexes) > 1:
                letters = " und ".join(get_column_letter(i + 1) for i in indexes)
                problems.append(f"Zeile {number}: die Spalte „{name}“ steht zweimal ({letters})")
            elif indexes:
                columns[key] = indexes[0]
            elif key in ("year", "kind"):
                if (self.year if key == "year" else self.kind) is None:
                    what = "das Jahr" if key == "year" else "die Art (Ansatz, Ergebnis, ...)"
                    problems.append(
                        f"Zeile {number}: die Datei hat keine Spalte „{name}“; bitte {what} "
                        "der Beträge beim Import angeben"
                    )
            else:
                problems.append(
                    f"Zeile {number}: die Spalte „{name}“ fehlt; erwartet wird die Kopfzeile "
                    f"„{layout.header()}“"
                )
        if problems:
            option = [key for key in ("year", "kind") if key not in columns]
            raise BudgetFileInvalid(
                file_refused(self.file_name, len(problems)),
                problems=problems,
                field=option[0] if option and len(problems) == 1 else None,
            )
        places = {
            key: f"Spalte {get_column_letter(index + 1)} ({texts[index]})"
            for key, index in columns.items()
        }
        return columns, places

    def _rows(self, records: Iterator[Sequence[Any]], start: int) -> list[BudgetRow]:
        """The data rows, checked, in chunks: a chunk of the usual kind (text amounts with two
        decimals, every row complete) is read in bulk (`_chunk`), any other row by row
        (`_each`). Problems are gathered, rows of other slices and payments counted."""
        columns = self.columns
        missing = columns["product"]  # read in place of a column the file does not have
        self.product_cell = itemgetter(columns["product"])
        self.account_cell = itemgetter(columns["account"])
        self.side_cell = itemgetter(columns.get("side", missing))
        self.year_cell = itemgetter(columns.get("year", missing))
        self.kind_cell = itemgetter(columns.get("kind", missing))
        self.amount_cell = itemgetter(columns["amount"])
        last = start + MAX_ROWS - 1
        number = start
        with collector_paused():  # the rows hold no cycles; collecting them costs a third
            while chunk := list(itertools.islice(records, CHUNK)):
                if number + len(chunk) - 1 > last:
                    raise _too_many_rows(self.file_name)
                if not self._chunk(chunk, number):
                    self._each(chunk, number)
                number += len(chunk)
        return self.rows

    def _chunk(self, chunk: list[Sequence[Any]], start: int) -> bool:
        """A chunk of usual rows read in bulk: the amounts validated by one regular expression
        and converted in one pass, the cells looked up by `map`, the rows made by `_bulk`, or
        where it declines by a loop of one Python line a row. False, before anything is taken,
        for a chunk that needs `_each`."""
        try:
            joined = "\n".join(map(self.amount_cell, chunk))
            # zip, not an itemgetter of two: zip reuses its tuple where the key is not kept
            periods = _looked_up(
                self.periods,
                lambda: zip(map(self.year_cell, chunk), map(self.kind_cell, chunk), strict=True),
                self._period,
            )
            products = _looked_up(
                self.products, lambda: map(self.product_cell, chunk), self._product
            )
            accounts = _looked_up(
                self.accounts, lambda: map(self.account_cell, chunk), self._account
            )
            labels: Iterable[tuple[BudgetSide | None, int]] = (
                _looked_up(self.labels, lambda: map(self.side_cell, chunk), self._label)
                if "side" in self.columns
                else itertools.repeat((None, 0))
            )
        except (IndexError, TypeError, ValueError):  # a short row, a number cell, a bad cell
            return False
        if not _USUAL_AMOUNTS.fullmatch(joined):
            return False
        texts = joined.replace(".", "").replace(",", ".").split("\n")
        if len(texts) != len(chunk):  # a line break inside an amount cell
            return False
        amounts = list(map(Decimal, texts))  # below IMPLAUSIBLE: `_USUAL` says so
        if "side" not in self.columns and self._bulk(start, periods, products, accounts, amounts):
            return True
        seen, append, new = self.seen, self.rows.append, tuple.__new__  # no Python __new__
        other_slice = payments = 0
        for (
            number,
            (year, kind, period, taken),
            (product, product_bits),
            (account, side, refused, account_bits, side_bits, _),
            (label, label_bits),
            amount,
        ) in zip(
            range(start, start + len(chunk)),
            periods,
            products,
            accounts,
            labels,  # without a side column: endless
            amounts,
            strict=False,
        ):
            if label is not None:
                side, side_bits = label, label_bits
            if not taken:
                other_slice += 1
            elif side is None:
                if refused:
                    self._slow_row(number, chunk[number - start])  # reports the account
                else:
                    payments += 1
            elif seen.setdefault(product_bits | account_bits | side_bits | period, number) < number:
                self._duplicate(number, product, account, year, kind, side)
            else:
                append(new(BudgetRow, (number, product, account, year, kind, side, amount)))
        self.other_slice += other_slice
        self.payments += payments
        return True

    def _bulk(
        self,
        start: int,
        periods: list[tuple[int, BudgetKind, int, bool]],
        products: list[tuple[str, int]],
        accounts: list[tuple[str, BudgetSide | None, str, int, int, int]],
        amounts: list[Decimal],
    ) -> bool:
        """A chunk's converted cells made rows by `map`, `zip` and `compress`, no Python line a
        row (the loop's unpacking of six tuples a row was the reading's largest part); rows of
        other slices and payments counted. False, before a row is taken, for a chunk with a
        refused account or a key seen before: `_chunk`'s loop names the problem. Not for a side
        column (its label overrides the account's side row by row)."""
        sides: list[BudgetSide | None] = list(map(_SIDE_OF, accounts))
        taken: list[bool] = list(map(_TAKEN_OF, periods))
        numbers = list(range(start, start + len(amounts)))
        other_slice = payments = 0
        if None in sides or False in taken:  # a slice asked for, or payments of the full export
            if any(map(_REFUSED_OF, accounts)):
                return False
            keep = list(map(operator.and_, taken, map(operator.is_not, sides, _NONE)))
            other_slice = taken.count(False)
            payments = len(taken) - other_slice - keep.count(True)
            numbers = list(itertools.compress(numbers, keep))
            periods = list(itertools.compress(periods, keep))
            products = list(itertools.compress(products, keep))
            accounts = list(itertools.compress(accounts, keep))
            amounts = list(itertools.compress(amounts, keep))
            sides = list(itertools.compress(sides, keep))
        keys = map(
            operator.or_,
            map(operator.or_, map(_BITS_OF_PRODUCT, products), map(_PERIOD_OF, periods)),
            map(_BITS_OF_ACCOUNT_AND_SIDE, accounts),
        )
        # each key's first row: a key seen before shows as an earlier row. The keys taken here
        # stay: `_chunk`'s loop finds them again with the same rows, so not as duplicates.
        if list(map(self.seen.setdefault, keys, numbers)) != numbers:
            return False
        self.rows.extend(
            map(
                tuple.__new__,  # no Python __new__ a row
                itertools.repeat(BudgetRow),
                zip(
                    numbers,
                    map(_NUMBER_OF, products),
                    map(_NUMBER_OF, accounts),
                    map(_YEAR_OF, periods),
                    map(_KIND_OF, periods),
                    sides,
                    amounts,
                    strict=True,
                ),
            )
        )
        self.other_slice += other_slice
        self.payments += payments
        return True

    def _each(self, chunk: list[Sequence[Any]], start: int) -> None:
        """A chunk row by row: the usual cells on a quick path, any other row `_slow_row`."""
        periods, products, accounts, labels = (
            self.periods,
            self.products,
            self.accounts,
            self.labels,
        )
        has_side, seen, append, cent = "side" in self.columns, self.seen, self.rows.append, CENT
        for number, cells in enumerate(chunk, start):
            try:
                pair = (self.year_cell(cells), self.kind_cell(cells))
                year, kind, period, taken = periods.get(pair) or _remember(
                    periods, pair, self._period
                )
                if not taken:
                    self.other_slice += 1
                    continue
                key = self.product_cell(cells)
                product, product_bits = products.get(key) or _remember(products, key, self._product)
                key = self.account_cell(cells)
                account, side, refused, account_bits, side_bits, _ = accounts.get(key) or _remember(
                    accounts, key, self._account
                )
                if has_side:
                    key = self.side_cell(cells)
                    label, label_bits = labels.get(key) or _remember(labels, key, self._label)
                    if label is not None:
                        side, side_bits = label, label_bits
                if side is None:
                    if refused:
                        raise _Slow
                    self.payments += 1
                    continue
                text = self.amount_cell(cells)
                if text.__class__ is str and _USUAL_AMOUNT.fullmatch(text):
                    amount = Decimal(text.replace(".", "").replace(",", ".")).quantize(cent)
                else:
                    amount = _amount(text)
                key = product_bits | account_bits | side_bits | period
            except (_Slow, ValueError, IndexError):  # IndexError: a short row
                if not any(_text(cell) for cell in cells):
                    continue  # an empty line, or separators only
                row = self._slow_row(number, cells)
                if row is None:
                    continue
                product, account, year, kind, side, amount = row
                key = self._key(product, account, side, year, kind)
            if seen.setdefault(key, number) != number:
                self._duplicate(number, product, account, year, kind, side)
                continue
            append(BudgetRow(number, product, account, year, kind, side, amount))

    def _key(
        self, product: str, account: str, side: BudgetSide, year: int, kind: BudgetKind
    ) -> int:
        """A row's key as one number: product, account, side and period in bits of their own
        (at most 2^20 products and accounts: a file has at most a million rows)."""
        return (
            self.product_ids[product] << 33
            | self.account_ids[account] << 13
            | _SIDE_BITS[side]
            | self._period_number(year, kind)
        )

    def _duplicate(
        self,
        number: int,
        product: str,
        account: str,
        year: int,
        kind: BudgetKind,
        side: BudgetSide,
    ) -> None:
        first = self.seen[self._key(product, account, side, year, kind)]
        self.problems.add(
            number,
            self.places["product"],
            f"Produkt {product}, Konto {account}, {year}, {kind.label}, {side.label}: steht "
            f"schon in Zeile {first} (doppelte Zeile)",
        )

    def _period(self, cells: tuple[Any, Any]) -> tuple[int, BudgetKind, int, bool]:
        """A (year, kind) pair of cells: the year, the kind, the pair's number (below 1024)
        and whether the import takes it; ValueError for a cell that is refused."""
        year = self._year(cells[0]) if "year" in self.columns else _given(self.year)
        kind = self._kind(cells[1]) if "kind" in self.columns else _given(self.kind)
        taken = (self.year is None or year == self.year) and (
            self.kind is None or kind == self.kind
        )
        return year, kind, self._period_number(year, kind), taken

    @staticmethod
    def _period_number(year: int, kind: BudgetKind) -> int:
        """A (year, kind) pair as a number below 1024, a part of a row's key."""
        return (year - MIN_YEAR) * len(BudgetKind) + list(BudgetKind).index(kind)

    def _product(self, value: Any) -> tuple[str, int]:
        """A product cell: the number, and its bits of a row's key."""
        product = _product(value)
        return product, self.product_ids.setdefault(product, len(self.product_ids)) << 33

    def _account(self, value: Any) -> tuple[str, BudgetSide | None, str, int, int, int]:
        """An account cell: the number, its side by class (or None, and why it is refused),
        and its bits, its side's bits and both of a row's key (a side column may replace the
        side's)."""
        account, side, refused = _account(value)
        bits = self.account_ids.setdefault(account, len(self.account_ids)) << 13
        side_bits = _SIDE_BITS[side] if side else 0
        return account, side, refused, bits, side_bits, bits | side_bits

    def _label(self, value: Any) -> tuple[BudgetSide | None, int]:
        """A side cell: the side it names (None: empty), and its bits of a row's key."""
        side = self._side(value)[0]
        return side, _SIDE_BITS[side] if side else 0

    def _slow_row(
        self, number: int, cells: Sequence[Any]
    ) -> tuple[str, str, int, BudgetKind, BudgetSide, Decimal] | None:
        """A row off the fast path: every cell converted on its own, every problem reported in
        the order of the columns; None for a row with problems, of another slice or a payment."""
        columns = self.columns

        def cell(key: str) -> Any:
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        found: dict[str, Any] = {}
        reasons: dict[str, str] = {}
        side: BudgetSide | None = None
        converters: dict[str, Callable[[Any], Any]] = {
            "product": _product,
            "account": _account,
            "year": self._year,
            "kind": self._kind,
            "side": self._side,
            "amount": _amount,
        }
        for key in ("year", "kind"):  # the slice first: nothing else of another one is read
            if key in columns:
                try:
                    found[key] = converters[key](cell(key))
                except ValueError as error:
                    reasons[key] = str(error)
        year = found.get("year", self.year)
        kind = found.get("kind", self.kind)
        if not reasons and (
            ("year" in columns and self.year and year != self.year)
            or ("kind" in columns and self.kind and kind != self.kind)
        ):
            self.other_slice += 1
            return None
        for key in ("account", "side", "product", "amount"):  # a payment: nothing else is read
            if key in columns:
                try:
                    found[key] = converters[key](cell(key))
                except ValueError as error:
                    reasons[key] = str(error)
            if key == "side" and "account" in found and "side" not in reasons:
                account, side, refused = found["account"]
                side = found.get("side", (None,))[0] or side
                if side is None and refused:
                    reasons["account"] = refused
                elif side is None and not reasons:
                    self.payments += 1
                    return None
        for key in sorted(reasons, key=lambda key: columns[key]):
            self.problems.add(number, self.places[key], reasons[key])
        if reasons or side is None or year is None or kind is None:
            return None
        self._product(found["product"])  # the key's numbers of a product and account
        self._account(account)  # ... that only this row has
        return found["product"], account, year, kind, side, found["amount"]

    def _nothing(self) -> str:
        """Why a file without problems has no rows to take."""
        head = f"Die Datei {self.file_name} wurde nicht übernommen: "
        if self.other_slice:
            asked = " ".join(
                part
                for part in (self.kind.label if self.kind else "", str(self.year or ""))
                if part
            )
            return (
                f"{head}keine Zeile für {asked} ({self.other_slice} Zeilen anderer Jahre oder "
                "Arten); nichts wurde gespeichert."
            )
        if self.payments:
            return (
                f"{head}sie enthält nur Zahlungen des Finanzhaushalts ({self.payments} Zeilen), "
                "keine Erträge, Aufwendungen oder Investitionen; nichts wurde gespeichert."
            )
        return f"{head}unter der Kopfzeile stehen keine Zeilen; nichts wurde gespeichert."

    def _year(self, value: Any) -> int:
        if isinstance(value, dt.date | dt.datetime):
            raise ValueError("ein Datum statt eines Jahres; erwartet ein Jahr wie 2026")
        text = _text(value)
        if text is None:
            raise ValueError("kein Jahr (leere Zelle); erwartet ein Jahr wie 2026")
        _short(text)
        if (
            len(text) == 4
            and text.isascii()
            and text.isdigit()
            and MIN_YEAR <= int(text) <= MAX_YEAR
        ):
            return int(text)
        raise ValueError(f"„{_shown(text)}“ ist kein Jahr zwischen {MIN_YEAR} und {MAX_YEAR}")

    def _kind(self, value: Any) -> BudgetKind:
        text = _text(value)
        if text:
            _short(text)
        found = self.kinds.get(normal(text)) if text else None
        if found is not None:
            return found
        labels = ", ".join(f"„{label}“" for label in self.layout.kind_labels)
        what = f"„{_shown(text)}“ ist keine bekannte Art" if text else "keine Art (leere Zelle)"
        raise ValueError(f"{what}; erwartet {labels}")

    def _side(self, value: Any) -> tuple[BudgetSide | None]:
        """The side column's label; (None,) for an empty cell: the account's class decides."""
        text = _text(value)
        if text is None:
            return (None,)
        _short(text)
        found = self.sides.get(normal(text))
        if found is not None:
            return (found,)
        labels = ", ".join(f"„{label}“" for label in self.layout.side_labels)
        raise ValueError(f"„{_shown(text)}“ ist keine bekannte Seite; erwartet {labels}")


T = TypeVar("T")


def _remember(memory: dict[Any, T], value: Any, convert: Callable[[Any], T]) -> T:
    """`convert(value)`, remembered: a file has few distinct products, accounts, years and
    kinds, repeated in every row. ValueError (not remembered) for a value that is refused."""
    result = memory[value] = convert(value)
    return result


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while many rows are made: it would scan them again and
    again, though rows of strings, numbers and enum members never form a cycle."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _given(value: T | None) -> T:
    """The import's year or kind where the file has no column for it (`_columns` saw to it)."""
    if value is None:
        raise AssertionError("a missing year or kind column is refused before the rows")
    return value


K = TypeVar("K")


def _looked_up(
    memory: dict[K, T], keys: Callable[[], Iterable[K]], convert: Callable[[K], T]
) -> list[T]:
    """The remembered conversions of the `keys()`; those not remembered yet are converted
    once each (a new product fills hundreds of rows of a chunk), ValueError as `convert`
    raises it. The keys are made again rather than kept: most chunks need them once."""
    found = list(map(memory.get, keys()))
    if None in found:
        for key in set(itertools.compress(keys(), map(operator.not_, found))):
            memory[key] = convert(key)
        found = list(map(memory.get, keys()))
    return found  # type: ignore[return-value]  # every key is remembered now


def _text(value: Any) -> str | None:
    """A cell as the text a spreadsheet shows: 4211.0 -> "4211"; None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _shown(text: str) -> str:
    """A cell's text in a message, on one line and shortened: a 100.000-character cell or a
    line break would break the list of problems."""
    text = " ".join(text.split()) if not text.isprintable() else text
    return text if len(text) <= 40 else text[:40] + "…"


def _short(text: str) -> str:
    """`text`, or ValueError when it is longer than a cell that is read may be."""
    if len(text) > MAX_CELL:
        raise ValueError(f"die Zelle ist länger als {MAX_CELL} Zeichen ({len(text)})")
    return text


def _product(value: Any) -> str:
    """A product group (11.20) or product (11.20.04) number as written."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"die Produktnummer ist als Zahl gespeichert ({german_number(value, places=4)}); "
            "erwartet Text wie 11.20 oder 11.20.04"
        )
    text = _text(value)
    if text is None:
        raise ValueError("keine Produktnummer (leere Zelle); erwartet wie 11.20 oder 11.20.04")
    if PRODUCT.fullmatch(_short(text)):
        return text
    raise ValueError(
        f"„{_shown(text)}“ ist keine Produktnummer; erwartet eine Produktgruppe wie 11.20 oder "
        "ein Produkt wie 11.20.04"
    )


def _account(value: Any) -> tuple[str, BudgetSide | None, str]:
    """An account (group) number with its side by class (None: a payment not taken, or a
    class that is refused, then with the reason; a side column may still say the side)."""
    text = _text(value)
    if text is None:
        raise ValueError("keine Kontonummer (leere Zelle); erwartet Ziffern wie 4211")
    if not ACCOUNT.fullmatch(_short(text)):
        raise ValueError(
            f"„{_shown(text)}“ ist keine Kontonummer; erwartet nur Ziffern wie 4211 "
            "(Kontenrahmen Baden-Württemberg)"
        )
    side = ACCOUNT_CLASSES.get(text[0]) or INVESTMENT_CLASSES.get(text[:2])
    if side is not None or (text[0] in PAYMENT_CLASSES and len(text) >= 2):
        return text, side, ""
    if text[0] in PAYMENT_CLASSES:
        return (
            text,
            None,
            f"Kontenklasse {text} ohne Kontengruppe: Investitionen ({text}8) sind nicht von "
            "den übrigen Zahlungen zu unterscheiden",
        )
    return (
        text,
        None,
        f"Konto {text} gehört weder zum Ergebnishaushalt (Kontenklasse 3 Erträge, 4 "
        "Aufwendungen) noch zu den Investitionen (68 Einzahlungen, 78 Auszahlungen)",
    )


def side_of_account(account: str) -> BudgetSide | None:
    """The side of an account (group) number by the BW Kontenrahmen (see the module's rules);
    None for an account that is not taken (a payment outside the investments, or refused)."""
    try:
        return _account(account)[1]
    except ValueError:
        return None


def _amount(value: Any) -> Decimal:
    """An amount in cents (see the module's rules); ValueError with the German reason."""
    if isinstance(value, str):
        decimal = _text_amount(value.strip())
    elif isinstance(value, bool):
        raise ValueError("ein Wahrheitswert statt eines Betrags")
    elif isinstance(value, int):
        decimal = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("keine endliche Zahl")
        exact = Decimal(repr(value))
        decimal = exact.quantize(CENT) if abs(exact) < IMPLAUSIBLE else exact
        if abs(exact - decimal) > Decimal("1e-9"):
            raise ValueError(
                f"„{german_number(value, places=6)}“ hat mehr als zwei Nachkommastellen"
            )
    elif isinstance(value, dt.date | dt.datetime | dt.time):
        raise ValueError("ein Datum statt eines Betrags")
    elif value is None:
        raise ValueError("kein Betrag (leere Zelle); für nichts bitte 0,00 eintragen")
    else:
        decimal = _text_amount(str(value).strip())
    if abs(decimal) >= IMPLAUSIBLE:
        raise ValueError(
            f"{german_number(decimal)} EUR ist unplausibel groß (ab 1.000.000.000.000 EUR "
            "wird kein Betrag angenommen)"
        )
    return decimal.quantize(CENT)


def _text_amount(text: str) -> Decimal:
    """A text amount in German notation, SAP's trailing minus included."""
    if not text:
        raise ValueError("kein Betrag (leere Zelle); für nichts bitte 0,00 eintragen")
    shown = _shown(_short(text))
    plain = text
    if text.endswith("-") and not text.startswith("-"):  # SAP: 1.234,00-
        plain = "-" + text[:-1].rstrip()
    if _AMBIGUOUS.fullmatch(plain):
        raise ValueError(
            f"„{shown}“ ist mehrdeutig (Tausenderpunkt oder Dezimalpunkt?); bitte mit "
            f"Dezimalkomma schreiben, z. B. {plain},00"
        )
    try:
        if not plain.isascii():  # Decimal and float take other scripts' digits too
            raise ValueError
        number = german_decimal(plain)
    except ValueError:
        raise ValueError(f"„{shown}“ ist keine Zahl; erwartet einen Betrag wie 1.234,56") from None
    if "." in number and len(number) - number.index(".") > 3:
        raise ValueError(f"„{shown}“ hat mehr als zwei Nachkommastellen")
    return Decimal(number)


def unknown_products(
    budget: BudgetFile, known_groups: set[str], known_products: set[str]
) -> list[str]:
    """The file's product (group) numbers the body does not have, one problem each with its
    first row and how many rows more, in the order of the file (for the import's refusal)."""
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for row in budget.rows:
        number = row.product
        known = known_products if number.count(".") == 2 else known_groups
        if number in known:
            continue
        first.setdefault(number, row.row)
        count[number] = count.get(number, 0) + 1
    problems = []
    for number, at in first.items():
        what = "das Produkt" if number.count(".") == 2 else "die Produktgruppe"
        more = count[number] - 1
        also = f" (auch in {more} weiteren Zeilen)" if more else ""
        problems.append(
            f"Zeile {at}, {budget.columns['product']}: {what} {number} gibt es im Produktplan "
            f"nicht{also}"
        )
    return problems


def summed_twice(rows: Sequence[BudgetRow], columns: Mapping[str, str]) -> list[str]:
    """The rows that count money of other rows a second time, one problem each, in the order
    of the file; empty for a file of only single accounts or only sums.

    A finance system's export may hold subtotal rows beside their details, and the import
    sums per product and account group: within a slice (year, kind), an account that begins
    another account of the same product (group) (`42` beside `4211`) is that account's sum,
    and a product group's row on an account that begins (or is, or is begun by) an account of
    one of its products holds that product's money. `columns` names the columns
    (`BudgetFile.columns`). Fast for the usual file: the few distinct accounts and product
    numbers are compared first; only rows of accounts in a conflict are indexed, each compared
    with the at most 12 prefixes of its account."""
    accounts = set(map(_ACCOUNT_OF, rows))
    nested = {
        prefix
        for account in accounts
        for prefix in (account[:k] for k in range(1, len(account)))
        if prefix in accounts
    }  # the accounts that are sums of others, and below those they sum up
    nested |= {a for a in accounts if any(a[:k] in nested for k in range(1, len(a)))}
    numbers = set(map(_PRODUCT_OF, rows))
    mixed = {number[:5] for number in numbers if len(number) > 5} & numbers
    # the accounts of group rows beside rows of their products, and the accounts they overlap
    group_accounts = {row.account for row in rows if row.product in mixed} if mixed else set()
    begun = {account[:k] for account in group_accounts for k in range(1, len(account))}
    overlapping = {
        account
        for account in accounts
        if account in begun
        or any(account[:k] in group_accounts for k in range(1, len(account) + 1))
    }
    if not nested and not overlapping:
        return []
    index: dict[tuple[int, BudgetKind, str], dict[str, BudgetRow]] = {}
    for row in rows:
        if row.account in nested or (row.account in overlapping and row.product[:5] in mixed):
            index.setdefault((row.year, row.kind, row.product), {}).setdefault(row.account, row)
    account_place, product_place = columns["account"], columns["product"]
    found: list[tuple[int, int, str]] = []  # the sum's row, the detail's row, the problem
    for (year, kind, number), by_account in index.items():
        period = f"{kind.label} {year}"
        of = f"desselben Produkts {number}" if len(number) > 5 else f"derselben Gruppe {number}"
        for account, row in by_account.items():
            for k in range(1, len(account)):
                if (total := by_account.get(account[:k])) is None:
                    continue
                text = (
                    f"Zeile {total.row}, {account_place}: Konto {total.account} ist eine Summe "
                    f"von Konto {account} (Zeile {row.row}) {of} ({period}); bitte nur "
                    "Einzelkonten oder nur Summen liefern"
                )
                found.append((total.row, row.row, text))
        group = index.get((year, kind, number[:5])) if len(number) > 5 else None
        if not group:
            continue
        # (group row, product row) whose accounts are equal or one begins the other
        pairs = [
            (total, row)
            for account, row in by_account.items()
            for k in range(1, len(account) + 1)
            if (total := group.get(account[:k])) is not None
        ]
        pairs += [
            (sum_row, part)
            for account, sum_row in group.items()
            for k in range(1, len(account))
            if (part := by_account.get(account[:k])) is not None
        ]
        for total, row in pairs:
            text = (
                f"Zeile {total.row}, {product_place}: die Produktgruppe {total.product} mit "
                f"Konto {total.account} enthält schon das Produkt {row.product} mit Konto "
                f"{row.account} (Zeile {row.row}, {period}); bitte nur Produkte oder nur "
                "Produktgruppen liefern"
            )
            found.append((total.row, row.row, text))
    found.sort()
    return [text for _, _, text in found]
