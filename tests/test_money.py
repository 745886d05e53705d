"""Money beside results: the rules (models.money) and the read model (services.money).

The numbers are worked out by hand in tests/money_data.py; the checks below repeat the
arithmetic where it matters, so a reader can follow it without running anything.
"""

from __future__ import annotations

from decimal import Decimal as D

import sqlalchemy as sa
from sqlmodel import select

from models.budget import BudgetKind, BudgetLine, BudgetSide
from models.db import session_scope
from models.german import german_euro, german_percent
from models.money import (
    UNATTRIBUTED,
    Amounts,
    Deviation,
    GroupLinks,
    PlanBasis,
    apportion,
    apportion_groups,
    deviation,
    large_groups_without_links,
    net_requirement,
    planned,
    priorities_without_links,
    sum_sides,
)
from models.product_plan import ProductGroup
from services.money import money_overview, profiles_of_department
from tests.money_data import insert_budget_lines

# --------------------------------------------------------------------------- rules


def test_net_requirement_is_expenses_minus_income_without_investments() -> None:
    amounts = sum_sides(
        [
            (BudgetSide.income, D("1000000.00")),
            (BudgetSide.income, D("200000.00")),
            (BudgetSide.expenses, D("9800000.00")),
            (BudgetSide.investment_expenses, D("3000000.00")),
            (BudgetSide.expenses, D("-0.50")),  # a correction
        ]
    )
    assert amounts.net == D("8599999.50")  # 9.799.999,50 − 1.200.000
    assert amounts.investment_net == D("3000000.00")
    # without investment lines the investments are unknown, not 0
    assert sum_sides([(BudgetSide.expenses, D("5.00"))]).investment_net is None
    assert net_requirement(income=D("5"), expenses=D("3")) == D("-2")  # a surplus


def test_plan_is_the_updated_plan_where_there_is_one() -> None:
    ansatz, updated = Amounts(expenses=D("100")), Amounts(expenses=D("120"))
    assert planned({BudgetKind.ansatz: ansatz}) == (ansatz, PlanBasis.ansatz)
    both = {BudgetKind.ansatz: ansatz, BudgetKind.fortgeschrieben: updated}
    assert planned(both) == (updated, PlanBasis.fortgeschrieben)
    assert planned({BudgetKind.ergebnis: ansatz}) is None
    assert PlanBasis.fortgeschrieben.label == "Plan: fortgeschriebener Ansatz"


def test_deviation_in_euro_and_percent_of_the_plan() -> None:
    # 8.935.250 − 9.350.000 = −414.750; −414.750 / 9.350.000 = −4,4358 % -> −4,4 %
    assert deviation(planned=D("9350000"), result=D("8935250")) == Deviation(
        D("-414750"), D("-4.4")
    )
    # a planned surplus (−100) missed by 50: +50 in % of |−100| = +50 %
    assert deviation(planned=D("-100"), result=D("-50")) == Deviation(D("50"), D("50.0"))
    assert deviation(planned=D("0"), result=D("12")) == Deviation(D("12"), None)
    assert deviation(planned=None, result=D("1")) is None
    assert deviation(planned=D("1"), result=None) is None
    # half up at the first decimal: 1 / 8 = 12,5 %; 1 / 16 = 6,25 % -> 6,3 %
    assert deviation(planned=D("16"), result=D("17")) == Deviation(D("1"), D("6.3"))


def test_apportionment_keeps_every_cent_by_largest_remainder() -> None:
    assert apportion(D("100.00"), {"a": 1, "b": 1, "c": 1}) == {
        "a": D("33.34"),
        "b": D("33.33"),
        "c": D("33.33"),
    }
    # 9.100.000 in 2 : 1 -> 6.066.666,666.. and 3.033.333,333..: the cent to the larger rest
    split = apportion(D("9100000.00"), {"mobilitaet.2": 2, "mobilitaet.3": 1})
    assert split == {"mobilitaet.2": D("6066666.67"), "mobilitaet.3": D("3033333.33")}
    assert sum(split.values()) == D("9100000.00")
    # a surplus is split the same way, with its sign
    assert apportion(D("-0.05"), {"a": 1, "b": 1}) == {"a": D("-0.03"), "b": D("-0.02")}
    assert apportion(D("10"), {"a": 0}) == {}
    assert apportion(D("0.01"), {"a": 1, "b": 1, "c": 1}) == {
        "a": D("0.01"),
        "b": D("0.00"),
        "c": D("0.00"),
    }


