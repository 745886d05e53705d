"""The cycle of one year: its phases, deadlines and the tasks that carry them out."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.calendar_rules.spec import Delivery, PhaseKind
from models.types import UTCDateTime


class CycleStatus(StrEnum):
    planned = "planned"
    running = "running"
    closed = "closed"

    @property
    def label(self) -> str:
        return {"planned": "geplant", "running": "läuft", "closed": "abgeschlossen"}[self.value]


class PhaseStatus(StrEnum):
    planned = "planned"
    open = "open"
    closed = "closed"

    @property
    def label(self) -> str:
        return {"planned": "geplant", "open": "offen", "closed": "abgeschlossen"}[self.value]


class TaskStatus(StrEnum):
    planned = "planned"
    open = "open"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"
    cancelled = "cancelled"
    # the phase ended before it was done: late, recorded with why; no more reminders
    missed = "missed"

    @property
    def label(self) -> str:
        return {
            "planned": "geplant",
            "open": "offen",
            "submitted": "eingereicht",
            "returned": "zurückgegeben",
            "accepted": "angenommen",
            "cancelled": "entfällt",
            "missed": "versäumt",
        }[self.value]

    @property
    def is_finished(self) -> bool:
        return self in (TaskStatus.accepted, TaskStatus.cancelled, TaskStatus.missed)


class Cycle(SQLModel, table=True):
    """Steuerungskreislauf of one body and year; only one per body and year."""

    __tablename__ = "cycle"
    __table_args__ = (sa.UniqueConstraint("body_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    year: int
    election_year: bool = Field(default=False)
    status: CycleStatus = Field(default=CycleStatus.planned, sa_type=sa.String(20))
    strategy_version_id: int | None = Field(default=None, foreign_key="strategy_version.id")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Phase(SQLModel, table=True):
    __tablename__ = "phase"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    kind: PhaseKind = Field(sa_type=sa.String(30))
    title: str = Field(max_length=200)
    opens_on: dt.date
    closes_on: dt.date
    status: PhaseStatus = Field(default=PhaseStatus.planned, sa_type=sa.String(20))
    # How the phase ended, for people: "alle Aufgaben angenommen", "nicht erforderlich", ...
    outcome: str | None = Field(default=None, max_length=300)


class Deadline(SQLModel, table=True):
    """Frist of a phase; `responsible` is the calendar's spec ('departments', 'factions', key)."""

    __tablename__ = "deadline"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    phase_id: int = Field(foreign_key="phase.id")
    key: str = Field(max_length=64)
    title: str = Field(max_length=300)
    due_on: dt.date = Field(index=True)
    responsible: str = Field(max_length=64)
    # what fulfils it (models.calendar_rules.Delivery): the path CLI and web offer
    delivers: Delivery = Field(default=Delivery.confirmation, sa_type=sa.String(30))


class Task(SQLModel, table=True):
    """One department's or faction's share of a deadline; only one per deadline and assignee."""

    __tablename__ = "task"
    __table_args__ = (
        sa.UniqueConstraint("deadline_id", "assignee"),
        sa.Index("ix_task_deadline_status", "deadline_id", "status"),  # the reminder sweep
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    deadline_id: int = Field(foreign_key="deadline.id", index=True)
    # "department:<key>" or "faction:<key>": one column, so the unique key works on every DB.
    assignee: str = Field(max_length=80)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    faction_id: int | None = Field(default=None, foreign_key="faction.id")
    status: TaskStatus = Field(default=TaskStatus.planned, sa_type=sa.String(20))
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class Timing(StrEnum):
    """Where a window or a due date stands relative to a day: a pure function of `today`."""

    upcoming = "upcoming"
    current = "current"
    past = "past"

    @property
    def label(self) -> str:
        return {"upcoming": "bevorstehend", "current": "laufend", "past": "vorbei"}[self.value]


def window_timing(opens: dt.date, closes: dt.date, today: dt.date) -> Timing:
    if today < opens:
        return Timing.upcoming
    return Timing.current if today <= closes else Timing.past


def days_overdue(task_status: TaskStatus, due: dt.date, today: dt.date) -> int:
    """Calendar days a task is past its due date; 0 when it is finished or not yet due."""
    if (
        task_status
        in (TaskStatus.submitted, TaskStatus.accepted, TaskStatus.cancelled, TaskStatus.missed)
        or today <= due
    ):
        return 0
    return (today - due).days
