"""A department's partial budget report (Teilhaushaltsbericht) for a task, and its review.

Each valid delivery (an uploaded workbook or the web form) is a new attempt of the same task;
a returned one stays on record with the reviewer's comment. The entries are the department's
texts: an assessment per product group, an explanation per red key figure and per budget
deviation above the body's threshold. The money and figures they speak of are not copied:
they are the evaluation's, read again when the report is shown.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class PartialReportStatus(StrEnum):
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


class EntryKind(StrEnum):
    """What a text answers: a group's assessment, a red figure, a budget deviation."""

    assessment = "assessment"
    figure = "figure"
    deviation = "deviation"

    @property
    def label(self) -> str:
        return {
            "assessment": "Bewertung der Zielerreichung",
            "figure": "Erläuterung der verfehlten Kennzahl",
            "deviation": "Erläuterung der Abweichung",
        }[self.value]


class PartialReport(SQLModel, table=True):
    __tablename__ = "partial_report"
    __table_args__ = (sa.UniqueConstraint("task_id", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    attempt: int
    # the budget year reported on (Berichtsjahr): the cycle's year minus one
    report_year: int
    status: PartialReportStatus = Field(
        default=PartialReportStatus.submitted, sa_type=sa.String(20)
    )
    # "xlsx" (an uploaded workbook) or "web" (the form); a form has no file name or hash
    source: str = Field(max_length=10)
    filename: str | None = Field(default=None, max_length=300)
    sha256: str | None = Field(default=None, max_length=64)
    submitted_at: dt.datetime = Field(sa_type=UTCDateTime)
    submitted_by: str = Field(max_length=200)
    reviewed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by: str | None = Field(default=None, max_length=200)
    review_comment: str | None = Field(default=None, sa_type=sa.Text)


class PartialReportEntry(SQLModel, table=True):
    """One text of a report: `group_number` the product group, `subject` the key figure's
    key for a figure's explanation (empty otherwise)."""

    __tablename__ = "partial_report_entry"
    __table_args__ = (sa.UniqueConstraint("partial_report_id", "kind", "group_number", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    partial_report_id: int = Field(foreign_key="partial_report.id", index=True)
    kind: str = Field(max_length=20)
    group_number: str = Field(max_length=20)
    subject: str = Field(default="", max_length=64)
    text: str = Field(sa_type=sa.Text)


class PartialReportFile(SQLModel, table=True):
    """The uploaded workbook of a partial budget report, as it came (a report filled in on
    the web has none); a table of its own, so lists of reports never load the bytes."""

    __tablename__ = "partial_report_file"

    partial_report_id: int = Field(foreign_key="partial_report.id", primary_key=True)
    content: bytes = Field(sa_type=sa.LargeBinary)
