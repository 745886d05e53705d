"""People's decisions in a cycle, as small typed commands.

Whatever receives a decision (a CLI option, a web form, the simulation's script, a flow
parameter) builds one of these and hands it to `services.commands.handle`, the one place that
checks it against the database, writes the transition, audits it and names the flow that
carries it on. What can be checked without a database (a blank reason, a year out of range) is
checked here, when the command is built, with the field it concerns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.change_set import ChangeSet
from models.errors import KreislaufError
from models.inputs import check_year


def _required(value: str, field: str, message: str, hint: str | None = None) -> str:
    if not value.strip():
        raise KreislaufError(message, field=field, hint=hint)
    return value.strip()


def _optional(value: str | None) -> str | None:
    return (value or "").strip() or None


@dataclass(frozen=True)
class CreateCycle:
    """Expand the body's calendar into the cycle of `year`."""

    year: int

    def __post_init__(self) -> None:
        check_year(self.year)


@dataclass(frozen=True)
class AnswerSurvey:
    """A faction leader's answer: is the strategy to be updated? Once per faction."""

    year: int
    faction: str  # key or name, as people type it
    need: bool
    comment: str | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        _required(self.faction, "faction", "Bitte die Fraktion angeben.")
        object.__setattr__(self, "comment", _optional(self.comment))


@dataclass(frozen=True)
class Convene:
    """An administrator convenes the forum (the retreat in an election year), with a reason."""

    year: int
    reason: str

    def __post_init__(self) -> None:
        check_year(self.year)
        reason = _required(self.reason, "reason", "Bitte den Anlass der Einberufung angeben.")
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True)
class RecordSession:
    """The forum or retreat was held on `held_on` and agreed on `change_set`."""

    year: int
    held_on: dt.date
    change_set: ChangeSet

    def __post_init__(self) -> None:
        check_year(self.year)


@dataclass(frozen=True)
class RecordResolution:
    """The council adopted the session's change set: resolution `number` of `adopted_on`."""

    year: int
    number: str
    adopted_on: dt.date

    def __post_init__(self) -> None:
        check_year(self.year)
        number = _required(
            self.number, "number", "Bitte die Beschlussnummer angeben.", "Zum Beispiel KT/2027/045."
        )
        object.__setattr__(self, "number", number)


@dataclass(frozen=True)
class SubmitFigures:
    """A department's filled-in figures workbook. `department` (key or name), when given,
    must be the file's department (the web passes the uploader's)."""

    year: int
    department: str | None
    filename: str
    content: bytes

    def __post_init__(self) -> None:
        check_year(self.year)
        if not self.filename.strip():  # no file chosen (an empty one is refused by name)
            raise KreislaufError(
                "Bitte die ausgefüllte Vorlage (.xlsx oder .csv) auswählen.", field="content"
            )


@dataclass(frozen=True)
class ReviewFigures:
    """The controlling office accepts a department's submitted figures or returns them."""

    year: int
    department: str
    accept: bool
    comment: str | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        object.__setattr__(self, "comment", _optional(self.comment))
        if not self.accept and self.comment is None:
            raise KreislaufError(
                "Eine Rückgabe braucht einen Kommentar: was ist zu ändern?", field="comment"
            )


@dataclass(frozen=True)
class SubmitTask:
    """A task's assignee delivers (a task without a workbook of its own)."""

    task_id: int


@dataclass(frozen=True)
class ReviewTask:
    """The reviewer accepts a submitted task or returns it; a waiting workbook goes with it."""

    task_id: int
    accept: bool
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "comment", _optional(self.comment))
        if not self.accept and self.comment is None:
            raise KreislaufError(
                "Eine Rückgabe braucht einen Kommentar: was ist zu ändern?", field="comment"
            )


@dataclass(frozen=True)
class ConfirmTask:
    """A task fulfilled by a plain confirmation: done on `done_on`, with a note of what."""

    task_id: int
    done_on: dt.date
    note: str

    def __post_init__(self) -> None:
        note = _required(
            self.note,
            "note",
            "Bitte einen Vermerk angeben: was wurde erledigt?",
            "Zum Beispiel: Vorlage im Ältestenrat am 12.07. besprochen.",
        )
        _bounded(note, "note")
        object.__setattr__(self, "note", note)


@dataclass(frozen=True)
class DeliverDocument:
    """A task fulfilled by a document (e.g. the council paper), with an optional note."""

    task_id: int
    filename: str
    content: bytes
    note: str | None = None

    def __post_init__(self) -> None:
        from models.task_delivery import check_document

        object.__setattr__(self, "note", _optional(self.note))
        if self.note is not None:
            _bounded(self.note, "note")
        check_document(self.filename, self.content)


def _bounded(text: str, field: str) -> None:
    from models.task_delivery import MAX_NOTE_CHARS

    if len(text) > MAX_NOTE_CHARS:
        raise KreislaufError(
            f"Der Vermerk ist {len(text)} Zeichen lang; erlaubt sind höchstens {MAX_NOTE_CHARS}.",
            field=field,
        )


@dataclass(frozen=True)
class SubmitPlan:
    """A Teilhaushalt's filled-in planning workbook. `department` (key), when given, must
    answer for the file's Teilhaushalt (the web passes the uploader's)."""

    year: int
    department: str | None
    filename: str
    content: bytes

    def __post_init__(self) -> None:
        check_year(self.year)
        if not self.filename.strip():
            raise KreislaufError(
                "Bitte die ausgefüllte Planungsvorlage (.xlsx) auswählen.", field="content"
            )


@dataclass(frozen=True)
class ReviewPlan:
    """The controlling office accepts a Teilhaushalt's submitted plan or returns it."""

    year: int
    thh: str
    accept: bool
    comment: str | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        _required(self.thh, "thh", "Bitte den Teilhaushalt angeben.")
        object.__setattr__(self, "comment", _optional(self.comment))
        if not self.accept and self.comment is None:
            raise KreislaufError(
                "Eine Rückgabe braucht einen Kommentar: was ist zu ändern?", field="comment"
            )


Command = (
    CreateCycle
    | AnswerSurvey
    | Convene
    | RecordSession
    | RecordResolution
    | SubmitFigures
    | ReviewFigures
    | SubmitTask
    | ReviewTask
    | ConfirmTask
    | DeliverDocument
    | SubmitPlan
    | ReviewPlan
)
