"""Budget lines for Lörrach's example product plan, written straight into the database.

No import reads them (the budget importer is built elsewhere); the tests of the money side
must not depend on it. Amounts per account group (class 3 income, class 4 expenses) so that
the sums per side are exercised. Hand-computed net requirements (expenses − income):

54.20 Kreisstraßen (figures: mobilitaet.2, mobilitaet.3; goal 2026: mobilitaet.2)
  2024 Ansatz 9.800.000 − 1.200.000 = 8.600.000   Ergebnis 9.420.000 − 1.350.000 = 8.070.000
  2025 Ansatz 10.100.000 − 1.250.000 = 8.850.000
       fortgeschrieben 10.600.000 − 1.250.000 = 9.350.000 (the plan of 2025)
       Ergebnis 10.245.750 − 1.310.500 = 8.935.250 -> deviation −414.750 = −4,4 %
  2026 Ansatz 10.400.000 − 1.300.000 = 9.100.000   Ergebnis 10.900.000 − 1.280.000 = 9.620.000
       -> deviation +520.000 = +5,7 %; investment payments 3.000.000 (Ansatz, not in the net)
  2027-2029 Finanzplanung 9.300.000, 9.450.000, 9.600.000
56.10 Umweltschutzmaßnahmen (figures: 2 x klima-biodiversitaet.1, 1 x .3; goals 2026: .1, .3)
  2026 Ansatz 2.100.000 − 450.000 = 1.650.000   Ergebnis 2.011.000 − 480.000 = 1.531.000
       -> deviation −119.000 = −7,2 %
61.20 Sonstige allgemeine Finanzwirtschaft (no figure, no goal)
  2026 Ansatz 5.000.000   Ergebnis 4.800.000
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from models.body import Body
from models.budget import BudgetKind, BudgetLine, BudgetSide
from models.db import id_of, session_scope
from models.product_plan import ProductGroup

A, F, E, P = BudgetKind.ansatz, BudgetKind.fortgeschrieben, BudgetKind.ergebnis, BudgetKind.plan

# (group, year, kind) -> {account: amount}; class 3 income, class 4 expenses, 78 investment
LINES: dict[tuple[str, int, BudgetKind], dict[str, int | str]] = {
    ("54.20", 2024, A): {"31": 1_000_000, "33": 200_000, "40": 2_300_000, "42": 7_500_000},
    ("54.20", 2024, E): {"31": 1_100_000, "33": 250_000, "40": 2_250_000, "42": 7_170_000},
    ("54.20", 2025, A): {"31": 1_050_000, "33": 200_000, "40": 2_400_000, "42": 7_700_000},
    ("54.20", 2025, F): {"31": 1_050_000, "33": 200_000, "40": 2_400_000, "42": 8_200_000},
    ("54.20", 2025, E): {"31": "1090250.50", "33": "220249.50", "40": 2_380_000, "42": 7_865_750},
    ("54.20", 2026, A): {
        "31": 1_100_000,
        "33": 200_000,
        "40": 2_500_000,
        "42": 7_900_000,
        "78": 3_000_000,
    },
    ("54.20", 2026, E): {"31": 1_060_000, "33": 220_000, "40": 2_550_000, "42": 8_350_000},
    ("54.20", 2027, P): {"31": 1_300_000, "42": 10_600_000},
    ("54.20", 2028, P): {"31": 1_300_000, "42": 10_750_000},
    ("54.20", 2029, P): {"31": 1_300_000, "42": 10_900_000},
    ("56.10", 2026, A): {"31": 450_000, "40": 900_000, "42": 1_200_000},
    ("56.10", 2026, E): {"31": 480_000, "40": 870_000, "42": 1_141_000},
    ("61.20", 2026, A): {"43": 5_000_000},
    ("61.20", 2026, E): {"43": 4_800_000},
}


def side_of(account: str) -> BudgetSide:
    return {
        "3": BudgetSide.income,
        "4": BudgetSide.expenses,
        "7": BudgetSide.investment_expenses,
    }[account[0]]


def insert_budget_lines(engine: sa.Engine, body: Body) -> None:
    """Write LINES for `body` (which must have Lörrach's product plan)."""
    with session_scope(engine) as session:
        groups = {
            g.number: id_of(g)
            for g in session.exec(select(ProductGroup).where(ProductGroup.body_id == body.id))
        }
        for (number, year, kind), accounts in LINES.items():
            for account, amount in accounts.items():
                session.add(
                    BudgetLine(
                        body_id=id_of(body),
                        year=year,
                        kind=kind,
                        product_group_id=groups[number],
                        account=account,
                        side=side_of(account),
                        amount=Decimal(str(amount)),
                    )
                )
