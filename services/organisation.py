"""Departments with their contacts and deputies, as people and tools read them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models.body import Body
from models.organisation import Contact, ContactRole, Department


def departments_view(*, session: Session, body: Body) -> list[dict[str, Any]]:
    """Departments ordered by name, each with contacts (head first) and their deputies."""
    departments = session.exec(
        select(Department).where(Department.body_id == body.id).order_by(Department.name)
    ).all()
    contacts = session.exec(select(Contact).where(Contact.body_id == body.id)).all()
    by_id = {contact.id: contact for contact in contacts}
    role_order = list(ContactRole)
    result = []
    for department in departments:
        members = sorted(
            (c for c in contacts if c.department_id == department.id),
            key=lambda c: (role_order.index(ContactRole(c.role)), c.name),
        )
        result.append(
            {
                "key": department.key,
                "name": department.name,
                "controlling_office": department.is_controlling_office,
                "contacts": [_contact(c, by_id.get(c.deputy_id)) for c in members],
            }
        )
    return result


def _contact(contact: Contact, deputy: Contact | None) -> dict[str, Any]:
    return {
        "key": contact.key,
        "role": str(ContactRole(contact.role)),
        "name": contact.name,
        "email": contact.email,
        "deputy": None
        if deputy is None
        else {"key": deputy.key, "name": deputy.name, "email": deputy.email},
    }
