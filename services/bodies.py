"""Installing a body from its validated configuration, and finding it again."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models import audit
from models.body import Body
from models.db import analyzing, id_of
from models.errors import ConflictError, KreislaufError, NotFoundError, Remedy
from models.organisation import Committee, Contact, Department, Faction
from models.strategy import (
    FieldOfAction,
    GuidingThought,
    KeyPosition,
    Principle,
    Priority,
    Product,
    StrategyVersion,
)
from models.strategy_versions import current_version
from services.figures import sync_figures
from services.keyed_rows import upsert_by_key
from services.product_plan import sync_product_plan
from services.strategy_history import sync_history

if TYPE_CHECKING:
    from config.loader import BodyConfig

# the tables whose rows the configuration names by key


def install_body(config: BodyConfig, *, session: Session, now: dt.datetime, actor: str) -> Body:
    """Write the body, its organisation and its first strategy version in the caller's transaction.

    Raises ConflictError when a body with the same slug exists; nothing is written then. The
    tables written are analyzed (models.db.analyzing): a new installation's first plans do
    not wait for autovacuum.
    """
    with analyzing(session):
        return _install_body(config, session=session, now=now, actor=actor)


def _install_body(config: BodyConfig, *, session: Session, now: dt.datetime, actor: str) -> Body:
    spec = config.body
    if session.exec(select(Body.id).where(Body.slug == spec.slug)).first() is not None:
        raise ConflictError(f"Die Körperschaft {spec.slug!r} ist bereits eingerichtet.")
    body = Body(
        slug=spec.slug,
        name=spec.name,
        kind=spec.kind,
        council=spec.council,
        timezone=spec.timezone,
        holiday_country=spec.holidays.country,
        holiday_subdivision=spec.holidays.subdivision,
        elections=spec.elections.model_dump(mode="json"),
        calendar=config.calendar.model_dump(mode="json"),
        reminder_policy=config.reminders.model_dump(mode="json"),
        organisation_is_example=config.organisation.example,
        product_plan_is_example=config.products is not None and config.products.example,
        budget_layout=budget_layout_json(config),
        partial_reports=partial_reports_json(config),
        oparl=oparl_json(config),
        created_at=now,
    )
    session.add(body)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # a concurrent init won the race
        raise ConflictError(f"Die Körperschaft {spec.slug!r} ist bereits eingerichtet.") from None
    departments, _ = _sync_organisation(config, body, session=session)
    sync_product_plan(config, body, departments, session=session)
    version = _add_strategy(config, body, departments, session=session, now=now)
    sync_history(config.strategy.history, body, session=session, now=now)  # renumbers version
    sync_figures(config, body, departments, session=session)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="body.installed",
        entity="body",
        entity_id=body.id,
        body_id=body.id,
        after={
            "slug": body.slug,
            "name": body.name,
            "source": str(config.directory),
            "departments": len(departments),
            "strategy_version": version.number,
        },
    )
    return body


def _sync_organisation(
    config: BodyConfig, body: Body, *, session: Session
) -> tuple[dict[str, Department], list[str]]:
    """Insert or update departments, contacts, factions and committees by key.

    Nothing is deleted: rows that left the file keep their history (tasks, answers). Returns
    the departments by key and a German line per change.
    """
    organisation = config.organisation
    changes: list[str] = []
    departments = upsert_by_key(
        session,
        Department,
        body,
        [
            {
                "key": d.key,
                "name": d.name,
                "is_controlling_office": d.key == organisation.controlling_office,
            }
            for d in organisation.departments
        ],
        "Fachbereich",
        changes,
    )
    contact_rows = [
        {
            "key": c.key,
            "role": c.role,
            "name": c.name,
            "email": c.email,
            "department_id": departments[d.key].id,
        }
        for d in organisation.departments
        for c in d.contacts
    ]
    contacts = upsert_by_key(session, Contact, body, contact_rows, "Kontakt", changes)
    for d in organisation.departments:
        for c in d.contacts:
            deputy_id = contacts[c.deputy].id if c.deputy else None
            if contacts[c.key].deputy_id != deputy_id:
                if contacts[c.key].deputy_id is not None or deputy_id is not None:
                    changes.append(f"Vertretung von {c.name} geändert")
                contacts[c.key].deputy_id = deputy_id
    upsert_by_key(
        session, Faction, body, [f.model_dump() for f in organisation.factions], "Fraktion", changes
    )
    upsert_by_key(
        session,
        Committee,
        body,
        [c.model_dump() for c in organisation.committees],
        "Ausschuss",
        changes,
    )
    session.flush()
    return departments, changes


def _add_strategy(
    config: BodyConfig,
    body: Body,
    departments: dict[str, Department],
    *,
    session: Session,
    now: dt.datetime,
) -> StrategyVersion:
    spec = config.strategy
    body_id = id_of(body)
    version = StrategyVersion(
        body_id=body_id,
        number=1,
        label=spec.label,
        motto=spec.motto,
        vision=spec.vision,
        adopted_on=spec.adopted_on,
        resolution=spec.resolution,
        horizon_year=spec.horizon_year,
        key_positions_year=spec.key_positions_year,
        created_at=now,
    )
    session.add(version)
    session.flush()
    version_id = id_of(version)
    for position, text in enumerate(spec.principles, start=1):
        session.add(Principle(body_id=body_id, version_id=version_id, position=position, text=text))
    for position, field_spec in enumerate(spec.fields, start=1):
        field = FieldOfAction(
            body_id=body_id,
            version_id=version_id,
            key=field_spec.key,
            name=field_spec.name,
            position=position,
        )
        session.add(field)
        session.flush()
        for index, text in enumerate(field_spec.guiding_thoughts, start=1):
            session.add(
                GuidingThought(body_id=body_id, field_id=id_of(field), position=index, text=text)
            )
        for index, text in enumerate(field_spec.priorities, start=1):
            session.add(
                Priority(
                    body_id=body_id,
                    field_id=id_of(field),
                    position=index,
                    code=f"{field_spec.key}.{index}",
                    text=text,
                )
            )
    planned = {
        product.number: product
        for product in session.exec(select(Product).where(Product.body_id == body_id)).all()
    }
    for position, key_position in enumerate(spec.key_positions, start=1):
        department = departments.get(key_position.department or "")
        product = planned.get(key_position.product)  # from products.toml: its name stays
        if product is None:
            product = Product(
                body_id=body_id,
                number=key_position.product,
                name=key_position.name,
                product_group=key_position.product.rsplit(".", 1)[0],
                department_id=department.id if department else None,
            )
            session.add(product)
        elif product.department_id is None and department is not None:
            product.department_id = department.id
        session.flush()
        session.add(
            KeyPosition(
                body_id=body_id,
                version_id=version_id,
                product_id=id_of(product),
                position=position,
                reason=key_position.reason,
                page=key_position.page,
            )
        )
    session.flush()
    return version


def update_body(
    config: BodyConfig, *, session: Session, now: dt.datetime, actor: str
) -> tuple[Body, list[str]]:
    """Take over a changed configuration of an installed body: settings, calendar, organisation,
    product plan, figures.

    The strategy is not touched (it changes only by a council resolution), except for the
    earlier versions on record ([[history]]: added, versions renumbered); cycles created
    before keep their dates. Returns the body and a German line per change (empty: no change).
    """
    body = session.exec(select(Body).where(Body.slug == config.body.slug)).one()
    spec = config.body
    wanted = {
        "name": spec.name,
        "kind": spec.kind,
        "council": spec.council,
        "timezone": spec.timezone,
        "holiday_country": spec.holidays.country,
        "holiday_subdivision": spec.holidays.subdivision,
        "elections": spec.elections.model_dump(mode="json"),
        "calendar": config.calendar.model_dump(mode="json"),
        "reminder_policy": config.reminders.model_dump(mode="json"),
        "organisation_is_example": config.organisation.example,
        "budget_layout": budget_layout_json(config),
        "partial_reports": partial_reports_json(config),
        "oparl": oparl_json(config),
    }
    if config.products is not None:  # without products.toml the stored plan stays as it is
        wanted["product_plan_is_example"] = config.products.example
    before = {
        name: getattr(body, name) for name, value in wanted.items() if getattr(body, name) != value
    }
    for name in before:
        setattr(body, name, wanted[name])
    described = {
        "calendar": "Kalender geändert (gilt für neu angelegte Kreisläufe)",
        "reminder_policy": "Erinnerungsregeln geändert (reminders.toml)",
        "budget_layout": "Aufbau des Haushaltsexports geändert (body.toml, [budget_import])",
        "partial_reports": "Schwellen der Teilhaushaltsberichte geändert (body.toml, "
        "[partial_reports])",
        "oparl": "OParl-Schnittstelle geändert (body.toml, [oparl])",
    }
    changes = [described.get(name, f"Einstellung {name} geändert") for name in before]
    departments, organisation_changes = _sync_organisation(config, body, session=session)
    changes += organisation_changes
    changes += sync_product_plan(config, body, departments, session=session)
    changes += sync_figures(config, body, departments, session=session)
    changes += sync_history(config.strategy.history, body, session=session, now=now)
    if changes:
        session.flush()
        audit.record(
            session=session,
            now=now,
            actor=actor,
            action="body.updated",
            entity="body",
            entity_id=body.id,
            body_id=body.id,
            before={name: value for name, value in before.items() if name != "calendar"},
            after={"changes": changes, "source": str(config.directory)},
        )
    return body, changes


def budget_layout_json(config: BodyConfig) -> dict[str, Any]:
    """The body's budget export layout as stored: {} for the default (no [budget_import]),
    so that a body without the table follows a changed default."""
    layout = config.body.budget_import
    return layout.model_dump(mode="json") if layout is not None else {}


def partial_reports_json(config: BodyConfig) -> dict[str, Any]:
    """The body's partial report thresholds as stored: {} for the defaults."""
    rules = config.body.partial_reports
    return rules.model_dump(mode="json") if rules is not None else {}


