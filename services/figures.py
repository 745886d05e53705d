"""Taking over figures.toml: key figures with their targets, operational goals and measures.

Rows are matched by key and never deleted (they carry history). Targets always follow the
file; an actual follows it only until an accepted submission has set it, and a measure's
status only when the measure is new: later statuses come from the departments' submissions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from models.body import Body
from models.budget_resolution import BudgetResolution
from models.db import id_of
from models.organisation import Department
from models.strategy import KeyFigure, KeyFigureValue, Measure, OperationalGoal
from services.keyed_rows import upsert_by_key

if TYPE_CHECKING:
    from config.loader import BodyConfig


def sync_figures(
    config: BodyConfig, body: Body, departments: dict[str, Department], *, session: Session
) -> list[str]:
    """Insert or update the body's figures, goals and measures; a German line per change."""
    spec = config.figures
    changes: list[str] = []
    figures = upsert_by_key(
        session,
        KeyFigure,
        body,
        [
            {
                "key": f.key,
                "name": f.name,
                "unit": f.unit,
                "direction": f.direction,
                "product_group": f.group,
                "product_number": f.product,
                "priority_code": f.priority,
                "department_id": departments[f.department].id,
                "tolerance_pct": spec.tolerance if f.tolerance is None else f.tolerance,
                "plausible_min": f.plausible[0] if f.plausible else None,
                "plausible_max": f.plausible[1] if f.plausible else None,
                "position": position,
                "active": True,
            }
            for position, f in enumerate(spec.key_figures, start=1)
        ],
        "Kennzahl",
        changes,
    )
    listed = {f.key for f in spec.key_figures}
    for figure in session.exec(
        select(KeyFigure).where(KeyFigure.body_id == body.id, KeyFigure.active)
    ).all():
        if figure.key not in listed:
            figure.active = False
            changes.append(
                f"Kennzahl {figure.name} nicht mehr in figures.toml: wird nicht mehr abgefragt"
            )
    values = {
        (value.key_figure_id, value.year): value
        for value in session.exec(
            select(KeyFigureValue).where(KeyFigureValue.body_id == body.id)
        ).all()
    }
    # a plan year's targets adopted with the budget resolution are the council's: the file
    # no longer changes them (as it never changes an actual taken from a submission)
    adopted = set(
        session.exec(
            select(BudgetResolution.plan_year).where(BudgetResolution.body_id == body.id)
        ).all()
    )
    changed_values = 0
    kept: set[int] = set()
    for f in spec.key_figures:
        figure_id = id_of(figures[f.key])
        for year in sorted(set(f.targets) | set(f.actuals)):
            row = values.get((figure_id, year))
            if row is None:
                row = KeyFigureValue(body_id=id_of(body), key_figure_id=figure_id, year=year)
                session.add(row)
            wanted: dict[str, float | None] = {"target": f.targets.get(year)}
            if year in adopted and row.target is not None:
                if row.target != wanted["target"]:
                    kept.add(year)
                del wanted["target"]
            if row.submission_id is None:
                wanted["actual"] = f.actuals.get(year)
            if any(getattr(row, name) != value for name, value in wanted.items()):
                changed_values += 1
                for name, value in wanted.items():
                    setattr(row, name, value)
    if changed_values:
        changes.append(f"{changed_values} Soll-/Ist-Werte von Kennzahlen übernommen")
    if kept:
        years = ", ".join(str(year) for year in sorted(kept))
        changes.append(
            f"Soll-Werte {years} bleiben wie im Haushaltsbeschluss; figures.toml ändert sie nicht"
        )
    goals = {
        goal.key: goal
        for goal in session.exec(
            select(OperationalGoal).where(OperationalGoal.body_id == body.id)
        ).all()
    }
    measures = {
        measure.key: measure
        for measure in session.exec(select(Measure).where(Measure.body_id == body.id)).all()
    }
    listed_measures = {m.key for g in spec.goals for m in g.measures}
    for measure in measures.values():
        if measure.active and measure.key not in listed_measures:
            measure.active = False
            changes.append(
                f"Maßnahme {measure.key} nicht mehr in figures.toml: wird nicht mehr abgefragt"
            )
        elif not measure.active and measure.key in listed_measures:
            measure.active = True
            changes.append(f"Maßnahme {measure.key} wieder aufgenommen")
    for g in spec.goals:
        wanted_goal: dict[str, Any] = {
            "year": g.year,
            "product_group": g.product_group,
            "priority_code": g.priority,
            "department_id": departments[g.department].id,
            "text": g.text,
        }
        goal = goals.get(g.key)
        if goal is None:
            goal = OperationalGoal(body_id=id_of(body), key=g.key, **wanted_goal)
            session.add(goal)
            session.flush()
            changes.append(f"Leistungsziel {g.key} neu")
        elif any(getattr(goal, name) != value for name, value in wanted_goal.items()):
            for name, value in wanted_goal.items():
                setattr(goal, name, value)
            changes.append(f"Leistungsziel {g.key} geändert")
        for m in g.measures:
            existing = measures.get(m.key)
            if existing is None:
                session.add(
                    Measure(
                        body_id=id_of(body),
                        operational_goal_id=id_of(goal),
                        key=m.key,
                        text=m.text,
                        status=m.status,
                    )
                )
                changes.append(f"Maßnahme {m.key} neu")
            elif (existing.text, existing.operational_goal_id) != (m.text, goal.id):
                existing.text, existing.operational_goal_id = m.text, id_of(goal)
                changes.append(f"Maßnahme {m.key} geändert")
    session.flush()
    return changes