def test_groups_apportioned_to_known_priorities_the_rest_unattributed() -> None:
    groups = [
        GroupLinks("54.20", D("9100000"), ["mobilitaet.2", "mobilitaet.3", "mobilitaet.2"]),
        GroupLinks("56.10", D("1650000"), ["klima.1", "klima.1", "klima.3", "klima.1", "klima.3"]),
        GroupLinks("61.20", D("5000000"), []),
        GroupLinks("11.10", D("300"), [None, "alt.1"]),  # no priority / one not in force
        GroupLinks("11.20", None, ["klima.1"]),  # no money on record
    ]
    known = ["mobilitaet.2", "mobilitaet.3", "klima.1", "klima.3"]
    result = apportion_groups(groups, known)
    assert result.by_priority == {
        "mobilitaet.2": D("6066666.67"),
        "mobilitaet.3": D("3033333.33"),
        "klima.1": D("990000.00"),  # 3/5 of 1.650.000
        "klima.3": D("660000.00"),  # 2/5
    }
    assert result.unattributed == D("5000300")
    assert result.parts[("61.20", None)] == D("5000000")
    total = sum(result.by_priority.values()) + result.unattributed
    assert total == D("9100000") + D("1650000") + D("5000000") + D("300")
    assert UNATTRIBUTED == "keinem Schwerpunkt zugeordnet"


def test_blind_spots() -> None:
    assert priorities_without_links(["a.1", "a.2", "b.1"], ["a.1", None, "x.9"]) == ["a.2", "b.1"]
    groups = [
        GroupLinks("61.20", D("5000000"), []),  # 5.000.000 of 15.751.000: large, no link
        GroupLinks("61.10", D("-9000"), []),  # 0,06 %: small
        GroupLinks("54.20", D("9100000"), ["mobilitaet.2"]),
        GroupLinks("56.10", D("1650000"), [None]),  # a figure without priority is a link
        GroupLinks("11.10", None, []),
    ]
    assert large_groups_without_links(groups) == ["61.20"]
    assert large_groups_without_links(groups, share=D("0.0005")) == ["61.20", "61.10"]
    assert large_groups_without_links([GroupLinks("1", None, [])]) == []


def test_euro_in_german_notation() -> None:
    assert german_euro(D("1234567.49")) == "1.234.567\u00a0€"
    assert german_euro(D("-414750")) == "-414.750\u00a0€"
    assert german_euro(D("520000"), signed=True) == "+520.000\u00a0€"
    assert german_euro(D("1234.5"), cents=True) == "1.234,50\u00a0€"
    assert german_euro(D("-0.4")) == "0\u00a0€"
    assert german_euro(None) == "–"
    assert german_percent(D("-4.4")) == "-4,4\u00a0%"
    assert german_percent(D("5.7"), signed=True) == "+5,7\u00a0%"


# --------------------------------------------------------------------------- read model


def test_profiles_of_two_groups_checked_by_hand(engine: sa.Engine, loerrach) -> None:
    insert_budget_lines(engine, loerrach)
    with session_scope(engine) as session:
        overview = money_overview(session=session, body=loerrach, year=2027)
        earlier = money_overview(session=session, body=loerrach, year=2026)
    assert overview.report_year == 2026 and overview.has_money

    roads = overview.group("54.20")
    assert roads is not None
    assert (roads.name, roads.partial_budget_number) == ("Kreisstraßen", "9")
    assert roads.partial_budget_name == "Mobilität und Straßen"
    assert roads.departments == ["Fachbereich Mobilität und Straßen"]
    # 2026: Ansatz 10.400.000 − 1.300.000 = 9.100.000; Ergebnis 10.900.000 − 1.280.000
    report = roads.report
    assert (report.planned, report.plan_basis, report.result) == (
        D("9100000.00"),
        PlanBasis.ansatz,
        D("9620000.00"),
    )
    assert report.deviation == Deviation(D("520000.00"), D("5.7"))  # 520.000 / 9.100.000
    assert report.planned_amounts is not None
    assert report.planned_amounts.investment_expenses == D("3000000.00")  # not in the net
    assert [(y.year, y.planned, y.result) for y in roads.series] == [
        (2024, D("8600000.00"), D("8070000.00")),
        (2025, D("9350000.00"), D("8935250.00")),  # the plan is the updated one
        (2026, D("9100000.00"), D("9620000.00")),
    ]
    assert roads.financial_plan == [
        (2027, D("9300000.00")),
        (2028, D("9450000.00")),
        (2029, D("9600000.00")),
    ]
    assert {f.key for f in roads.figures} == {"radwege-neu", "kreisstrassen-zustand"}
    assert [g.text[:12] for g in roads.goals] == ["Lückenschlüs"]
    assert [m.status.label for m in roads.goals[0].measures] == ["in Umsetzung", "umgesetzt"]
    assert [(p.code, p.count, p.planned, p.result) for p in roads.priorities] == [
        ("mobilitaet.2", 2, D("6066666.67"), D("6413333.33")),
        ("mobilitaet.3", 1, D("3033333.33"), D("3206666.67")),
    ]

    # the year before: the fortgeschriebener Ansatz is the plan
    roads_2025 = earlier.group("54.20")
    assert roads_2025 is not None
    assert roads_2025.report.plan_basis == PlanBasis.fortgeschrieben
    assert roads_2025.report.deviation == Deviation(D("-414750.00"), D("-4.4"))
    assert roads_2025.goals == []  # the goals in figures.toml are those of 2026

    environment = overview.group("56.10")
    assert environment is not None
    # 2.100.000 − 450.000 = 1.650.000 planned; 2.011.000 − 480.000 = 1.531.000 result
    assert (environment.report.planned, environment.report.result) == (
        D("1650000.00"),
        D("1531000.00"),
    )
    # −119.000 / 1.650.000 = −7,21 %
    assert environment.report.deviation == Deviation(D("-119000.00"), D("-7.2"))
    # 3 figures and goals for klima.1, 2 for klima.3: 3/5 and 2/5
    assert [(p.code, p.count, p.planned) for p in environment.priorities] == [
        ("klima-biodiversitaet.1", 3, D("990000.00")),
        ("klima-biodiversitaet.3", 2, D("660000.00")),
    ]


