"""Importing a finance system's budget export: the file checked against the body's product
plan and cycles, then each (year, kind) slice of the file replaced, all in one transaction.

The file alone is checked by `models.budget_file`; here what needs the database: the product
(group) numbers against the plan, each product's group (and so its Teilhaushalt), the years
against the body's cycles. Every problem is collected and the file refused whole, so a wrong
file never leaves half a slice behind. A slice in the file replaces the stored slice: the
finance system's export is the truth, and a re-import never adds to what is there.

Years (`allowed_years`): a cycle of year N evaluates budget year N-1 and plans N+1 with its
Finanzplanung up to N+4; history before the first cycle is useful beside it. So a body with
cycles from F to L takes the years F-10 to L+4; a body without cycles takes none (create the
first cycle, then import).

Stored are the sums per product (or product group), account group (Kontengruppe: the
account's first two digits) and side (`account_group_sums`); the single accounts stay in the
finance system.

Speed: the lines are written at the driver (`_insert_lines`: COPY on PostgreSQL, a prepared
upsert on SQLite) from tuples made in C (`_lines`), never ORM objects, one statement for all
slices; totals before and after come from one aggregate in whole cents each, for all slices;
the sums per account group are made by `sum` per run of rows; the cycle collector pauses for
the whole import. Measured by bench/budget_import (2026-11-28, 2
shared cores under load from other sessions; 200.000 rows, 7,9 MB, stored as 4.000 sums): a
bare csv read summing the amounts 0,44-0,51 s; the re-import 1,9-2,0 s on SQLite and 1,9-2,1 s
on PostgreSQL (4,1-4,6x; reading and checking the file is most of it); peak 156-168 MB.
With the speed-ups above (bulk rows in `models.budget_file`, one statement a kind for all
slices, the collector paused), quiet 4,1x/4,6x before: 3,1x on SQLite and 3,4x on PostgreSQL
(medians; 0,67 s and 0,87 s beside a floor of 0,22 s and 0,26 s under a load of 4 to 5);
PostgreSQL's remaining extra is the server's work on the COPY (three foreign keys, four
indexes a line).
The check for subtotals beside their details (`summed_twice`) adds 0,02-0,04 s CPU to such a
file (measured alone on the same 200.000 rows); the bench's re-import stayed within its noise
(best 1,11 s before, 1,03 s after, under a load of 2,5-4,5).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models import audit
from models.body import Body
from models.budget import BudgetImport, BudgetKind, BudgetLine, BudgetSide
from models.budget_file import (
    BudgetFile,
    BudgetFileInvalid,
    BudgetRow,
    collector_paused,
    read_budget_file,
    summed_twice,
)
from models.budget_file import unknown_products as unknown_product_problems
from models.budget_layout import BudgetLayout
from models.cycle import Cycle
from models.db import analyze, id_of, table_of
from models.errors import KreislaufError, Remedy, file_refused, listed_problems
from models.product_plan import ProductGroup
from models.strategy import Product

PRODUCT_OF, ACCOUNT_OF, YEAR_OF = itemgetter(1), itemgetter(2), itemgetter(3)  # of a BudgetRow
SIDE_OF, AMOUNT_OF, SLICE_OF = itemgetter(5), itemgetter(6), itemgetter(3, 4)
KEY_OF, AMOUNT_OF_PAIR = itemgetter(0), itemgetter(1)  # of a (key, amount) pair
YEARS_BEFORE = 10  # history before the first cycle
YEARS_AFTER = 4  # the last cycle plans N+1, its Finanzplanung reaches N+4


@dataclass(frozen=True)
class Totals:
    """The Ergebnishaushalt of a slice: income, expenses and the net requirement derived."""

    income: Decimal = Decimal("0.00")
    expenses: Decimal = Decimal("0.00")

    @property
    def net(self) -> Decimal:
        """Zuschussbedarf (Nettoressourcenbedarf): what the body's general funds must cover."""
        return self.expenses - self.income

    def as_json(self) -> dict[str, str]:
        """EUR as strings (exact, for the audit trail)."""
        return {
            "income": str(self.income),
            "expenses": str(self.expenses),
            "net_requirement": str(self.net),
        }


@dataclass(frozen=True)
class SliceResult:
    year: int
    kind: BudgetKind
    rows: int  # rows of the file
    import_id: int
    before: Totals
    after: Totals
    lines_before: int
    lines: int = 0  # lines stored: the rows summed per product, account group and side


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    sha256: str
    slices: list[SliceResult]
    other_slice: int  # rows of other years or kinds than asked for: counted, not taken
    payments: int  # payment rows outside the investments: counted, not taken


