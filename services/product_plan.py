"""The product plan of a body: taken over from products.toml, and read back as one tree.

Areas, partial budgets and product groups follow the file: new ones are added, names change,
and those that left the file are deleted, except a product group that budget lines refer to:
the money would lose its place, so that is a configuration error and nothing is written.
Products are never deleted (key positions of earlier strategy versions name them). Without
products.toml the stored plan is left as it is and products keep only their group number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from models.body import Body
from models.budget import BudgetLine
from models.db import id_of
from models.errors import KreislaufError
from models.organisation import Department
from models.product_plan import PartialBudget, PartialBudgetDepartment, ProductArea, ProductGroup
from models.strategy import Product

if TYPE_CHECKING:
    from config.loader import BodyConfig
    from config.schema import PartialBudgetSpec

_Numbered = TypeVar("_Numbered", ProductArea, PartialBudget, ProductGroup, Product)


def sync_product_plan(
    config: BodyConfig, body: Body, departments: dict[str, Department], *, session: Session
) -> list[str]:
    """Write the plan of products.toml (if any) in the caller's transaction; a German line
    per change. Raises KreislaufError when a group with budget lines left the file."""
    plan = config.products
    if plan is None:
        return []
    body_id = id_of(body)
    changes: list[str] = []
    areas = _upsert(
        session,
        ProductArea,
        body_id,
        [{"number": a.number, "name": a.name} for a in plan.areas],
        "Produktbereich",
        changes,
    )
    known = set(
        session.exec(select(PartialBudget.number).where(PartialBudget.body_id == body_id)).all()
    )
    budgets = _upsert(
        session,
        PartialBudget,
        body_id,
        [{"number": b.number, "name": b.name} for b in plan.partial_budgets],
        "Teilhaushalt",
        changes,
    )
    _sync_responsibility(plan.partial_budgets, budgets, known, departments, session, changes)
    groups = _upsert(
        session,
        ProductGroup,
        body_id,
        [
            {
                "number": g.number,
                "name": g.name,
                "area_id": id_of(areas[g.area]),
                "partial_budget_id": id_of(budgets[g.partial_budget]),
            }
            for g in plan.groups
        ],
        "Produktgruppe",
        changes,
    )
    products = _upsert(
        session,
        Product,
        body_id,
        [
            {
                "number": p.number,
                "name": p.name,
                "product_group": p.group,
                "product_group_id": id_of(groups[p.group]),
            }
            | ({"department_id": departments[p.department].id} if p.department else {})
            for p in plan.products
        ],
        "Produkt",
        changes,
    )
    # products outside the file (earlier strategy versions) are linked by their number
    for product in session.exec(select(Product).where(Product.body_id == body_id)).all():
        if product.number not in products:
            group = groups.get(product.product_group)
            product.product_group_id = group.id if group else None
    session.flush()
    _remove_left_out(body_id, areas, budgets, groups, session, changes)
    session.flush()
    return changes


def _upsert(
    session: Session,
    table: type[_Numbered],
    body_id: int,
    rows: list[dict[str, Any]],
    label: str,
    changes: list[str],
) -> dict[str, _Numbered]:
    """Rows by number: inserted when new, updated where they differ (`upsert_by_key` for
    numbered rows)."""
    existing = {
        row.number: row
        for row in session.exec(select(table).where(col(table.body_id) == body_id)).all()
    }
    result = {}
    for values in rows:
        row = existing.get(values["number"])
        if row is None:
            row = table(body_id=body_id, **values)
            session.add(row)
            changes.append(f"{label} {values['number']} {values['name']} neu")
        else:
            differing = [name for name, value in values.items() if getattr(row, name) != value]
            for name in differing:
                setattr(row, name, values[name])
            # a product's new link to its group is no change of its own: the group is reported
            shown = [name.removesuffix("_id") for name in differing if name != "product_group_id"]
            if shown:
                changes.append(f"{label} {row.number} {row.name} geändert ({', '.join(shown)})")
        result[values["number"]] = row
    session.flush()
    return result


def _sync_responsibility(
    specs: Sequence[PartialBudgetSpec],
    budgets: dict[str, PartialBudget],
    known: set[str],
    departments: dict[str, Department],
    session: Session,
    changes: list[str],
) -> None:
    """The departments of each partial budget follow the file exactly (links carry no history)."""
    ids = [id_of(budget) for budget in budgets.values()]
    existing = {
        (link.partial_budget_id, link.department_id): link
        for link in session.exec(
            select(PartialBudgetDepartment).where(
                col(PartialBudgetDepartment.partial_budget_id).in_(ids)
            )
        ).all()
    }
    wanted = {
        (id_of(budgets[spec.number]), id_of(departments[key])): spec.number
        for spec in specs
        for key in spec.departments
    }
    touched = set()
    for pair, number in wanted.items():
        if pair not in existing:
            session.add(PartialBudgetDepartment(partial_budget_id=pair[0], department_id=pair[1]))
            touched.add(number)
    by_id = {id_of(budget): number for number, budget in budgets.items()}
    for pair, link in existing.items():
        if pair not in wanted:
            session.delete(link)
            touched.add(by_id[pair[0]])
    for number in sorted(touched & known):  # a new partial budget is reported as new already
        changes.append(f"Teilhaushalt {number}: verantwortliche Fachbereiche geändert")
    session.flush()


def _remove_left_out(
    body_id: int,
    areas: dict[str, ProductArea],
    budgets: dict[str, PartialBudget],
    groups: dict[str, ProductGroup],
    session: Session,
    changes: list[str],
) -> None:
    """Delete the groups, areas and partial budgets that left products.toml."""
    gone = [
        group
        for group in session.exec(select(ProductGroup).where(ProductGroup.body_id == body_id))
        if group.number not in groups
    ]
    for group in gone:
        lines = session.exec(
            select(func.count())
            .select_from(BudgetLine)
            .where(BudgetLine.product_group_id == group.id)
        ).one()
        if lines:
            raise KreislaufError(
                f"products.toml, groups: die Produktgruppe {group.number} ({group.name}) fehlt, "
                f"aber {lines} Haushaltszeilen verweisen auf sie; nichts wurde geändert.",
                hint="Bitte die Produktgruppe in products.toml belassen.",
            )
        for product in session.exec(
            select(Product).where(Product.product_group_id == group.id)
        ).all():
            product.product_group_id = None
        session.flush()
        session.delete(group)
        changes.append(f"Produktgruppe {group.number} {group.name} entfernt")
    session.flush()
    for area in session.exec(select(ProductArea).where(ProductArea.body_id == body_id)).all():
        if area.number not in areas:
            session.delete(area)
            changes.append(f"Produktbereich {area.number} {area.name} entfernt")
    for budget in session.exec(select(PartialBudget).where(PartialBudget.body_id == body_id)).all():
        if budget.number not in budgets:
            session.exec(
                delete(PartialBudgetDepartment).where(
                    col(PartialBudgetDepartment.partial_budget_id) == budget.id
                )
            )
            session.delete(budget)
            changes.append(f"Teilhaushalt {budget.number} {budget.name} entfernt")


# --------------------------------------------------------------------------- reading


def product_groups_by_number(*, session: Session, body: Body) -> dict[str, ProductGroup]:
    """The body's product groups by number ("11.24"): what a budget import maps its rows to;
    empty when the body has no product plan."""
    return {
        group.number: group
        for group in session.exec(select(ProductGroup).where(ProductGroup.body_id == id_of(body)))
    }


@dataclass(frozen=True)
class PartialBudgetView:
    number: str
    name: str
    departments: list[str]  # department names


@dataclass(frozen=True)
class ProductView:
    number: str
    name: str
    department: str | None


@dataclass
class GroupView:
    number: str
    name: str
    partial_budget: PartialBudgetView
    products: list[ProductView] = field(default_factory=list)


@dataclass
class AreaView:
    number: str
    name: str
    groups: list[GroupView] = field(default_factory=list)


def product_plan(*, session: Session, body: Body) -> list[AreaView]:
    """The body's plan as areas > groups (with their partial budget) > products, by number;
    empty when the body has no product plan."""
    body_id = id_of(body)
    department_names = {
        department.id: department.name
        for department in session.exec(select(Department).where(Department.body_id == body_id))
    }
    responsible: dict[int, list[str]] = {}
    for link in session.exec(
        select(PartialBudgetDepartment)
        .join(PartialBudget, col(PartialBudgetDepartment.partial_budget_id) == PartialBudget.id)
        .where(PartialBudget.body_id == body_id)
        .order_by(col(PartialBudgetDepartment.id))
    ):
        responsible.setdefault(link.partial_budget_id, []).append(
            department_names[link.department_id]
        )
    budgets = {
        budget.id: PartialBudgetView(budget.number, budget.name, responsible.get(id_of(budget), []))
        for budget in session.exec(select(PartialBudget).where(PartialBudget.body_id == body_id))
    }
    areas = {
        area.id: AreaView(area.number, area.name)
        for area in session.exec(
            select(ProductArea)
            .where(ProductArea.body_id == body_id)
            .order_by(col(ProductArea.number))
        )
    }
    groups: dict[int | None, GroupView] = {}
    for group in session.exec(
        select(ProductGroup)
        .where(ProductGroup.body_id == body_id)
        .order_by(col(ProductGroup.number))
    ):
        view = GroupView(group.number, group.name, budgets[group.partial_budget_id])
        areas[group.area_id].groups.append(view)
        groups[group.id] = view
    for product in session.exec(
        select(Product)
        .where(Product.body_id == body_id, col(Product.product_group_id).is_not(None))
        .order_by(col(Product.number))
    ):
        groups[product.product_group_id].products.append(
            ProductView(
                product.number,
                product.name,
                department_names.get(product.department_id) if product.department_id else None,
            )
        )
    return list(areas.values())
