"""The current strategy of a body, read as one nested view for people and tools."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from models.body import Body
from models.organisation import Department
from models.strategy import (
    FieldOfAction,
    GuidingThought,
    KeyPosition,
    Principle,
    Priority,
    Product,
    StrategyVersion,
)
from services.bodies import current_strategy_version


@dataclass
class FieldView:
    key: str
    name: str
    guiding_thoughts: list[str] = field(default_factory=list)
    priorities: list[tuple[str, str]] = field(default_factory=list)  # (code, text)


@dataclass(frozen=True)
class KeyPositionView:
    product: str
    name: str
    reason: str
    page: int | None
    department: str | None


@dataclass(frozen=True)
class StrategyView:
    version: StrategyVersion
    principles: list[str]
    fields: list[FieldView]
    key_positions: list[KeyPositionView]


def strategy_view(*, session: Session, body: Body) -> StrategyView:
    version = current_strategy_version(session=session, body=body)
    principles = session.exec(
        select(Principle.text)
        .where(Principle.version_id == version.id)
        .order_by(col(Principle.position))
    ).all()
    fields = {
        row.id: FieldView(row.key, row.name)
        for row in session.exec(
            select(FieldOfAction)
            .where(FieldOfAction.version_id == version.id)
            .order_by(col(FieldOfAction.position))
        ).all()
    }
    for thought in session.exec(
        select(GuidingThought)
        .where(col(GuidingThought.field_id).in_(fields))
        .order_by(col(GuidingThought.position))
    ).all():
        fields[thought.field_id].guiding_thoughts.append(thought.text)
    for priority in session.exec(
        select(Priority).where(col(Priority.field_id).in_(fields)).order_by(col(Priority.position))
    ).all():
        fields[priority.field_id].priorities.append((priority.code, priority.text))
    key_positions = [
        KeyPositionView(
            product.number,
            product.name,
            key_position.reason,
            key_position.page,
            department.name if department else None,
        )
        for key_position, product, department in session.exec(
            select(KeyPosition, Product, Department)
            .join(Product, col(KeyPosition.product_id) == Product.id)
            .join(Department, col(Product.department_id) == Department.id, isouter=True)
            .where(KeyPosition.version_id == version.id)
            .order_by(col(KeyPosition.position))
        ).all()
    ]
    return StrategyView(version, list(principles), list(fields.values()), key_positions)
