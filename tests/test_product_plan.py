"""The product plan (products.toml): installed with the body, checked per key, updated by `init`.

Broken plans are copies of the shipped Lörrach files with one small edit each (helpers of
tests/test_config_errors.py); a body without products.toml works as before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.budget import BudgetImport, BudgetKind, BudgetLine, BudgetSide
from models.db import id_of, session_scope
from models.organisation import Department
from models.product_plan import PartialBudget, PartialBudgetDepartment, ProductArea, ProductGroup
from models.strategy import KeyPosition, Product
from services.product_plan import product_groups_by_number, product_plan
from tests.conftest import MUSTERSTADT, NOW, Cli, install, row_counts
from tests.test_config_errors import (
    WIDE,
    drop_line,
    edit,
    init_rejected,
    problem_about,
    problems,
)

PRODUCTS = "products.toml"


def group(session, number: str) -> ProductGroup:  # type: ignore[no-untyped-def]
    return session.exec(select(ProductGroup).where(ProductGroup.number == number)).one()


# --------------------------------------------------------------------------- installed


@pytest.mark.both_databases
def test_loerrach_plan_installs_with_groups_in_their_partial_budgets(
    engine: sa.Engine, loerrach
) -> None:  # type: ignore[no-untyped-def]
    counts = row_counts(engine)
    assert counts["product_area"] == 12
    assert counts["partial_budget"] == 10
    assert counts["product_group"] == 23
    assert counts["partial_budget_department"] == 11
    with session_scope(engine) as session:
        facilities = group(session, "11.24")
        budget = session.get(PartialBudget, facilities.partial_budget_id)
        area = session.get(ProductArea, facilities.area_id)
        responsible = session.exec(
            select(Department.key).join(
                PartialBudgetDepartment,
                sa.and_(
                    PartialBudgetDepartment.department_id == Department.id,
                    PartialBudgetDepartment.partial_budget_id == facilities.partial_budget_id,
                ),
            )
        ).all()
        unlinked = session.exec(
            select(Product.number)
            .join(KeyPosition, KeyPosition.product_id == Product.id)
            .where(Product.product_group_id == None)  # noqa: E711
        ).all()
        digital = session.exec(select(Product).where(Product.number == "11.20.04")).one()
        digital_group = session.get(ProductGroup, digital.product_group_id)
    assert facilities.name == "Gebäudemanagement"
    assert budget is not None and (budget.number, budget.name) == ("3", "Gebäudemanagement")
    assert area is not None and area.name == "Innere Verwaltung"
    assert responsible == ["gebaeude"]
    assert unlinked == []  # every key position's product is in its group
    assert digital.name == "Digitale Verwaltung"  # the plan names the product
    assert digital_group is not None and digital_group.number == "11.20"


def test_the_plan_reads_as_areas_groups_and_products(engine: sa.Engine, loerrach) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        plan = product_plan(session=session, body=loerrach)
    assert [area.number for area in plan][:3] == ["11", "21", "31"]
    inner = plan[0]
    assert [g.number for g in inner.groups] == ["11.10", "11.20", "11.24"]
    it = inner.groups[1]
    assert it.partial_budget.number == "2"
    assert it.partial_budget.departments == ["Fachbereich Digitalisierung und IT"]
    assert [(p.number, p.department) for p in it.products] == [
        ("11.20.04", "Fachbereich Digitalisierung und IT")
    ]
    steering = next(b for a in plan for b in a.groups if b.number == "11.10").partial_budget
    assert len(steering.departments) == 2
    assert sum(len(g.products) for a in plan for g in a.groups) == 8


@pytest.mark.both_databases
def test_a_budget_line_fits_the_table_the_import_will_fill(engine: sa.Engine, loerrach) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        run = BudgetImport(
            body_id=id_of(loerrach),
            year=2026,
            kind=BudgetKind.ansatz,
            file_name="haushalt-2026.csv",
            sha256="0" * 64,
            rows=1,
            imported_at=NOW,
            actor="test",
        )
        session.add(run)
        session.flush()
        session.add(
            BudgetLine(
                body_id=id_of(loerrach),
                year=2026,
                kind=BudgetKind.ansatz,
                product_group_id=id_of(
                    product_groups_by_number(session=session, body=loerrach)["11.24"]
                ),
                side=BudgetSide.expenses,
                amount=Decimal("1234567.89"),
                import_id=run.id,
            )
        )
    with session_scope(engine) as session:
        line = session.exec(select(BudgetLine)).one()
        imported = session.exec(select(BudgetImport)).one()
    assert line.amount == Decimal("1234567.89")
    assert (line.product_number, line.account) == ("", "")
    assert BudgetKind(line.kind).label == "Ansatz" and BudgetSide(line.side).label == "Aufwendungen"
    assert imported.imported_at == NOW.astimezone(dt.UTC)


def test_init_and_products_show_the_plan_as_example_data(cli: Cli) -> None:
    import json

    installed = cli("init", env=WIDE)
    assert installed.exit_code == 0, installed.output
    assert "23 Produktgruppen" in installed.stdout
    assert "Produktplan und Teilhaushalte sind Beispieldaten" in installed.stdout
    table = cli("products", env=WIDE)
    assert table.exit_code == 0, table.output
    assert "Produktplan – Landkreis Lörrach (Beispieldaten)" in table.stdout
    assert "3 Gebäudemanagement" in table.stdout and "11.24.02" in table.stdout
    areas = json.loads(cli("products", "--json").stdout)
    social = next(area for area in areas if area["number"] == "31")
    care = social["groups"][0]
    assert care["partial_budget"] == {
        "number": "5",
        "name": "Soziales",
        "departments": ["Fachbereich Soziales"],
    }
    assert care["products"] == [
        {"number": "31.10.01", "name": "Hilfe zur Pflege", "department": "Fachbereich Soziales"}
    ]


# --------------------------------------------------------------------------- refused per key


# (file, old text, new text, key named in the message, German words of the message)
BROKEN = {
    "unknown_product_in_figures": (
        "figures.toml",
        'product = "11.24.02"',
        'product = "11.24.99"',
        "key_figures[0].product",
        "Produkt 11.24.99 steht nicht im Produktplan (products.toml)",
    ),
    "unknown_product_group_of_a_goal": (
        "figures.toml",
        'product_group = "11.24"',
        'product_group = "11.25"',
        "goals[0].product_group",
        "Produktgruppe 11.25 steht nicht im Produktplan",
    ),
    "unknown_partial_budget": (
        PRODUCTS,
        'partial_budget = "3"',
        'partial_budget = "99"',
        "groups[2].partial_budget",
        "Teilhaushalt '99' ist nicht angelegt",
    ),
    "unknown_department": (
        PRODUCTS,
        'departments = ["gebaeude"]',
        'departments = ["hausmeisterei"]',
        "partial_budgets[2].departments[0]",
        "den Fachbereich 'hausmeisterei' gibt es nicht",
    ),
    "unknown_department_of_a_product": (
        PRODUCTS,
        'department = "jugend"',
        'department = "kinder"',
        "products[5].department",
        "gibt es nicht",
    ),
    "product_department_other_than_its_key_position": (
        PRODUCTS,
        'department = "umwelt"',
        'department = "gebaeude"',
        "products[7].department",
        "'gebaeude' widerspricht strategy.toml, key_positions[3].department ('umwelt')",
    ),
    "duplicate_group_number": (
        PRODUCTS,
        'number = "11.10"',
        'number = "11.20"',
        "groups[].number",
        "'11.20' kommt 2-mal vor",
    ),
    "product_whose_group_is_missing": (
        PRODUCTS,
        'number = "11.20.04"',
        'number = "11.29.04"',
        "products[0].number",
        "Produktgruppe '11.29' des Produkts 11.29.04 ist nicht angelegt",
    ),
    "group_whose_area_is_missing": (
        PRODUCTS,
        'number = "57.50"',
        'number = "58.50"',
        "groups[20].number",
        "Produktbereich '58'",
    ),
    "key_position_product_not_in_the_plan": (
        PRODUCTS,
        'number = "36.30.03"',
        'number = "36.30.09"',
        "key_positions[7].product",
        "Produkt 36.30.03 steht nicht im Produktplan",
    ),
    "group_number_of_the_wrong_shape": (
        PRODUCTS,
        'number = "11.10"',
        'number = "11.1"',
        "groups[0].number",
        "",
    ),
    "unknown_key": (
        PRODUCTS,
        'name = "Tourismus"\n',
        'name = "Tourismus"\nbudget = 3\n',
        "groups[20].budget",
        "unbekannter Schlüssel",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_plan_is_refused_with_file_and_key_and_nothing_written(
    cli: Cli, engine: sa.Engine, body_dir: Path, case: str
) -> None:
    file, old, new, key, words = BROKEN[case]
    edit(body_dir, file, old, new)
    result = init_rejected(cli, engine, body_dir)
    named = "strategy.toml" if key.startswith("key_positions") else file
    assert words in problem_about(result.output, named, key)


def test_a_group_without_partial_budget_is_refused(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    drop_line(body_dir, PRODUCTS, 'partial_budget = "2"')
    result = init_rejected(cli, engine, body_dir)
    assert "Pflichtangabe fehlt" in problem_about(
        result.output, PRODUCTS, "groups[1].partial_budget"
    )


def test_all_problems_of_the_plan_are_listed_together(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    edit(body_dir, PRODUCTS, 'partial_budget = "3"', 'partial_budget = "99"')
    edit(body_dir, PRODUCTS, 'departments = ["gebaeude"]', 'departments = ["hausmeisterei"]')
    edit(body_dir, "figures.toml", 'product_group = "57.10"', 'product_group = "57.30"')
    result = init_rejected(cli, engine, body_dir)
    assert "Teilhaushalt '99'" in problem_about(result.output, PRODUCTS, "groups[2]")
    assert "hausmeisterei" in problem_about(result.output, PRODUCTS, "partial_budgets[2]")
    assert "57.30" in problem_about(result.output, "figures.toml", "key_figures[16].product_group")
    assert len(problems(result.output)) == 3


# --------------------------------------------------------------------------- update


@pytest.mark.both_databases
def test_update_renames_adds_and_removes_groups(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    edit(body_dir, PRODUCTS, 'name = "Tourismus"', 'name = "Tourismusförderung"')
    edit(body_dir, PRODUCTS, 'number = "61.20"', 'number = "61.30"')
    edit(
        body_dir,
        PRODUCTS,
        'departments = ["controlling", "finanzen"]',
        'departments = ["finanzen"]',
    )
    edit(body_dir, PRODUCTS, 'partial_budget = "2"', 'partial_budget = "1"')
    result = cli("init", "--body-dir", str(body_dir), env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Produktgruppe 57.50 Tourismusförderung geändert (name)" in result.stdout
    assert "Produktgruppe 61.30 Sonstige allgemeine Finanzwirtschaft neu" in result.stdout
    assert "Produktgruppe 61.20 Sonstige allgemeine Finanzwirtschaft entfernt" in result.stdout
    assert "Teilhaushalt 1: verantwortliche Fachbereiche geändert" in result.stdout
    moved = "Produktgruppe 11.20 Zentrale Dienste und Digitalisierung geändert (partial_budget)"
    assert moved in result.stdout
    with session_scope(engine) as session:
        numbers = set(session.exec(select(ProductGroup.number)).all())
        assert group(session, "57.50").name == "Tourismusförderung"
        budget = session.get(PartialBudget, group(session, "11.20").partial_budget_id)
        assert budget is not None and budget.number == "1"
    assert "61.30" in numbers and "61.20" not in numbers and len(numbers) == 23
    again = cli("init", "--body-dir", str(body_dir))
    assert "aktuell; nichts geändert" in again.stdout


@pytest.mark.both_databases
def test_a_group_with_budget_lines_cannot_leave_the_plan(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    with session_scope(engine) as session:
        tourism = group(session, "57.50")
        session.add(
            BudgetLine(
                body_id=tourism.body_id,
                year=2026,
                kind=BudgetKind.ansatz,
                product_group_id=id_of(tourism),
                side=BudgetSide.expenses,
                amount=Decimal("5000"),
            )
        )
    edit(body_dir, PRODUCTS, 'number = "57.50"', 'number = "57.60"')
    edit(body_dir, PRODUCTS, 'name = "Tourismus"', 'name = "Tourismus neu"')
    before = row_counts(engine)
    result = cli("init", "--body-dir", str(body_dir), env=WIDE)
    assert result.exit_code == 2, result.output
    assert "Produktgruppe 57.50 (Tourismus) fehlt" in result.output
    assert "1 Haushaltszeilen" in result.output
    assert row_counts(engine) == before
    with session_scope(engine) as session:
        assert group(session, "57.50").name == "Tourismus"


@pytest.mark.both_databases
def test_a_plan_added_later_links_the_products_of_the_key_positions(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    plan = (body_dir / PRODUCTS).read_text(encoding="utf-8")
    (body_dir / PRODUCTS).unlink()
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    assert row_counts(engine)["product_group"] == 0
    (body_dir / PRODUCTS).write_text(plan, encoding="utf-8")
    result = cli("init", "--body-dir", str(body_dir))
    assert result.exit_code == 0, result.output
    assert "Produktgruppe 11.24 Gebäudemanagement neu" in result.stdout
    assert "Produkt 11.20.04 Digitale Verwaltung geändert (name)" in result.stdout
    with session_scope(engine) as session:
        unlinked = session.exec(
            select(Product.number).where(Product.product_group_id == None)  # noqa: E711
        ).all()
    assert unlinked == []


# --------------------------------------------------------------------------- without a plan


@pytest.mark.both_databases
def test_a_body_without_products_toml_installs_as_before(engine: sa.Engine) -> None:
    assert not (MUSTERSTADT / PRODUCTS).exists()
    body = install(engine, MUSTERSTADT)
    with session_scope(engine) as session:
        products = session.exec(select(Product)).all()
        assert product_plan(session=session, body=body) == []
    assert row_counts(engine)["product_group"] == 0
    assert products and all(p.product_group_id is None and p.product_group for p in products)
    assert not body.product_plan_is_example


def test_products_of_a_body_without_plan_says_so(cli: Cli) -> None:
    assert cli("init", "--body-dir", str(MUSTERSTADT)).exit_code == 0
    result = cli("products", env=WIDE)
    assert result.exit_code == 0, result.output
    assert "hat keinen Produktplan (products.toml)" in result.stdout
    assert cli("products", "--json").stdout.strip() == "[]"


def test_lörrach_without_products_toml_still_loads(body_dir: Path) -> None:
    from config.loader import load_body_config

    (body_dir / PRODUCTS).unlink()
    edit(body_dir, "figures.toml", 'product_group = "57.10"', 'product_group = "57.30"')
    config = load_body_config(body_dir)  # unknown groups are fine without a plan
    assert config.products is None