def test_fields_partial_budgets_blind_spots_and_key_positions(engine, loerrach) -> None:
    insert_budget_lines(engine, loerrach)
    with session_scope(engine) as session:
        overview = money_overview(session=session, body=loerrach, year=2027)
    fields = {f.name: f for f in overview.fields}
    assert fields["Mobilität"].planned == D("9100000.00")
    assert fields["Klima & Biodiversität"].result == D("1531000.00")  # 918.600 + 612.400
    assert fields["Bildung"].planned is None  # no money attributed: not 0 €
    assert (overview.unattributed_planned, overview.unattributed_result) == (
        D("5000000.00"),
        D("4800000.00"),
    )
    assert overview.unattributed_groups == ["61.20"]
    assert overview.total_planned == D("15750000.00")
    attributed = sum((f.planned or D(0) for f in overview.fields), D(0))
    assert attributed + overview.unattributed_planned == overview.total_planned

    spots = overview.blind_spots
    assert [(g.number, g.amount) for g in spots.large_groups] == [("61.20", D("4800000.00"))]
    codes = [p.code for p in spots.priorities]
    assert "mobilitaet.4" in codes and "bildung.2" in codes
    assert "mobilitaet.2" not in codes and "bildung.1" not in codes

    budgets = {t.number: t for t in overview.partial_budgets}
    assert [t.number for t in overview.partial_budgets][:3] == ["1", "2", "3"]
    assert budgets["9"].planned == D("9100000.00")
    assert budgets["9"].deviation == Deviation(D("520000.00"), D("5.7"))
    assert budgets["4"].planned is None  # Schulen: no lines
    assert budgets["8"].goals == 2

    positions = {k.product: k for k in overview.key_positions}
    energy = positions["56.10.10"]
    assert (energy.level, energy.group_number) == ("Produktgruppe", "56.10")
    assert energy.report is not None and energy.report.result == D("1531000.00")
    assert positions["11.20.04"].report is None and positions["11.20.04"].level == ""

    own = profiles_of_department(overview, "umwelt")
    assert [g.number for g in own] == ["55.40", "56.10"]


def test_a_key_position_with_lines_of_its_own_product(engine, loerrach) -> None:
    from models.db import id_of

    with session_scope(engine) as session:
        group = session.exec(
            select(ProductGroup).where(
                ProductGroup.body_id == loerrach.id, ProductGroup.number == "56.10"
            )
        ).one()
        for kind, amount in ((BudgetKind.ansatz, "700000"), (BudgetKind.ergebnis, "650000.40")):
            session.add(
                BudgetLine(
                    body_id=id_of(loerrach),
                    year=2026,
                    kind=kind,
                    product_group_id=id_of(group),
                    product_number="56.10.10",
                    account="42",
                    side=BudgetSide.expenses,
                    amount=D(amount),
                )
            )
    with session_scope(engine) as session:
        overview = money_overview(session=session, body=loerrach, year=2027)
    energy = next(k for k in overview.key_positions if k.product == "56.10.10")
    assert energy.level == "Produkt"
    assert energy.report is not None
    assert energy.report.deviation == Deviation(D("-49999.60"), D("-7.1"))


def test_without_budget_lines_nothing_is_zero(engine, loerrach) -> None:
    with session_scope(engine) as session:
        overview = money_overview(session=session, body=loerrach, year=2027)
    assert overview.has_plan and not overview.has_money
    assert overview.total_planned is None and overview.unattributed_planned is None
    assert all(f.planned is None for f in overview.fields)
    assert overview.blind_spots.large_groups == []
    assert all(not g.has_money for g in overview.groups)
    assert overview.no_money == "keine Haushaltsdaten"


