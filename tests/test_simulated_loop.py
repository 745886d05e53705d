"""The whole loop played by `kreislauf simulate`: scripted departments deliver figures,
partial budget reports (one returned once), documents, confirmations and plans; the council
amends and adopts the budget. At the end of the year nothing is open or overdue, and the
accepted plan is what the next evaluation of the plan year measures against.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pendulum
import pytest
from sqlmodel import col, select

from models.db import make_engine, session_scope
from models.partial_report import PartialReport
from models.planning import Plan, PlanStatus, PlanTarget
from models.strategy import KeyFigure
from services.bodies import resolve_body
from services.evaluation import evaluate
from tests.conftest import Cli

FINISHED = {"accepted", "missed", "cancelled"}


def simulated(year: int, tmp_path: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    kept = tmp_path / f"simuliert-{year}.db"
    played = Cli(f"sqlite:///{tmp_path / 'unused.db'}")(
        "simulate", str(year), "--keep", str(kept), env={"KREISLAUF_DATA_DIR": str(tmp_path)}
    )
    assert played.exit_code == 0, played.output
    status = Cli(f"sqlite:///{kept}")("status", str(year), "--on", f"{year}-12-31", "--json")
    assert status.exit_code == 0, status.output
    return kept, json.loads(status.stdout)


@pytest.mark.parametrize("year", [2027, 2029])
def test_at_the_end_of_the_simulated_year_no_task_is_open_or_overdue(
    year: int, tmp_path: Path
) -> None:
    kept, status = simulated(year, tmp_path)
    assert status["status"] == "closed"
    unfinished = [(t["assignee"], t["title"], t["status"]) for t in status["tasks"]]
    assert [t for t in unfinished if t[2] not in FINISHED] == []
    assert all(t["days_overdue"] == 0 for t in status["tasks"])
    # what was never delivered is on record as missed: the late department, the silent factions
    missed = {t["assignee"] for t in status["tasks"] if t["status"] == "missed"}
    assert missed == {"Fachbereich Jugend und Familie", "AfD-Fraktion", "FDP-Fraktion"}
    kinds = {t["delivers"] for t in status["tasks"] if t["status"] == "accepted"}
    assert {"key_figures", "partial_budget_report", "planning", "confirmation"} <= kinds
    decisions = " ".join(status["decisions"])
    assert f"Haushaltsbeschluss Nr. HH/{year}/012" in decisions
    text = Cli(f"sqlite:///{kept}")("status", str(year), "--on", f"{year}-12-31")
    assert f"HH/{year}/012" in text.stdout


def test_the_accepted_plan_of_2027_is_what_the_evaluation_of_2029_measures(
    tmp_path: Path,
) -> None:
    kept, status = simulated(2027, tmp_path)
    engine = make_engine(f"sqlite:///{kept}")
    try:
        with session_scope(engine) as session:
            # umwelt's report came back once and was accepted the second time
            reports = session.exec(select(PartialReport).order_by(col(PartialReport.id))).all()
            umwelt = [r for r in reports if r.attempt == 2]
            assert len(umwelt) == 1
            first = next(r for r in reports if r.task_id == umwelt[0].task_id and r.attempt == 1)
            assert (first.status, umwelt[0].status) == ("returned", "accepted")
            assert first.review_comment and "ausführlicher" in first.review_comment

            planned = {
                key: target
                for key, target in session.exec(
                    select(KeyFigure.key, PlanTarget.target)
                    .join(KeyFigure, col(PlanTarget.key_figure_id) == KeyFigure.id)
                    .join(Plan, col(PlanTarget.plan_id) == Plan.id)
                    .where(Plan.status == PlanStatus.accepted.value, PlanTarget.year == 2028)
                ).all()
            }
            assert planned
            body = resolve_body(session=session, slug=None)
            march = pendulum.datetime(2029, 3, 1, 10, tz="Europe/Berlin")
            evaluation = evaluate(session=session, body=body, year=2029, now=march)
            measured = {f.key: f.target for f in evaluation.figures if f.key in planned}
        assert evaluation.report_year == 2028
        assert measured == planned
        # the plan is the planners' own: not the targets figures.toml had for 2028
        with (Path(__file__).parents[1] / "config/bodies/loerrach/figures.toml").open("rb") as f:
            configured = {
                figure["key"]: figure.get("targets", {}).get("2028")
                for figure in tomllib.load(f)["key_figures"]
            }
        assert any(planned[key] != configured.get(key) for key in planned)
    finally:
        engine.dispose()
