"""The figures workbook a department fills in: built from the cycle's key figures and
measures, written as .xlsx or .csv.

Apart from submitting: building a template reads the strategy, submitting writes the task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from sqlmodel import Session, col, select

from models.body import Body
from models.db import id_of
from models.errors import KreislaufError, NotFoundError
from models.organisation import Department
from models.strategy import KeyFigure, KeyFigureValue, Measure, MeasureStatus, OperationalGoal
from services.submission_task import figures_task, find_department

if TYPE_CHECKING:
    from models.workbook_layout import Template

Format = Literal["xlsx", "csv"]


def build_template(*, session: Session, body: Body, year: int, department: Department) -> Template:
    """The workbook's content: figures with target R and actual R-1, measures of year R."""
    from models.workbook_layout import FigureRow, MeasureRow, Template

    report_year = year - 1
    figures = session.exec(
        select(KeyFigure)
        .where(
            KeyFigure.body_id == body.id,
            KeyFigure.department_id == department.id,
            KeyFigure.active,
        )
        .order_by(col(KeyFigure.position), col(KeyFigure.key))
    ).all()
    values = {
        (value.key_figure_id, value.year): value
        for value in session.exec(
            select(KeyFigureValue).where(
                col(KeyFigureValue.key_figure_id).in_([f.id for f in figures]),
                col(KeyFigureValue.year).in_([report_year, report_year - 1]),
            )
        ).all()
    }

    def value(figure: KeyFigure, year: int, name: str) -> float | None:
        row = values.get((id_of(figure), year))
        return getattr(row, name) if row is not None else None

    measures = session.exec(
        select(Measure, OperationalGoal)
        .join(OperationalGoal, col(Measure.operational_goal_id) == OperationalGoal.id)
        .where(
            OperationalGoal.body_id == body.id,
            OperationalGoal.department_id == department.id,
            OperationalGoal.year == report_year,
            Measure.active,
        )
        .order_by(col(OperationalGoal.key), col(Measure.key))
    ).all()
    return Template(
        body_slug=body.slug,
        body_name=body.name,
        cycle_year=year,
        department_key=department.key,
        department_name=department.name,
        figures=[
            FigureRow(
                key=f.key,
                name=f.name,
                unit=f.unit,
                target=value(f, report_year, "target"),
                last_actual=value(f, report_year - 1, "actual"),
                plausible_min=f.plausible_min,
                plausible_max=f.plausible_max,
            )
            for f in figures
        ],
        measures=[
            MeasureRow(key=m.key or "", goal=g.text, text=m.text, status=MeasureStatus(m.status))
            for m, g in measures
        ],
    )


def write_template(
    session: Session, body: Body, year: int, department: str, fmt: Format = "xlsx"
) -> bytes:
    """The department's figures workbook for cycle `year` as .xlsx or .csv bytes."""
    from models.workbook import write_csv, write_xlsx

    if fmt not in ("xlsx", "csv"):
        raise KreislaufError(f"Format {fmt!r} unbekannt: xlsx oder csv.")
    found = find_department(session=session, body=body, name=department)
    try:  # a template that can never be submitted helps nobody
        figures_task(session=session, body=body, year=year, department=found)
    except NotFoundError as error:
        raise KreislaufError(
            f"Keine Vorlage: {error.message}", hint=error.hint, remedy=error.remedy
        ) from None
    template = build_template(session=session, body=body, year=year, department=found)
    return write_xlsx(template) if fmt == "xlsx" else write_csv(template)
