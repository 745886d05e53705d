"""The kinds of budget figures and the sides of the budget they belong to.

A module of their own so that the file reader (`models.budget_file`), the per-body layout
(`models.budget_layout`) and the database tables (`models.budget`) share them without the reader
depending on the tables.
"""

from __future__ import annotations

from enum import StrEnum


class BudgetKind(StrEnum):
    """Which figure of a year: the adopted plan, the updated plan, the result, the forecast."""

    ansatz = "ansatz"
    fortgeschrieben = "fortgeschrieben"  # Ansatz plus carry-overs and supplementary budgets
    ergebnis = "ergebnis"  # the year-end result (Jahresabschluss)
    plan = "plan"  # the medium-term financial plan (Finanzplanung)

    @property
    def label(self) -> str:
        return BUDGET_KIND_LABELS[self]


BUDGET_KIND_LABELS = {
    BudgetKind.ansatz: "Ansatz",
    BudgetKind.fortgeschrieben: "fortgeschriebener Ansatz",
    BudgetKind.ergebnis: "Ergebnis",
    BudgetKind.plan: "Plan",
}


class BudgetSide(StrEnum):
    """Income and expenses of the Ergebnishaushalt, and the investment payments of the
    Finanzhaushalt (the only payments kept: the others repeat income and expenses as cash)."""

    income = "income"
    expenses = "expenses"
    investment_income = "investment_income"
    investment_expenses = "investment_expenses"

    @property
    def label(self) -> str:
        return BUDGET_SIDE_LABELS[self]


BUDGET_SIDE_LABELS = {
    BudgetSide.income: "Erträge",
    BudgetSide.expenses: "Aufwendungen",
    BudgetSide.investment_income: "Einzahlungen aus Investitionstätigkeit",
    BudgetSide.investment_expenses: "Auszahlungen aus Investitionstätigkeit",
}
