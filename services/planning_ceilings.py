"""The Kämmerei's budget circular: ceilings (Eckwerte) per Teilhaushalt and plan year.

A CSV file with the columns Teilhaushalt;Jahr;Zuschussbedarf (German notation, the net
requirement = expenses − income). Checked whole; then the year's ceilings of the named
Teilhaushalte are replaced in one transaction. Any problem: nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.db import id_of
from models.errors import KreislaufError, file_refused, listed_problems
from models.planning import BudgetCeiling
from models.product_plan import PartialBudget
from models.workbook_number import german_decimal
from models.workbook_read import csv_delimiter, decode_text

MAX_BYTES = 1024 * 1024
MAX_ROWS = 1000
HEADERS = ["Teilhaushalt", "Jahr", "Zuschussbedarf"]
LIMIT = Decimal("9999999999999.99")


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(german_decimal(text, suffix="€"))
    except InvalidOperation:
        raise ValueError(f"„{text}“ ist kein Betrag") from None
    if abs(amount) > LIMIT:
        raise ValueError("Betrag zu groß")
    return amount.quantize(Decimal("0.01"))


def parse_ceilings(data: bytes, filename: str, year: int, numbers: set[str]) -> dict[str, Decimal]:
    """Teilhaushalt number -> ceiling; KreislaufError with every problem by row and column."""
    if len(data) > MAX_BYTES:
        raise KreislaufError(f"Die Datei {filename} ist größer als 1 MB; nichts wurde gespeichert.")
    text = decode_text(data)
    delimiter = csv_delimiter(text, lambda cells: cells[0].strip() == HEADERS[0])
    if delimiter is None:
        raise KreislaufError(
            f"{filename}: die erste Zeile muss die Spalten {';'.join(HEADERS)} nennen; "
            "nichts wurde gespeichert."
        )
    rows = list(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter))
    header = [cell.strip() for cell in rows[0]]
    if header[:3] != HEADERS:
        raise KreislaufError(
            f"{filename}: Zeile 1 nennt die Spalten „{';'.join(header)}“, erwartet "
            f"„{';'.join(HEADERS)}“; nichts wurde gespeichert."
        )
    problems = []
    if len(rows) > MAX_ROWS + 1:
        problems.append(f"mehr als {MAX_ROWS} Zeilen")
    found: dict[str, Decimal] = {}
    for number, cells in enumerate(rows[1 : MAX_ROWS + 1], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = [*cells, "", "", ""]
        thh, row_year, amount = (cell.strip() for cell in cells[:3])
        if thh not in numbers:
            problems.append(f"Zeile {number}, Spalte A (Teilhaushalt): „{thh}“ gibt es nicht")
        elif thh in found:
            problems.append(f"Zeile {number}, Spalte A (Teilhaushalt): „{thh}“ steht doppelt")
        if row_year != str(year):
            problems.append(f"Zeile {number}, Spalte B (Jahr): „{row_year}“, erwartet {year}")
        try:
            value = _amount(amount)
        except ValueError as error:
            problems.append(f"Zeile {number}, Spalte C (Zuschussbedarf): {error}")
            continue
        if thh in numbers:
            found[thh] = value
    if not found and not problems:
        problems.append("keine Eckwerte in der Datei")
    if problems:
        raise KreislaufError(
            file_refused(filename, len(problems)), problems=listed_problems(problems)
        )
    return found


def import_ceilings(
    *,
    session: Session,
    body: Body,
    year: int,
    data: bytes,
    filename: str,
    now: dt.datetime,
    actor: str,
) -> dict[str, Decimal]:
    thhs = {
        thh.number: thh
        for thh in session.exec(select(PartialBudget).where(PartialBudget.body_id == body.id))
    }
    found = parse_ceilings(data, filename, year, set(thhs))
    for number, net in found.items():
        thh = thhs[number]
        row = session.exec(
            select(BudgetCeiling).where(
                BudgetCeiling.partial_budget_id == thh.id, BudgetCeiling.year == year
            )
        ).first()
        if row is None:
            row = BudgetCeiling(
                body_id=id_of(body),
                partial_budget_id=id_of(thh),
                year=year,
                net=net,
                file_name=filename[-255:],
                imported_at=now,
                actor=actor[:200],
            )
            session.add(row)
        row.net, row.file_name, row.imported_at, row.actor = net, filename[-255:], now, actor[:200]
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="budget.ceilings",
        entity="budget_ceiling",
        entity_id=None,
        body_id=body.id,
        after={"year": year, "file": filename, "ceilings": {k: str(v) for k, v in found.items()}},
    )
    session.flush()
    return found


def list_ceilings(
    *, session: Session, body: Body, year: int
) -> list[tuple[PartialBudget, Decimal]]:
    rows = session.exec(
        select(PartialBudget, BudgetCeiling)
        .join(BudgetCeiling, col(BudgetCeiling.partial_budget_id) == PartialBudget.id)
        .where(BudgetCeiling.body_id == body.id, BudgetCeiling.year == year)
        .order_by(col(PartialBudget.id))
    ).all()
    return [(thh, ceiling.net) for thh, ceiling in rows]
