"""Reading a strategy version's content and writing the next version from it.

Versions are never updated in place: `create_next_version` writes the whole new version
(vision, principles, fields with guiding thoughts and priorities, key positions and their
year) from the content a change set made.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from models.change_set import (
    ChangeSet,
    FieldContent,
    KeyPositionContent,
    StrategyContent,
    apply_change_set,
)
from models.db import id_of
from models.strategy import (
    FieldOfAction,
    GuidingThought,
    KeyPosition,
    Principle,
    Priority,
    Product,
    StrategyVersion,
)


def load_content(*, session: Session, version: StrategyVersion) -> StrategyContent:
    fields = session.exec(
        select(FieldOfAction)
        .where(FieldOfAction.version_id == version.id)
        .order_by(col(FieldOfAction.position))
    ).all()
    thoughts = session.exec(
        select(GuidingThought)
        .where(col(GuidingThought.field_id).in_([f.id for f in fields]))
        .order_by(col(GuidingThought.position))
    ).all()
    priorities = session.exec(
        select(Priority)
        .where(col(Priority.field_id).in_([f.id for f in fields]))
        .order_by(col(Priority.position))
    ).all()
    principles = session.exec(
        select(Principle.text)
        .where(Principle.version_id == version.id)
        .order_by(col(Principle.position))
    ).all()
    key_positions = session.exec(
        select(KeyPosition, Product.number)
        .join(Product, col(Product.id) == KeyPosition.product_id)
        .where(KeyPosition.version_id == version.id)
        .order_by(col(KeyPosition.position))
    ).all()
    return StrategyContent(
        fields=tuple(
            FieldContent(
                key=f.key,
                name=f.name,
                guiding_thoughts=tuple(t.text for t in thoughts if t.field_id == f.id),
                priorities=tuple((p.code, p.text) for p in priorities if p.field_id == f.id),
            )
            for f in fields
        ),
        vision=version.vision,
        motto=version.motto,
        principles=tuple(principles),
        key_positions=tuple(
            KeyPositionContent(number, k.reason, k.page) for k, number in key_positions
        ),
        key_positions_year=version.key_positions_year,
    )


def product_numbers(*, session: Session, body_id: int) -> set[str]:
    """The numbers of the body's products: a key position names one of them."""
    return set(session.exec(select(Product.number).where(Product.body_id == body_id)).all())


def current_version(*, session: Session, body_id: int) -> StrategyVersion:
    """The strategy in force: the body's newest version (versions are never overwritten)."""
    version = session.exec(
        select(StrategyVersion)
        .where(StrategyVersion.body_id == body_id, col(StrategyVersion.history_only).is_(False))
        .order_by(col(StrategyVersion.number).desc())
    ).first()
    if version is None:
        from models.errors import NotFoundError

        raise NotFoundError("Für diese Körperschaft ist keine Strategie hinterlegt.")
    return version


def used_priority_codes(*, session: Session, body_id: int) -> set[str]:
    """Every priority code the body ever used: a removed priority's code is never reused."""
    return set(session.exec(select(Priority.code).where(Priority.body_id == body_id)).all())


def create_next_version(
    *,
    session: Session,
    previous: StrategyVersion,
    content: StrategyContent,
    adopted_on: dt.date,
    resolution: str,
    now: dt.datetime,
) -> StrategyVersion:
    version = StrategyVersion(
        body_id=previous.body_id,
        number=previous.number + 1,
        label=previous.label,
        motto=content.motto,
        vision=content.vision,
        guiding_thoughts_intro=previous.guiding_thoughts_intro,
        adopted_on=adopted_on,
        resolution=resolution,
        horizon_year=previous.horizon_year,
        key_positions_year=content.key_positions_year,
        previous_id=previous.id,
        created_at=now,
    )
    session.add(version)
    session.flush()
    body_id = previous.body_id
    for position, text in enumerate(content.principles, start=1):
        session.add(
            Principle(body_id=body_id, version_id=id_of(version), position=position, text=text)
        )
    for position, field_content in enumerate(content.fields, start=1):
        field = FieldOfAction(
            body_id=body_id,
            version_id=id_of(version),
            key=field_content.key,
            name=field_content.name,
            position=position,
        )
        session.add(field)
        session.flush()
        for index, text in enumerate(field_content.guiding_thoughts, start=1):
            session.add(
                GuidingThought(body_id=body_id, field_id=id_of(field), position=index, text=text)
            )
        for index, (code, text) in enumerate(field_content.priorities, start=1):
            session.add(
                Priority(
                    body_id=body_id, field_id=id_of(field), position=index, code=code, text=text
                )
            )
    products = {
        number: product_id
        for number, product_id in session.exec(
            select(Product.number, Product.id).where(Product.body_id == body_id)
        ).all()
        if product_id is not None
    }
    for position, key_position in enumerate(content.key_positions, start=1):
        session.add(
            KeyPosition(
                body_id=body_id,
                version_id=id_of(version),
                product_id=products[key_position.product],  # apply_change_set checked it
                position=position,
                reason=key_position.reason,
                page=key_position.page,
            )
        )
    session.flush()
    return version


def applied(
    *, session: Session, body_id: int, content: StrategyContent, change_set: ChangeSet
) -> StrategyContent:
    """`change_set` applied to `content` with what the body's data add: every priority code
    it ever gave (never given again) and its products (a key position names one)."""
    return apply_change_set(
        content,
        change_set,
        used_codes=used_priority_codes(session=session, body_id=body_id),
        products=product_numbers(session=session, body_id=body_id),
    )
