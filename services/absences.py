"""Absences of contacts: while one lasts, reminders go to the deputy."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.db import id_of
from models.errors import KreislaufError, NotFoundError, Remedy
from models.organisation import Absence, Contact


def add_absence(
    *,
    session: Session,
    body: Body,
    contact_key: str,
    starts_on: dt.date,
    ends_on: dt.date,
    note: str | None,
    now: dt.datetime,
    actor: str,
) -> tuple[Absence, str | None]:
    contact = session.exec(
        select(Contact).where(Contact.body_id == body.id, Contact.key == contact_key)
    ).first()
    if contact is None:
        raise NotFoundError(
            f"Den Kontakt {contact_key!r} gibt es nicht.",
            field="contact",
            remedy=Remedy.departments,
        )
    if ends_on < starts_on:
        raise KreislaufError("Das Ende der Abwesenheit liegt vor ihrem Beginn.", field="to")
    row = Absence(
        body_id=id_of(body),
        contact_id=id_of(contact),
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
    )
    session.add(row)
    session.flush()
    deputy = session.get(Contact, contact.deputy_id) if contact.deputy_id else None
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="absence.added",
        entity="absence",
        entity_id=row.id,
        body_id=body.id,
        after={"contact": contact.key, "from": starts_on.isoformat(), "to": ends_on.isoformat()},
    )
    return row, deputy.name if deputy else None


def list_absences(
    *, session: Session, body: Body
) -> list[tuple[str, dt.date, dt.date, str | None, str | None]]:
    rows = session.exec(
        select(Absence, Contact)
        .join(Contact, col(Absence.contact_id) == Contact.id)
        .where(Absence.body_id == body.id)
        .order_by(col(Absence.starts_on))
    ).all()
    names = {c.id: c.name for c in session.exec(select(Contact).where(Contact.body_id == body.id))}
    return [
        (
            contact.name,
            absence.starts_on,
            absence.ends_on,
            names.get(contact.deputy_id),
            absence.note,
        )
        for absence, contact in rows
    ]
