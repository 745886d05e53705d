"""The accepted plan becomes the adopted plan with the budget resolution; the draft shows it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.budget import BudgetKind, BudgetLine
from models.budget_resolution import BudgetAmendment, BudgetResolution
from models.db import session_scope
from models.product_plan import ProductGroup
from models.strategy import KeyFigure, KeyFigureValue, Measure, OperationalGoal
from services.cycles import get_cycle
from services.plan_adoption import adopt_plans
from tests.planning_world import filled, planning_open, review, submit, template


def accepted(engine: sa.Engine, body) -> object:  # type: ignore[no-untyped-def]
    at = planning_open(engine, body)
    submit(engine, body, filled(template(engine, body)), at)
    review(engine, body, at, accept=True)
    return at


def resolve(engine: sa.Engine, body, at) -> None:  # type: ignore[no-untyped-def]
    """The council's budget resolution with one amendment, then the adoption (twice)."""
    with session_scope(engine) as session:
        cycle = get_cycle(session=session, body=body, year=2027)
        resolution = BudgetResolution(
            body_id=body.id,
            cycle_id=cycle.id,
            plan_year=2028,
            number="KT/2027/120",
            adopted_on=dt.date(2027, 12, 15),
            recorded_at=at,
            actor="test",
        )
        session.add(resolution)
        session.flush()
        group = session.exec(select(ProductGroup).where(ProductGroup.number == "11.24")).one()
        session.add(
            BudgetAmendment(
                resolution_id=resolution.id,
                product_group_id=group.id,
                expenses_change=Decimal("-50000.00"),
                note="Kürzung Bauunterhalt",
            )
        )
        session.flush()
        for _ in range(2):  # idempotent
            events = adopt_plans(
                session=session, body=body, cycle=cycle, resolution=resolution, now=at, actor="test"
            )
        assert "KT/2027/120" in events[0].detail


@pytest.mark.both_databases
def test_adoption_writes_targets_goals_and_the_ansatz(engine, loerrach) -> None:
    at = accepted(engine, loerrach)
    resolve(engine, loerrach, at)
    with session_scope(engine) as session:
        figure = session.exec(
            select(KeyFigure).where(KeyFigure.key == "energieverbrauch-schulen")
        ).one()
        values = {
            v.year: v.target
            for v in session.exec(
                select(KeyFigureValue).where(KeyFigureValue.key_figure_id == figure.id)
            )
        }
        assert values[2028] == 93 and values[2031] == 84
        goals = session.exec(select(OperationalGoal).where(OperationalGoal.year == 2028)).all()
        assert [g.text for g in goals] == [
            "Der Wärmeverbrauch der Schulen sinkt 2028 auf 93 kWh/m²."
        ]
        assert goals[0].priority_code == "klima-biodiversitaet.1"
        measures = session.exec(
            select(Measure).where(Measure.operational_goal_id == goals[0].id)
        ).all()
        assert [m.text for m in measures] == ["Wärmepumpe Gewerbeschule"]
        lines = session.exec(
            select(BudgetLine).where(BudgetLine.year == 2028, BudgetLine.kind == BudgetKind.ansatz)
        ).all()
        amounts = {line.side: line.amount for line in lines}
        assert amounts == {"income": Decimal("100000.00"), "expenses": Decimal("850000.00")}
        # the financial-plan years as requested (the amendment changes the plan year only)
        later = session.exec(
            select(BudgetLine).where(BudgetLine.kind == BudgetKind.plan, BudgetLine.year > 2028)
        ).all()
        assert {(line.year, line.side, line.amount) for line in later} == {
            (year, side, amount)
            for year in (2029, 2030, 2031)
            for side, amount in (
                ("income", Decimal("100000.00")),
                ("expenses", Decimal("900000.00")),
            )
        }


def test_the_evaluation_of_the_plan_year_measures_against_the_adopted_target(
    engine, loerrach
) -> None:
    from services.evaluation import evaluate

    at = accepted(engine, loerrach)
    resolve(engine, loerrach, at)
    with session_scope(engine) as session:
        evaluation = evaluate(session=session, body=loerrach, year=2029, now=at)  # reports 2028
        figures = [f for f in evaluation.figures if f.key == "energieverbrauch-schulen"]
        assert [f.target for f in figures] == [93]


def test_draft_shows_goal_target_and_budget(engine, loerrach, tmp_path) -> None:
    from services.planning_draft import build_draft, draft_bytes, draft_html

    accepted(engine, loerrach)
    with session_scope(engine) as session:
        draft = build_draft(
            session=session, body=loerrach, plan_year=2028, today=dt.date(2027, 10, 1)
        )
    html = draft_html(draft)
    assert "Der Wärmeverbrauch der Schulen sinkt 2028 auf 93 kWh/m²." in html
    assert "Wärmeverbrauch der Schulgebäude" in html and ">93<" in html
    assert "800.000\u00a0€" in html  # 900.000 expenses − 100.000 income
    assert "Für diesen Teilhaushalt liegt noch keine Planung vor." in html
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(draft_bytes(draft, "xlsx")))
    assert book["Haushalt"].cell(2, 6).value == 800000
    assert book["Ziele"].cell(2, 4).value.startswith("Der Wärmeverbrauch")
    pdf = draft_bytes(draft, "pdf")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "entwurf.pdf").write_bytes(pdf)


def test_taking_over_figures_toml_again_keeps_the_adopted_targets(engine, loerrach) -> None:
    from config.loader import load_body_config
    from services.bodies import update_body
    from tests.conftest import LOERRACH

    at = accepted(engine, loerrach)
    resolve(engine, loerrach, at)
    with session_scope(engine) as session:
        _, changes = update_body(load_body_config(LOERRACH), session=session, now=at, actor="t")
    assert "Soll-Werte 2028 bleiben wie im Haushaltsbeschluss; figures.toml ändert sie nicht" in (
        changes
    )
    with session_scope(engine) as session:
        figure = session.exec(
            select(KeyFigure).where(KeyFigure.key == "energieverbrauch-schulen")
        ).one()
        value = session.exec(
            select(KeyFigureValue).where(
                KeyFigureValue.key_figure_id == figure.id, KeyFigureValue.year == 2028
            )
        ).one()
    assert value.target == 93  # the plan's, not figures.toml's 95
