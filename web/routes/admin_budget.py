"""The budget resolution (Haushaltsbeschluss) on the admin page: the council's amendments
per product group typed row by row, checked and shown for a last look, then recorded; the
same command as `kreislauf budget resolve`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from models.commands import BudgetAmendmentInput, Command, RecordBudgetResolution
from models.errors import KreislaufError
from models.german import german_euro
from models.inputs import parse_day, parse_year
from web import auth
from web.render import page
from web.routes.admin import (
    ROW_INPUTS,
    admin_page,
    confirmation,
    dry_run,
    require_admin,
    run_action,
)
from web.routes.common import status_of

if TYPE_CHECKING:
    from services.commands import Outcome

router = APIRouter(include_in_schema=False)

AMENDMENT_ROWS = 5  # empty rows the form offers; more than the form sends is refused
MAX_ROWS = 50


def _rows(
    product_group: list[str], income: list[str], expenses: list[str], note: list[str]
) -> list[dict[str, str]]:
    """The form's amendment rows as typed (for showing them again), at least AMENDMENT_ROWS."""
    count = max(len(product_group), len(income), len(expenses), len(note))
    if count > MAX_ROWS:
        raise KreislaufError(f"Zu viele Zeilen ({count}, erlaubt: {MAX_ROWS}).", field="amendments")

    def at(values: list[str], index: int) -> str:
        return values[index] if index < len(values) else ""

    rows = [
        {
            "product_group": at(product_group, i),
            "income": at(income, i),
            "expenses": at(expenses, i),
            "note": at(note, i),
        }
        for i in range(count)
    ]
    return rows + [dict.fromkeys(ROW_INPUTS.values(), "")] * (AMENDMENT_ROWS - len(rows))


def _euro(text: str, field: str) -> Decimal:
    """An amount as people type it: 50000, 50.000,00 or -1250,5; empty is 0."""
    from models.commands import check_amount
    from models.workbook_number import german_decimal

    if not text.strip():
        return Decimal(0)
    try:
        plain = german_decimal(text[:40], suffix="€")
    except ValueError as error:
        raise KreislaufError(f"{error}.", field=field) from None
    return check_amount(plain, field)


def _budget_command(
    year: str, number: str, date: str, rows: list[dict[str, str]]
) -> RecordBudgetResolution:
    amendments = []
    for index, row in enumerate(rows):
        if not any(value.strip() for value in row.values()):
            continue  # an empty row of the form
        where = f"amendments[{index}]"
        amendments.append(
            BudgetAmendmentInput(
                row["product_group"],
                _euro(row["income"], f"{where}.income_change"),
                _euro(row["expenses"], f"{where}.expenses_change"),
                row["note"],
                where,
            )
        )
    return RecordBudgetResolution(
        parse_year(year), number, parse_day(date, "adopted_on"), tuple(amendments)
    )


@dataclass(frozen=True)
class BudgetForm:
    """The budget resolution's form as posted: number, day and the amendment rows' inputs."""

    year: str
    number: str
    date: str
    product_group: list[str]
    income: list[str]
    expenses: list[str]
    note: list[str]

    def values(self) -> dict[str, Any]:
        """What was typed, to show the form again; the caller adds the rows."""
        return {"year": self.year, "number": self.number, "date": self.date, "rows": []}

    def rows(self) -> list[dict[str, str]]:
        return _rows(self.product_group, self.income, self.expenses, self.note)

    def command(self, rows: list[dict[str, str]]) -> RecordBudgetResolution:
        return _budget_command(self.year, self.number, self.date, rows)


def budget_form(
    year: str = Form(""),
    number: str = Form(""),
    date: str = Form(""),
    product_group: list[str] = Form([]),
    income: list[str] = Form([]),
    expenses: list[str] = Form([]),
    note: list[str] = Form([]),
) -> BudgetForm:
    return BudgetForm(year, number, date, product_group, income, expenses, note)


@router.post("/admin/budget-resolution/preview", dependencies=[Depends(auth.check_csrf)])
def budget_resolution_preview(
    request: Request,
    form: BudgetForm = Depends(budget_form),
    edit: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    """Step one: check everything (the whole decision, rolled back) and show it for a last
    look ("Bitte prüfen"); a mistake shows the form again beside its field. `edit`: back to
    the form with what was typed."""
    values = form.values()
    try:
        rows = form.rows()
        values["rows"] = rows
        if edit:
            return admin_page(request, viewer, form="budget", values=values)
        command = form.command(rows)
        names = dry_run(
            request,
            viewer,
            command,
            lambda session, body, _: _group_names(session, body.id, command.amendments),
        )
    except KreislaufError as error:
        return admin_page(
            request, viewer, form="budget", error=error, values=values, status=status_of(error)
        )
    lines = [
        (
            f"{amendment.product_group} {names.get(amendment.product_group, '')}".strip(),
            german_euro(amendment.income_change, cents=True, signed=True),
            german_euro(amendment.expenses_change, cents=True, signed=True),
            amendment.note,
        )
        for amendment in command.amendments
    ]
    context = {"viewer": viewer, "command": command, "values": values, "lines": lines}
    return page(request, "budget_resolution_preview.html", context)


def _group_names(session: Any, body_id: int | None, amendments: Any) -> dict[str, str]:
    from sqlmodel import col, select

    from models.product_plan import ProductGroup

    numbers = [amendment.product_group for amendment in amendments]
    rows = session.exec(
        select(ProductGroup.number, ProductGroup.name).where(
            ProductGroup.body_id == body_id, col(ProductGroup.number).in_(numbers)
        )
    ).all()
    return dict(rows)


@router.post("/admin/budget-resolution", dependencies=[Depends(auth.check_csrf)])
def budget_resolution_record(
    request: Request,
    form: BudgetForm = Depends(budget_form),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    """Step two, after "Bitte prüfen": the budget resolution is recorded."""
    values = form.values()

    def command() -> Command:
        rows = form.rows()
        values["rows"] = rows
        return form.command(rows)

    def confirm(outcome: Outcome) -> str:
        head = f"Haushaltsbeschluss Nr. {outcome.record.number} festgehalten"
        return confirmation(head, outcome.events)

    return run_action(
        request, viewer, form="budget", values=values, command=command, confirm=confirm
    )