def oparl_json(config: BodyConfig) -> dict[str, Any]:
    """The body's OParl settings as stored: {} without [oparl]."""
    settings = config.body.oparl
    return settings.model_dump(mode="json") if settings is not None else {}


def resolve_body(*, session: Session, slug: str | None) -> Body:
    """The body named by `slug`, or the only one; a clear error otherwise."""
    if slug:
        body = session.exec(select(Body).where(Body.slug == slug)).first()
        if body is None:
            known = ", ".join(session.exec(select(Body.slug).order_by(Body.slug)).all()) or "keine"
            raise NotFoundError(f"Die Körperschaft {slug!r} gibt es nicht (vorhanden: {known}).")
        return body
    bodies = session.exec(select(Body).order_by(Body.slug).limit(2)).all()
    if not bodies:
        raise KreislaufError(
            "Es ist noch keine Körperschaft eingerichtet.",
            hint="Bitte zuerst die Körperschaft einrichten.",
            remedy=Remedy.init,
        )
    if len(bodies) > 1:
        slugs = ", ".join(session.exec(select(Body.slug).order_by(Body.slug)).all())
        raise KreislaufError(
            f"Mehrere Körperschaften eingerichtet ({slugs}).",
            hint="Bitte die Körperschaft angeben.",
            remedy=Remedy.choose_body,
        )
    return bodies[0]


def current_strategy_version(*, session: Session, body: Body) -> StrategyVersion:
    return current_version(session=session, body_id=id_of(body))