def test_the_lines_are_read_in_few_queries(engine, loerrach) -> None:
    insert_budget_lines(engine, loerrach)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(engine) as session:
            money_overview(session=session, body=loerrach, year=2027)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert sum("budget_line" in s for s in statements) == 1
    assert len(statements) <= 15


def test_the_example_csv_covers_every_group_in_the_default_layout() -> None:
    """budget-example.csv is read by the budget import (built elsewhere); here only its shape:
    every group of products.toml, the kinds and years, German notation, no duplicate key."""
    import csv
    import re
    import tomllib

    from tests.conftest import LOERRACH

    plan = tomllib.loads((LOERRACH / "products.toml").read_text(encoding="utf-8"))
    with (LOERRACH / "budget-example.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file, delimiter=";"))
    assert rows[0] == ["Produkt", "Konto", "Jahr", "Art", "Betrag"]
    body = rows[1:]
    assert {row[0] for row in body} == {group["number"] for group in plan["groups"]}
    assert {row[1][0] for row in body} == {"3", "4"}
    kinds = {kind: {int(row[2]) for row in body if row[3] == kind} for kind in {r[3] for r in body}}
    assert kinds == {
        "Ansatz": {2024, 2025, 2026},
        "fortgeschriebener Ansatz": {2025},
        "Ergebnis": {2024, 2025, 2026},
        "Plan": {2027, 2028, 2029},
    }
    german = re.compile(r"-?\d{1,3}(\.\d{3})*,\d{2}")
    assert all(german.fullmatch(row[4]) for row in body)
    assert any(row[4].startswith("-") for row in body)
    keys = [tuple(row[:4]) for row in body]
    assert len(keys) == len(set(keys))
    amounts = [D(row[4].replace(".", "").replace(",", ".")) for row in body]
    assert max(amounts) < D("1e9")


def test_the_money_chart_labels_its_years_and_says_what_it_shows() -> None:
    from services.report_format import money_chart_svg

    svg = money_chart_svg([(2024, D("8600000"), D("8070000")), (2025, D("9350000"), None)])
    assert svg.count("<rect") == 3 and ">2024</text>" in svg and ">2025</text>" in svg
    assert "2024: 8.600.000\u00a0€ / 8.070.000\u00a0€; 2025: 9.350.000\u00a0€ / –" in svg
    assert "9,4 Mio. €" in svg  # the scale: the largest amount
    surplus = money_chart_svg([(2026, D("-179965800"), D("-170058683"))])
    assert "-180 Mio. €" in surplus
    assert money_chart_svg([]).endswith("</svg>") and "keine Werte" in money_chart_svg([])


def test_a_group_without_its_result_yet_is_left_out_of_the_deviations(
    engine: sa.Engine, loerrach
) -> None:  # type: ignore[no-untyped-def]
    """55.40 (Teilhaushalt 8, beside 56.10) has an Ansatz 2026 of 3 Mio € and no Ergebnis
    yet: the plan totals grow, the deviations stay those of the groups with both."""
    insert_budget_lines(engine, loerrach)
    with session_scope(engine) as session:
        before = money_overview(session=session, body=loerrach, year=2027)
        group = session.exec(
            select(ProductGroup).where(
                ProductGroup.body_id == loerrach.id, ProductGroup.number == "55.40"
            )
        ).one()
        session.add(
            BudgetLine(
                body_id=loerrach.id,
                year=2026,
                kind=BudgetKind.ansatz,
                product_group_id=group.id,
                account="42",
                side=BudgetSide.expenses,
                amount=D("3000000.00"),
            )
        )
    with session_scope(engine) as session:
        after = money_overview(session=session, body=loerrach, year=2027)
    budgets = {t.number: t for t in after.partial_budgets}
    assert budgets["8"].planned == D("4650000.00")  # 1.650.000 + 3.000.000
    assert budgets["8"].deviation == Deviation(D("-119000.00"), D("-7.2"))  # 56.10 alone
    assert budgets["8"].without_result == ["55.40"]
    assert after.total_planned == before.total_planned + D("3000000.00")
    assert after.total_deviation == before.total_deviation
    assert after.without_result == ["55.40"]
    fields = {f.name: f for f in after.fields}
    assert fields["Mobilität"].deviation == D("520000.00")


def test_a_kind_with_only_investment_lines_has_no_net_requirement() -> None:
    only_investments = sum_sides([(BudgetSide.investment_expenses, D("1000000.00"))])
    assert only_investments.net is None  # unknown, not 0 €
    assert only_investments.investment_net == D("1000000.00")