def body_layout(body: Body) -> BudgetLayout:
    """The body's export layout (body.toml's [budget_import]); the default when it has none."""
    return BudgetLayout.model_validate(body.budget_layout or {})


def allowed_years(*, session: Session, body: Body) -> tuple[int, int] | None:
    """The first and last budget year an import takes (see the module's rule); None without
    a cycle."""
    first, last = session.execute(
        sa.select(sa.func.min(Cycle.year), sa.func.max(Cycle.year)).where(
            col(Cycle.body_id) == id_of(body)
        )
    ).one()
    if first is None:
        return None
    return first - YEARS_BEFORE, last + YEARS_AFTER


def import_budget(
    session: Session,
    body: Body,
    data: bytes,
    file_name: str,
    *,
    year: int | None,
    kind: BudgetKind | None,
    actor: str,
    now: dt.datetime,
) -> ImportResult:
    """Check the whole file, then replace each of its (year, kind) slices in the caller's
    transaction; BudgetFileInvalid (or KreislaufError) with every problem, nothing written.

    The cycle collector pauses for the whole import, not only while the file is read: the
    file's rows would otherwise be scanned by each collection the writing triggers (a fifth
    of the import's time), and they are freed, without cycles, when `_import` returns."""
    with collector_paused():
        return _import(session, body, data, file_name, year=year, kind=kind, actor=actor, now=now)


def _import(
    session: Session,
    body: Body,
    data: bytes,
    file_name: str,
    *,
    year: int | None,
    kind: BudgetKind | None,
    actor: str,
    now: dt.datetime,
) -> ImportResult:
    """`import_budget` with the collector paused."""
    groups = {
        number: group_id
        for number, group_id in session.execute(
            sa.select(col(ProductGroup.number), col(ProductGroup.id)).where(
                col(ProductGroup.body_id) == id_of(body)
            )
        )
    }
    if not groups:
        raise KreislaufError(
            f"Für {body.name} ist kein Produktplan hinterlegt, daher können keine Haushaltszahlen "
            "zugeordnet werden; nichts wurde gespeichert.",
            hint="Bitte den Produktplan als products.toml in das Konfigurationsverzeichnis der "
            "Körperschaft legen und die Körperschaft neu laden (kreislauf init --body-dir DIR).",
        )
    years = allowed_years(session=session, body=body)
    if years is None:
        raise KreislaufError(
            f"Für {body.name} ist noch kein Kreislauf angelegt; Haushaltsjahre werden den "
            "Kreisläufen zugeordnet, nichts wurde gespeichert.",
            remedy=Remedy.create_cycle,
        )
    if year is not None and not years[0] <= year <= years[1]:
        raise KreislaufError(
            f"Das Jahr {year} liegt außerhalb der Kreisläufe von {body.name}: erlaubt sind "
            f"{years[0]} bis {years[1]} (zehn Jahre vor dem ersten bis vier nach dem letzten "
            "Kreislauf); nichts wurde gespeichert.",
            field="year",
        )
    budget = read_budget_file(data, file_name, body_layout(body), year=year, kind=kind)
    products = {
        number: group_id
        for number, group_id in session.execute(
            sa.select(col(Product.number), col(Product.product_group_id)).where(
                col(Product.body_id) == id_of(body)
            )
        )
    }
    _check(body, budget, groups, products, years)
    lock_imports(session, body)
    digest = hashlib.sha256(data).hexdigest()
    by_slice = sorted(
        _slices(budget.rows).items(),
        key=lambda item: (item[0][0], list(BudgetKind).index(item[0][1])),
    )
    body_id = id_of(body)
    keys = [key for key, _ in by_slice]
    before = slices_totals(session, body_id, keys)  # one query for all slices, before and after
    written = _replace(
        session,
        body_id,
        by_slice,
        groups,
        products,
        file_name=file_name,
        digest=digest,
        actor=actor,
        now=now,
    )
    after = slices_totals(session, body_id, keys)  # in SQL: exact, and quick
    slices: list[SliceResult] = []
    for ((slice_year, slice_kind), rows), (import_id, lines) in zip(by_slice, written, strict=True):
        totals_before, lines_before = before[slice_year, slice_kind]
        totals_after = after[slice_year, slice_kind][0]
        audit.record(
            session=session,
            now=now,
            actor=actor,
            action="budget.import",
            entity="budget_import",
            entity_id=import_id,
            body_id=body_id,
            before={
                "year": slice_year,
                "kind": slice_kind.value,
                "lines": lines_before,
                **totals_before.as_json(),
            },
            after={
                "year": slice_year,
                "kind": slice_kind.value,
                "rows": len(rows),
                "lines": lines,
                "file": file_name,
                "sha256": digest,
                **totals_after.as_json(),
            },
        )
        slices.append(
            SliceResult(
                slice_year,
                slice_kind,
                len(rows),
                import_id,
                totals_before,
                totals_after,
                lines_before,
                lines,
            )
        )
    return ImportResult(
        file_name=file_name,
        sha256=digest,
        slices=slices,
        other_slice=budget.other_slice,
        payments=budget.payments,
    )


