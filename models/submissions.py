"""A department's delivery of its figures (Meldung) for a task, and its review.

Each upload of a valid workbook is a new submission (attempt 1, 2, ...) of the same task;
a returned one stays on record with the reviewer's comment. Only an accepted submission
writes its actuals into `key_figure_value` and its measure statuses into `measure`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class SubmissionStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"

    @property
    def label(self) -> str:
        return {
            "submitted": "eingereicht",
            "accepted": "angenommen",
            "returned": "zurückgegeben",
        }[self.value]


class Submission(SQLModel, table=True):
    __tablename__ = "submission"
    __table_args__ = (sa.UniqueConstraint("task_id", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    attempt: int
    # The budget year the figures describe (Berichtsjahr): the cycle's year minus one.
    report_year: int
    status: SubmissionStatus = Field(default=SubmissionStatus.submitted, sa_type=sa.String(20))
    filename: str = Field(max_length=300)
    sha256: str = Field(max_length=64)
    submitted_at: dt.datetime = Field(sa_type=UTCDateTime)
    submitted_by: str = Field(max_length=200)
    reviewed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by: str | None = Field(default=None, max_length=200)
    review_comment: str | None = Field(default=None, sa_type=sa.Text)


class SubmissionFile(SQLModel, table=True):
    """The uploaded workbook of a submission, as it came: the reviewer opens what the
    department sent. A table of its own, so lists of submissions never load the bytes."""

    __tablename__ = "submission_file"

    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    content: bytes = Field(sa_type=sa.LargeBinary)


class SubmissionFigure(SQLModel, table=True):
    """One key figure's reported actual in a submission."""

    __tablename__ = "submission_figure"
    __table_args__ = (sa.UniqueConstraint("submission_id", "key_figure_id"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    key_figure_id: int = Field(foreign_key="key_figure.id")
    actual: float
    comment: str | None = Field(default=None, sa_type=sa.Text)


class SubmissionMeasure(SQLModel, table=True):
    """One measure's reported status in a submission."""

    __tablename__ = "submission_measure"
    __table_args__ = (sa.UniqueConstraint("submission_id", "measure_id"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    measure_id: int = Field(foreign_key="measure.id")
    status: str = Field(max_length=20)
    comment: str | None = Field(default=None, sa_type=sa.Text)
