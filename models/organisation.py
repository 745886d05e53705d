"""The organisation: departments with their contacts and deputies, factions, committees."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ContactRole(StrEnum):
    head = "head"
    controlling = "controlling"
    staff = "staff"

    @property
    def label(self) -> str:
        return {"head": "Leitung", "controlling": "Controlling", "staff": "Mitarbeit"}[self.value]


class Department(SQLModel, table=True):
    """Fachbereich."""

    __tablename__ = "department"
    __table_args__ = (
        sa.UniqueConstraint("body_id", "key"),
        sa.UniqueConstraint("body_id", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    is_controlling_office: bool = Field(default=False)


class Contact(SQLModel, table=True):
    """A person of a department; `deputy_id` is who covers for them (Vertretung)."""

    __tablename__ = "contact"
    __table_args__ = (sa.UniqueConstraint("body_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    key: str = Field(max_length=64)
    role: ContactRole = Field(sa_type=sa.String(20))
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    deputy_id: int | None = Field(default=None, foreign_key="contact.id")


class Faction(SQLModel, table=True):
    """Fraktion of the council with its leader (Fraktionsvorsitz)."""

    __tablename__ = "faction"
    __table_args__ = (sa.UniqueConstraint("body_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    leader: str = Field(max_length=200)
    email: str = Field(max_length=254)


class Committee(SQLModel, table=True):
    """Fachausschuss of the council; `departments`: the keys of the departments whose
    partial budget reports it hears (organisation.toml)."""

    __tablename__ = "committee"
    __table_args__ = (sa.UniqueConstraint("body_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    departments: list[str] = Field(default_factory=list, sa_type=sa.JSON)


class Absence(SQLModel, table=True):
    """A contact's absence (Abwesenheit): their deputy is reminded in their place."""

    __tablename__ = "absence"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    starts_on: dt.date
    ends_on: dt.date
    note: str | None = Field(default=None, max_length=200)