def lock_imports(session: Session, body: Body) -> None:
    """One import of a body at a time (PostgreSQL; SQLite has one writer anyway): a second one
    waits here and then replaces what the first wrote, instead of failing on its unique key.
    FOR NO KEY UPDATE: rows of other tables that refer to the body (audit, reminders) are
    still written meanwhile; their foreign key check's FOR KEY SHARE does not wait for it."""
    session.execute(
        sa.select(col(Body.id)).where(col(Body.id) == id_of(body)).with_for_update(key_share=True)
    )


def _check(
    body: Body,
    budget: BudgetFile,
    groups: dict[str, int],
    products: dict[str, int | None],
    years: tuple[int, int],
) -> None:
    """Every problem the database shows: unknown numbers, products outside the plan's groups,
    years outside the cycles; and rows summed twice (`summed_twice`); BudgetFileInvalid
    listing them all."""
    numbers = set(map(PRODUCT_OF, budget.rows))  # C-level passes: the usual file is fine
    known = {number for number in numbers if number in groups or products.get(number)}
    if not known:
        unknown = unknown_product_problems(budget, set(groups), set())
        raise BudgetFileInvalid(
            f"{budget.file_name} wurde nicht übernommen: keine Produktnummer der Datei steht im "
            f"Produktplan von {body.name} – gehört die Datei zu einem anderen Haushalt? "
            "Nichts wurde gespeichert:",
            problems=listed_problems(unknown),
        )
    # a product stored without a group (named by an earlier strategy version, no longer in
    # products.toml) belongs to no Teilhaushalt: its money would have no place. A product
    # group always has one: products.toml requires it and the column is NOT NULL.
    orphans = {number for number in numbers if number in products and not products[number]}
    problems = []
    if numbers - groups.keys() - products.keys():
        problems = unknown_product_problems(budget, set(groups), set(products))  # orphans below
    # subtotals beside their details: refused, not summed twice (only the slices taken)
    problems.extend(summed_twice(budget.rows, budget.columns))
    outside = {year for year in set(map(YEAR_OF, budget.rows)) if not years[0] <= year <= years[1]}
    first: dict[str | int, BudgetRow] = {}
    count: dict[str | int, int] = {}
    for row in budget.rows if orphans or outside else ():
        key: str | int | None = row.product if row.product in orphans else None
        if key is None and not years[0] <= row.year <= years[1]:
            key = row.year
        if key is not None:
            first.setdefault(key, row)
            count[key] = count.get(key, 0) + 1
    for key, row in first.items():
        more = count[key] - 1
        also = f" (auch in {more} weiteren Zeilen)" if more else ""
        if isinstance(key, str):
            problems.append(
                f"Zeile {row.row}, {budget.columns['product']}: das Produkt {key} gehört zu "
                f"keiner Produktgruppe des Produktplans und damit zu keinem Teilhaushalt{also}"
            )
        else:
            place = budget.columns.get("year", "Jahr (beim Import angegeben)")
            problems.append(
                f"Zeile {row.row}, {place}: das Jahr {key} liegt außerhalb der Kreisläufe von "
                f"{body.name} (erlaubt {years[0]} bis {years[1]}){also}"
            )
    if problems:
        raise BudgetFileInvalid(
            file_refused(budget.file_name, len(problems)), problems=listed_problems(problems)
        )


def _slices(rows: list[BudgetRow]) -> dict[tuple[int, BudgetKind], list[BudgetRow]]:
    """The file's rows by (year, kind); a finance system writes each slice in one run of rows,
    so `groupby` makes few groups (merged where a slice comes back)."""
    result: dict[tuple[int, BudgetKind], list[BudgetRow]] = {}
    for key, run in itertools.groupby(rows, key=SLICE_OF):
        result.setdefault(key, []).extend(run)
    return result


