"""The 2027 cycle of Lörrach with its planning phase open: what the planning tests share.

Teilhaushalt 3 (Gebäudemanagement, Fachbereich gebaeude) has product group 11.24 and the key
figures thg-kreisliegenschaften and energieverbrauch-schulen.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pendulum
import sqlalchemy as sa
from sqlmodel import select

from models.body import Body
from models.calendar_rules import PhaseKind
from models.commands import ReviewPlan, SubmitPlan
from models.cycle import Phase
from models.db import session_scope
from models.transitions import open_phase
from services.commands import Outcome, handle
from services.cycles import create_cycle, get_cycle
from services.planning import write_plan_template
from services.reconcile import reconcile
from tests.conftest import NOW

FIRST_ROW = 4


def planning_open(engine: sa.Engine, body: Body) -> pendulum.DateTime:
    """Create the 2027 cycle, start it and open its planning phase; the day after it opened."""
    with session_scope(engine) as session:
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="test")
    start = pendulum.datetime(2027, 2, 1, 6, tz="Europe/Berlin")
    with session_scope(engine) as session:
        reconcile(session=session, body=body, year=2027, now=start, actor="flow")
    return open_planning(engine, body)


def open_planning(engine: sa.Engine, body: Body) -> pendulum.DateTime:
    """Open the running 2027 cycle's planning phase; the day after it opened."""
    with session_scope(engine) as session:
        cycle = get_cycle(session=session, body=body, year=2027)
        phase = session.exec(
            select(Phase).where(Phase.cycle_id == cycle.id, Phase.kind == PhaseKind.planning)
        ).one()
        day = pendulum.datetime(
            phase.opens_on.year, phase.opens_on.month, phase.opens_on.day, 9, tz="Europe/Berlin"
        )
        open_phase(phase, session=session, now=day, actor="flow", today=phase.opens_on)
    return day.add(days=1)


def template(engine: sa.Engine, body: Body, thh: str = "3") -> bytes:
    with session_scope(engine) as session:
        return write_plan_template(session=session, body=body, year=2027, thh=thh)[0]


def edit(data: bytes, change: Any) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filled(
    data: bytes,
    expenses: float = 900_000,
    justification: str | None = None,
    group: str = "11.24",
) -> bytes:
    """A department's plan: one goal, one measure, targets and a budget request."""

    def change(book: Any) -> None:
        goals = book["Leistungsziele"]
        for row in goals.iter_rows(min_row=FIRST_ROW):
            for cell in row:
                cell.value = None
        goals.cell(FIRST_ROW, 1).value = 1
        goals.cell(FIRST_ROW, 2).value = group
        goals.cell(FIRST_ROW, 3).value = "klima-biodiversitaet.1"
        goals.cell(FIRST_ROW, 4).value = "Der Wärmeverbrauch der Schulen sinkt 2028 auf 93 kWh/m²."
        measures = book["Maßnahmen"]
        for row in measures.iter_rows(min_row=FIRST_ROW):
            for cell in row:
                cell.value = None
        for index, value in enumerate(
            [
                1,
                "Wärmepumpe Gewerbeschule",
                "Herr Beispiel",
                "01.02.2028",
                "30.11.2028",
                250000,
                "geplant",
            ],
            start=1,
        ):
            measures.cell(FIRST_ROW, index).value = value
        targets = book["Kennzahlen"]
        for row in range(FIRST_ROW, targets.max_row + 1):
            if targets.cell(row, 1).value == "energieverbrauch-schulen":
                for offset, value in enumerate([93, 90, 87, 84]):
                    targets.cell(row, 6 + offset).value = value
        budget = book["Haushalt"]
        for row in range(FIRST_ROW, budget.max_row + 1):
            income = budget.cell(row, 3).value == "Erträge"
            for offset in range(4):
                budget.cell(row, 6 + offset).value = 100_000 if income else expenses
            if justification and not income:
                budget.cell(row, 10).value = justification

    return edit(data, change)


def submit(
    engine: sa.Engine, body: Body, data: bytes, at: Any, department: str | None = None
) -> Outcome:
    with session_scope(engine) as session:
        return handle(
            SubmitPlan(2027, department, "planung.xlsx", data),
            session=session,
            body=body,
            now=at,
            actor="test",
        )


def review(
    engine: sa.Engine, body: Body, at: Any, accept: bool, comment: str | None = None
) -> Outcome:
    with session_scope(engine) as session:
        return handle(
            ReviewPlan(2027, "3", accept, comment), session=session, body=body, now=at, actor="test"
        )
