"""How a body's finance system writes its budget export: column names and the words it uses.

Every finance system (SAP, H&H proDoppik, Infoma newsystem, CIP, ...) names its columns and
kinds differently, so the reader takes them from a per-body `BudgetLayout` instead of fixing
them. The default is the documented layout `Produkt;Konto;Jahr;Art;Betrag`. Names and labels
are compared without regard to case and runs of spaces, as people see them in a spreadsheet.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from models.budget_kinds import BudgetKind, BudgetSide

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

DEFAULT_KIND_LABELS: dict[str, BudgetKind] = {
    "Ansatz": BudgetKind.ansatz,
    "fortgeschriebener Ansatz": BudgetKind.fortgeschrieben,
    "Ergebnis": BudgetKind.ergebnis,
    "Plan": BudgetKind.plan,
}
DEFAULT_SIDE_LABELS: dict[str, BudgetSide] = {
    "Ertrag": BudgetSide.income,
    "Erträge": BudgetSide.income,
    "Aufwand": BudgetSide.expenses,
    "Aufwendungen": BudgetSide.expenses,
    "Investitionseinzahlung": BudgetSide.investment_income,
    "Einzahlungen aus Investitionstätigkeit": BudgetSide.investment_income,
    "Investitionsauszahlung": BudgetSide.investment_expenses,
    "Auszahlungen aus Investitionstätigkeit": BudgetSide.investment_expenses,
}


def normal(text: str) -> str:
    """A name or label as compared: " Fortgeschriebener  ANSATZ" -> "fortgeschriebener ansatz"."""
    return " ".join(text.split()).casefold()


class BudgetLayout(BaseModel):
    """The columns and words of one body's budget export. `year_column` and `kind_column` may
    be missing from a file (the import then names the year or kind); `side_column`, when set,
    must be in the file and says income or expenses where the account class does not."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    product_column: Name = "Produkt"
    account_column: Name = "Konto"
    year_column: Name = "Jahr"
    kind_column: Name = "Art"
    amount_column: Name = "Betrag"
    side_column: Name | None = None
    kind_labels: dict[Name, BudgetKind] = Field(
        default_factory=lambda: dict(DEFAULT_KIND_LABELS), min_length=1, max_length=50
    )
    side_labels: dict[Name, BudgetSide] = Field(
        default_factory=lambda: dict(DEFAULT_SIDE_LABELS), min_length=1, max_length=50
    )

    @model_validator(mode="after")
    def _distinct(self) -> BudgetLayout:
        names = [normal(name) for name in self.columns()]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"Spaltenname mehrfach vergeben: {', '.join(twice)}")
        for what, labels in (("Art", self.kind_labels), ("Seite", self.side_labels)):
            seen: dict[str, object] = {}
            for label, value in labels.items():
                if seen.setdefault(normal(label), value) != value:
                    raise ValueError(f"{what}: die Bezeichnung „{label}“ steht für zweierlei")
        return self

    def columns(self) -> list[str]:
        """The column names in the order of the default header, the side column last."""
        names = [
            self.product_column,
            self.account_column,
            self.year_column,
            self.kind_column,
            self.amount_column,
        ]
        return names + ([self.side_column] if self.side_column else [])

    def header(self) -> str:
        """The expected header as a CSV line, for messages: "Produkt;Konto;Jahr;Art;Betrag"."""
        return ";".join(self.columns())

    def kinds(self) -> dict[str, BudgetKind]:
        """The kind labels by their normal form."""
        return {normal(label): kind for label, kind in self.kind_labels.items()}

    def sides(self) -> dict[str, BudgetSide]:
        """The side labels by their normal form."""
        return {normal(label): side for label, side in self.side_labels.items()}