def _replace(
    session: Session,
    body_id: int,
    by_slice: list[tuple[tuple[int, BudgetKind], list[BudgetRow]]],
    groups: dict[str, int],
    products: dict[str, int | None],
    *,
    file_name: str,
    digest: str,
    actor: str,
    now: dt.datetime,
) -> list[tuple[int, int]]:
    """The file's slices: their stored lines replaced by the file's, a run recorded for each;
    each run's id and the lines written (`import_budget` audits them). One statement each for
    all slices, not one a slice (the round trips took longer than the work on a few thousand
    lines): the delete, the runs, the lines; on SQLite the lines the file did not update are
    deleted after."""
    on_sqlite = session.connection().dialect.name == "sqlite"
    table = table_of(BudgetLine)
    in_slices = (
        table.c.body_id == body_id,
        sa.or_(
            *(
                sa.and_(table.c.year == year, table.c.kind == kind.value)
                for (year, kind), _ in by_slice
            )
        ),
    )
    if not on_sqlite:  # SQLite: the lines are upserted, and what the file lacks deleted below
        session.execute(sa.delete(table).where(*in_slices))
    runs = [
        BudgetImport(
            body_id=body_id,
            year=year,
            kind=kind,
            file_name=file_name[:255],
            sha256=digest,
            rows=len(rows),
            imported_at=now,
            actor=actor[:120],
        )
        for (year, kind), rows in by_slice
    ]
    session.add_all(runs)
    session.flush()
    import_ids = [id_of(run) for run in runs]
    summed = [account_group_sums(rows) for _, rows in by_slice]
    _insert_lines(
        session,
        itertools.chain.from_iterable(
            _lines(lines, body_id, kind, import_id, groups, products, on_sqlite=on_sqlite)
            for ((_, kind), _), lines, import_id in zip(by_slice, summed, import_ids, strict=True)
        ),
    )
    if on_sqlite:  # the lines of the slices this file did not update
        session.execute(
            sa.delete(table).where(
                *in_slices, sa.func.coalesce(table.c.import_id, 0).not_in(import_ids)
            )
        )
    analyze(session, [table.name, table_of(BudgetImport).name])  # plans fit the new lines
    return list(zip(import_ids, map(len, summed), strict=True))


def account_group_sums(rows: list[BudgetRow]) -> list[BudgetRow]:
    """The rows of one slice (one year and kind) summed per product (or group), account
    group and side: what the steering reports show. The single accounts stay in the finance
    system, which remains the book of accounts; kreislauf keeps a few lines per product
    instead of a hundred, so a district's export is stored in a fraction of the time
    (bench/budget_import). The account group (Kontengruppe) is the account's first two digits
    (40 personnel, 42 goods and services, 43 transfers, 31 taxes and allocations...). It
    sees every row of the file, so the keys are made by `map` and the amounts summed by `sum`
    per run of rows with the same key (a finance system writes a product's accounts together),
    one Python step a run, not a row; a key that comes back later is added to its sum."""
    if not rows:
        return []
    year, kind = rows[0].year, rows[0].kind
    group_of = {account: account[:2] for account in set(map(ACCOUNT_OF, rows))}
    keys = zip(
        map(PRODUCT_OF, rows),
        map(group_of.__getitem__, map(ACCOUNT_OF, rows)),
        map(SIDE_OF, rows),
        strict=True,
    )
    sums: dict[tuple[str, str, BudgetSide], Decimal] = {}
    get = sums.get
    for key, run in itertools.groupby(zip(keys, map(AMOUNT_OF, rows), strict=True), key=KEY_OF):
        sums[key] = get(key, ZERO) + sum(map(AMOUNT_OF_PAIR, run), ZERO)
    return [
        BudgetRow(0, product, group, year, kind, side, amount)
        for (product, group, side), amount in sums.items()
    ]


ZERO = Decimal("0.00")


LINE_COLUMNS = (
    "body_id",
    "year",
    "kind",
    "product_group_id",
    "product_number",
    "account",
    "side",
    "amount",
    "import_id",
)


UNIQUE_KEY = "body_id, year, kind, product_group_id, product_number, account, side"


