"""People who log in to the web dashboard, their roles, and API tokens.

A department user is bound to one department of one body and sees nothing else; the
controlling office and administrators are bound to a body (or, with no body, to all).
Passwords and tokens are stored only as hashes.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Role(StrEnum):
    admin = "admin"
    controlling = "controlling"
    department = "department"

    @property
    def label(self) -> str:
        return {
            "admin": "Administration",
            "controlling": "Controlling",
            "department": "Fachbereich",
        }[self.value]


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (sa.UniqueConstraint("username"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=300)
    role: Role = Field(sa_type=sa.String(20))
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    active: bool = Field(default=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    # raised by logout and a new password: every session cookie of an older epoch is void
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ApiToken(SQLModel, table=True):
    """A bearer token for /api; only its SHA-256 is kept."""

    __tablename__ = "api_token"
    __table_args__ = (sa.UniqueConstraint("token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per account (`kind` "user") or per client address ("address"), kept in
    the database so that every web process counts them; `locked_until` ends a lock."""

    __tablename__ = "login_throttle"
    __table_args__ = (sa.UniqueConstraint("kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    key: str = Field(max_length=300)
    failures: int = Field(default=0)
    last_failure_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
