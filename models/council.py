"""The council's and committees' meetings as read from the council information system (OParl).

One row per OParl meeting of a body; `role` is "council" or a committee key (organisation.toml).
A cancelled or deleted meeting stays as a row with `cancelled` set: it no longer counts as a
session date, and the next sync can see it come back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class CouncilMeeting(SQLModel, table=True):
    __tablename__ = "council_meeting"
    __table_args__ = (sa.UniqueConstraint("body_id", "oparl_id"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    oparl_id: str = Field(max_length=1000)
    role: str = Field(max_length=64)  # "council" or a committee key
    name: str | None = Field(default=None, max_length=500)
    start: dt.datetime = Field(sa_type=UTCDateTime)
    cancelled: bool = Field(default=False)
    modified: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    synced_at: dt.datetime = Field(sa_type=UTCDateTime)


class CouncilSync(SQLModel, table=True):
    """The last successful sync of a body: the next one asks only for what changed since."""

    __tablename__ = "council_sync"

    body_id: int = Field(foreign_key="body.id", primary_key=True)
    synced_at: dt.datetime = Field(sa_type=UTCDateTime)
    # the [oparl] settings of that sync: changed settings (another council or committee) read
    # everything again, not only what changed since
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