def _lines(
    rows: list[BudgetRow],
    body_id: int,
    kind: BudgetKind,
    import_id: int,
    groups: dict[str, int],
    products: dict[str, int | None],
    *,
    on_sqlite: bool,
) -> Iterator[tuple[Any, ...]]:
    """The slice's rows as the table's values (LINE_COLUMNS); a product books on its group.
    Plain tuples made from a few lookups per row: 200.000 of them must not take seconds.
    SQLite stores NUMERIC as REAL: the amount is bound as a float there, as SQLAlchemy does."""
    group_of: dict[str, int] = {}
    number_of: dict[str, str] = {}
    for number in set(map(PRODUCT_OF, rows)):
        if number.count(".") == 2:
            group_id = products[number]
            assert group_id is not None  # `_check` refused products without a group
            group_of[number], number_of[number] = group_id, number
        else:
            group_of[number], number_of[number] = groups[number], ""
    sides = {side: side.value for side in BudgetSide}
    amounts = map(AMOUNT_OF, rows)
    # zip of maps: the tuples are made in C, not one Python line a row
    return zip(
        itertools.repeat(body_id),
        map(YEAR_OF, rows),
        itertools.repeat(kind.value),
        map(group_of.__getitem__, map(PRODUCT_OF, rows)),
        map(number_of.__getitem__, map(PRODUCT_OF, rows)),
        map(ACCOUNT_OF, rows),
        map(sides.__getitem__, map(SIDE_OF, rows)),
        map(float, amounts) if on_sqlite else amounts,
        itertools.repeat(import_id),
    )


def _insert_lines(session: Session, lines: Iterator[tuple[Any, ...]]) -> None:
    """Bulk write in the session's transaction, at the driver (SQLAlchemy's per-row parameter
    handling would take longer than the database's work): COPY on PostgreSQL into the
    emptied slice; on SQLite one prepared upsert fed by the iterator, which on a re-import
    changes amount and import in place instead of deleting and inserting every index entry
    (a third faster there; on PostgreSQL an update writes new row versions, slower than COPY)."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    names = ", ".join(LINE_COLUMNS)
    if connection.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]  # psycopg's connection
            cursor.copy(f"COPY budget_line ({names}) FROM STDIN") as copy,
        ):
            for line in lines:
                copy.write_row(line)
        return
    marks = ", ".join("?" * len(LINE_COLUMNS))
    cursor = driver.cursor()  # type: ignore[union-attr]  # sqlite3's connection
    try:
        cursor.executemany(
            f"INSERT INTO budget_line ({names}) VALUES ({marks}) ON CONFLICT ({UNIQUE_KEY}) "
            "DO UPDATE SET amount = excluded.amount, import_id = excluded.import_id",
            lines,
        )
    finally:
        cursor.close()


def cents_sum() -> Any:
    """SUM of amounts in whole cents: exact on SQLite too (which sums NUMERIC as floats)."""
    return sa.func.sum(sa.cast(sa.func.round(col(BudgetLine.amount) * 100), sa.BigInteger))


def slices_totals(
    session: Session, body_id: int, slices: list[tuple[int, BudgetKind]]
) -> dict[tuple[int, BudgetKind], tuple[Totals, int]]:
    """The stored totals of each slice, and its number of lines; one query for all (a
    round trip a slice, before and after, took longer than the sums)."""
    sums: dict[tuple[int, str, str], Decimal] = {}
    lines: dict[tuple[int, str], int] = {}
    for year, kind, side, cents, count in session.execute(
        sa.select(
            col(BudgetLine.year),
            col(BudgetLine.kind),
            col(BudgetLine.side),
            cents_sum(),
            sa.func.count(),
        )
        .where(
            col(BudgetLine.body_id) == body_id,
            col(BudgetLine.year).in_({year for year, _ in slices}),
            col(BudgetLine.kind).in_({kind.value for _, kind in slices}),
        )
        .group_by(col(BudgetLine.year), col(BudgetLine.kind), col(BudgetLine.side))
    ):
        sums[year, kind, side] = Decimal(int(cents)).scaleb(-2)
        lines[year, kind] = lines.get((year, kind), 0) + count
    zero = Decimal("0.00")
    return {
        (year, kind): (
            Totals(
                sums.get((year, kind.value, BudgetSide.income.value), zero),
                sums.get((year, kind.value, BudgetSide.expenses.value), zero),
            ),
            lines.get((year, kind.value), 0),
        )
        for year, kind in slices
    }


__all__ = [
    "ImportResult",
    "SliceResult",
    "Totals",
    "allowed_years",
    "body_layout",
    "import_budget",
]
