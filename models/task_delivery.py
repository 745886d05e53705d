"""A task fulfilled by a plain confirmation or by a document, with who, when and what.

The deliveries that carry data (figures, partial budget report, plan) have tables of their
own; these two need only the fact: the day it was done and a note, or the file itself (the
council paper, minutes). Each delivery is an attempt; a returned one stays on record.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.errors import KreislaufError
from models.types import UTCDateTime

MAX_NOTE_CHARS = 2000
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # the web's upload limit; a council paper as PDF
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".txt": "text/plain; charset=utf-8",
}


class DeliveryKind(StrEnum):
    confirmation = "confirmation"
    document = "document"

    @property
    def label(self) -> str:
        return {"confirmation": "Bestätigung", "document": "Dokument"}[self.value]


class TaskDelivery(SQLModel, table=True):
    __tablename__ = "task_delivery"
    __table_args__ = (sa.UniqueConstraint("task_id", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    attempt: int
    kind: DeliveryKind = Field(sa_type=sa.String(20))
    done_on: dt.date
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)
    filename: str | None = Field(default=None, max_length=300)
    media_type: str | None = Field(default=None, max_length=120)
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    content: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    delivered_at: dt.datetime = Field(sa_type=UTCDateTime)
    delivered_by: str = Field(max_length=200)


def check_document(filename: str, content: bytes) -> str:
    """The document's media type, or a German refusal naming the file and what is expected."""
    name = filename.strip()
    if not name:
        raise KreislaufError("Bitte ein Dokument auswählen.", field="content")
    if len(name) > 300:
        raise KreislaufError("Der Dateiname ist länger als 300 Zeichen.", field="content")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in DOCUMENT_TYPES:
        raise KreislaufError(
            f"Die Datei {name} hat kein erlaubtes Format; erwartet: "
            + ", ".join(DOCUMENT_TYPES)
            + ".",
            field="content",
        )
    if not content:
        raise KreislaufError(f"Die Datei {name} ist leer.", field="content")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise KreislaufError(
            f"Die Datei {name} ist größer als {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB; "
            "nichts wurde gespeichert.",
            field="content",
        )
    if not content.startswith(_MAGIC.get(suffix, b"")):
        raise KreislaufError(
            f"Die Datei {name} ist keine gültige {suffix[1:].upper()}-Datei "
            "(der Inhalt passt nicht zur Endung).",
            field="content",
        )
    if suffix == ".txt":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise KreislaufError(
                f"Die Datei {name} ist kein Text in UTF-8.", field="content"
            ) from None
    return DOCUMENT_TYPES[suffix]


_MAGIC = {".pdf": b"%PDF-", ".docx": b"PK", ".odt": b"PK", ".xlsx": b"PK", ".ods": b"PK"}
