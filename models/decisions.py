"""Decisions people take during a cycle: survey answers, forum or retreat, the resolution.

Each is a recorded fact with who and when; "only once" is a unique key (one answer per faction
and cycle, one open main session and one open thematic session per field of action and cycle,
one resolution per cycle).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime

MAX_PAPER_REFERENCE = 40  # characters: "2027/0123", "KT-DS/2027/0123-1"


class SurveyAnswer(SQLModel, table=True):
    """A faction leader's answer to the April survey: is an update of the priorities needed?"""

    __tablename__ = "survey_answer"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "faction_id"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    faction_id: int = Field(foreign_key="faction.id")
    need: bool
    comment: str | None = Field(default=None, sa_type=sa.Text)
    answered_at: dt.datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class SessionKind(StrEnum):
    forum = "forum"
    retreat = "retreat"

    @property
    def label(self) -> str:
        return {"forum": "Forum Zukunftsstrategie", "retreat": "Klausurtagung"}[self.value]


class SessionStatus(StrEnum):
    """not_needed: the survey found no need (an administrator may still convene)."""

    not_needed = "not_needed"
    convened = "convened"
    held = "held"

    @property
    def label(self) -> str:
        return {
            "not_needed": "nicht erforderlich",
            "convened": "einberufen",
            "held": "durchgeführt",
        }[self.value]


class SessionTrigger(StrEnum):
    survey = "survey"
    administration = "administration"
    election = "election"

    @property
    def label(self) -> str:
        return {
            "survey": "Befragung der Fraktionsvorsitzenden",
            "administration": "Einberufung durch die Verwaltung",
            "election": "erster Kreislauf nach der Wahl",
        }[self.value]


MAX_FIELD_KEY = 64  # characters of a field of action's key (a thematic session's topic)


class StrategySession(SQLModel, table=True):
    """A Forum Zukunftsstrategie or Klausurtagung of the cycle: why, when, who, what was agreed.

    `field_key` is "" for the cycle's main session, else the field of action a thematic retreat
    is about. At most one of each is open (not held) at a time: a partial unique index, so a
    cycle can hold several sessions one after another and thematic ones beside the main one.
    """

    __tablename__ = "strategy_session"
    __table_args__ = (
        sa.Index(
            "uq_strategy_session_open",
            "cycle_id",
            "field_key",
            unique=True,
            sqlite_where=sa.text("status <> 'held'"),
            postgresql_where=sa.text("status <> 'held'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id")
    field_key: str = Field(default="", max_length=MAX_FIELD_KEY)
    kind: SessionKind = Field(sa_type=sa.String(20))
    status: SessionStatus = Field(sa_type=sa.String(20))
    trigger: SessionTrigger | None = Field(default=None, sa_type=sa.String(20))
    reason: str | None = Field(default=None, sa_type=sa.Text)
    requested_by: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    decided_at: dt.datetime = Field(sa_type=UTCDateTime)
    held_on: dt.date | None = None
    participants: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    change_set: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class Resolution(SQLModel, table=True):
    """The council's resolution adopting the cycle's change sets as a new strategy version.

    `session_id` is the first session resolved; `session_ids` all of them, in order."""

    __tablename__ = "resolution"
    __table_args__ = (sa.UniqueConstraint("cycle_id"), sa.UniqueConstraint("body_id", "number"))

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id")
    session_id: int = Field(foreign_key="strategy_session.id")
    session_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    number: str = Field(max_length=80)
    adopted_on: dt.date
    previous_version_id: int = Field(foreign_key="strategy_version.id")
    new_version_id: int = Field(foreign_key="strategy_version.id")
    diff: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    recorded_at: dt.datetime = Field(sa_type=UTCDateTime)
    # the council paper's reference in the council information system (OParl Paper.reference,
    # e.g. "2027/0123"); optional, None before it is known (migration 0019)
    paper_reference: str | None = Field(default=None, max_length=MAX_PAPER_REFERENCE)
