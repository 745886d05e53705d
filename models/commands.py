"""People's decisions in a cycle, as small typed commands.

Whatever receives a decision (a CLI option, a web form, the simulation's script, a flow
parameter) builds one of these and hands it to `services.commands.handle`, the one place that
checks it against the database, writes the transition, audits it and names the flow that
carries it on. What can be checked without a database (a blank reason, a year out of range) is
checked here, when the command is built, with the field it concerns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from models.change_set import ChangeSet
from models.decisions import MAX_FIELD_KEY, MAX_PAPER_REFERENCE, SessionKind, SessionTrigger
from models.errors import KreislaufError
from models.inputs import check_year
from models.transitions.sessions import check_convening


def _required(value: str, field: str, message: str, hint: str | None = None) -> str:
    if not value.strip():
        raise KreislaufError(message, field=field, hint=hint)
    return value.strip()


MAX_SESSIONS = 50  # sessions of one cycle: a number beyond is a typing error
MAX_REVIEW_COMMENT = 2_000  # characters: what the reviewer asks to change, printed whole


def _review_comment(accept: bool, comment: str | None) -> str | None:
    """A review's comment, stripped; a return needs one (what is to change)."""
    text = _optional(comment)
    if not accept and text is None:
        raise KreislaufError(
            "Eine Rückgabe braucht einen Kommentar: was ist zu ändern?", field="comment"
        )
    if text is not None and len(text) > MAX_REVIEW_COMMENT:
        raise KreislaufError(
            f"Der Kommentar hat {len(text):_} Zeichen; erlaubt sind höchstens "
            f"{MAX_REVIEW_COMMENT:_}.".replace("_", "."),
            field="comment",
        )
    return text


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
    """A faction leader's answer: is the strategy to be updated? Once per faction; with
    `change` (the personal link) a given answer is changed while the survey runs."""

    year: int
    faction: str  # key or name, as people type it
    need: bool
    comment: str | None = None
    change: bool = False

    def __post_init__(self) -> None:
        check_year(self.year)
        _required(self.faction, "faction", "Bitte die Fraktion angeben.")
        comment = _optional(self.comment)
        if comment is not None and len(comment) > MAX_SURVEY_COMMENT:
            raise KreislaufError(
                f"Die Begründung hat {len(comment):_} Zeichen; erlaubt sind höchstens "
                f"{MAX_SURVEY_COMMENT:_}.".replace("_", "."),
                field="comment",
            )
        object.__setattr__(self, "comment", comment)


MAX_SURVEY_COMMENT = 2_000  # characters: a faction's reasons, shown whole


@dataclass(frozen=True)
class ReissueSurveyLink:
    """The administration revokes a faction's personal survey link and, unless `revoke_only`,
    issues a new one (the old link then fails)."""

    year: int
    faction: str
    revoke_only: bool = False

    def __post_init__(self) -> None:
        check_year(self.year)
        _required(self.faction, "faction", "Bitte die Fraktion angeben.")


@dataclass(frozen=True)
class Convene:
    """An administrator convenes a session, with a reason: by default the forum (the retreat
    in an election year); `kind` either in any year; `field` a thematic retreat on that field
    of action (key or name) beside the main session."""

    year: int
    reason: str
    kind: SessionKind | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        reason = _required(self.reason, "reason", "Bitte den Anlass der Einberufung angeben.")
        field = _optional(self.field)
        if field is not None and len(field) > MAX_FIELD_KEY:
            raise KreislaufError(
                f"Das Handlungsfeld ist länger als {MAX_FIELD_KEY} Zeichen.", field="field"
            )
        kind = self.kind or (SessionKind.retreat if field else None)
        check_convening(
            kind or SessionKind.forum,
            trigger=SessionTrigger.administration,
            reason=reason,
            thematic=field is not None,
            election_year=False,  # the year's default is checked with the cycle
        )
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "kind", kind)


@dataclass(frozen=True)
class RecordSession:
    """A forum or retreat was held on `held_on` and agreed on `change_set`; `session` is its
    number in the cycle (needed only when several are convened)."""

    year: int
    held_on: dt.date
    change_set: ChangeSet
    session: int | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        if self.session is not None and not 1 <= self.session <= MAX_SESSIONS:
            raise KreislaufError(
                f"Die Nummer der Sitzung muss zwischen 1 und {MAX_SESSIONS} liegen.",
                field="session",
            )


@dataclass(frozen=True)
class RecordResolution:
    """The council adopted the session's change set: resolution `number` of `adopted_on`."""

    year: int
    number: str
    adopted_on: dt.date
    # the council paper's reference (OParl Paper.reference), optional
    paper_reference: str | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        number = _required(
            self.number, "number", "Bitte die Beschlussnummer angeben.", "Zum Beispiel KT/2027/045."
        )
        object.__setattr__(self, "number", number)
        object.__setattr__(self, "paper_reference", _paper_reference(self.paper_reference))


def _paper_reference(value: str | None) -> str | None:
    """The council paper's reference, stripped; None when empty; bounded and one line."""
    text = _optional(value)
    if text is None:
        return None
    if len(text) > MAX_PAPER_REFERENCE or any(not ch.isprintable() for ch in text):
        raise KreislaufError(
            f"Das Aktenzeichen der Vorlage darf höchstens {MAX_PAPER_REFERENCE} Zeichen "
            "in einer Zeile haben.",
            field="paper_reference",
            hint="Zum Beispiel 2027/0123.",
        )
    return text


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
    """The controlling office accepts a department's submitted figures or returns them;
    `attempt`, when given, is the attempt the reviewer saw (a newer one is not decided
    unseen)."""

    year: int
    department: str
    accept: bool
    comment: str | None = None
    attempt: int | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        if self.attempt is not None and not 1 <= self.attempt <= 10_000:
            raise KreislaufError("Unbekannter Versuch der Meldung.", field="attempt")
        object.__setattr__(self, "comment", _review_comment(self.accept, self.comment))


@dataclass(frozen=True)
class ReviewTask:
    """The reviewer accepts a submitted task or returns it; a waiting workbook goes with it."""

    task_id: int
    accept: bool
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "comment", _review_comment(self.accept, self.comment))


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


MAX_AMENDMENT_AMOUNT = Decimal(10) ** 12  # |change| in euros; Numeric(16, 2) holds 10^14
MAX_AMENDMENTS = 500  # a budget resolution changes a few groups, never thousands
MAX_NOTE = 2000
PRODUCT_GROUP = re.compile(r"\d{2}\.\d{2}")


def check_amount(value: object, field: str) -> Decimal:
    """A change in euros: a number (int, Decimal or its text; never a float's noise), at
    most two decimals, |value| <= 10^12. KreislaufError for `field` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise KreislaufError("Bitte einen Betrag in Euro angeben, z. B. 50000.", field=field)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise KreislaufError(
            f"„{value}“ ist kein Betrag (erwartet z. B. 50000 oder -1250.50).", field=field
        ) from None
    if not amount.is_finite():
        raise KreislaufError(f"„{value}“ ist kein Betrag.", field=field)
    if abs(amount) > MAX_AMENDMENT_AMOUNT:
        raise KreislaufError(
            "Der Betrag ist zu groß (erlaubt: höchstens 1.000.000.000.000 Euro, auch negativ).",
            field=field,
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise KreislaufError(f"„{value}“ hat mehr als zwei Nachkommastellen (Cent).", field=field)
    return amount.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class BudgetAmendmentInput:
    """The council's change to one product group's plan: income and expenses added (negative:
    taken away), with the reason. `field` names it in errors (e.g. "amendments[2]")."""

    product_group: str
    income_change: Decimal
    expenses_change: Decimal
    note: str
    field: str = "amendments"

    def __post_init__(self) -> None:
        group = self.product_group.strip()
        if not group:
            raise KreislaufError(
                "Bitte die Produktgruppe angeben (z. B. 11.20).",
                field=f"{self.field}.product_group",
            )
        if len(group) > 20 or not PRODUCT_GROUP.fullmatch(group):
            raise KreislaufError(
                f"„{group[:40]}“ ist keine Produktgruppe (erwartet z. B. 11.20).",
                field=f"{self.field}.product_group",
            )
        object.__setattr__(self, "product_group", group)
        for name in ("income_change", "expenses_change"):
            amount = check_amount(getattr(self, name), f"{self.field}.{name}")
            object.__setattr__(self, name, amount)
        note = _required(
            self.note,
            f"{self.field}.note",
            "Bitte die Änderung begründen (Vermerk).",
        )
        if len(note) > MAX_NOTE:
            raise KreislaufError(
                f"Der Vermerk ist zu lang ({len(note)} Zeichen, erlaubt: {MAX_NOTE}).",
                field=f"{self.field}.note",
            )
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
class RecordBudgetResolution:
    """The council adopted the budget (Haushaltsbeschluss) for the plan year `year` + 1:
    number, day, and its changes to the accepted plans per product group."""

    year: int
    number: str
    adopted_on: dt.date
    amendments: tuple[BudgetAmendmentInput, ...] = ()

    def __post_init__(self) -> None:
        check_year(self.year)
        number = _required(
            self.number, "number", "Bitte die Beschlussnummer angeben.", "Zum Beispiel HH/2027/012."
        )
        if len(number) > 50:
            raise KreislaufError(
                f"Die Beschlussnummer ist zu lang ({len(number)} Zeichen, erlaubt: 50).",
                field="number",
            )
        object.__setattr__(self, "number", number)
        object.__setattr__(self, "amendments", tuple(self.amendments))
        if len(self.amendments) > MAX_AMENDMENTS:
            raise KreislaufError(
                f"Zu viele Änderungen ({len(self.amendments)}, erlaubt: {MAX_AMENDMENTS}).",
                field="amendments",
            )
        seen: dict[str, int] = {}
        for index, amendment in enumerate(self.amendments):
            if amendment.product_group in seen:
                raise KreislaufError(
                    f"Die Produktgruppe {amendment.product_group} wird zweimal geändert "
                    f"(Änderung {seen[amendment.product_group] + 1} und {index + 1}); "
                    "bitte zu einer Änderung zusammenfassen.",
                    field=f"amendments[{index}].product_group",
                )
            seen[amendment.product_group] = index


@dataclass(frozen=True)
class SubmitPartialReport:
    """A department's partial budget report (Teilhaushaltsbericht): the filled workbook
    (`filename`, `content`) or the web form's texts (`texts`: (field name, text) pairs).
    `department` (key or name), when given, must be the file's; the form needs it."""

    year: int
    department: str | None
    filename: str = ""
    content: bytes = b""
    texts: tuple[tuple[str, str], ...] | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        if self.texts is None and not self.filename.strip():
            raise KreislaufError(
                "Bitte den ausgefüllten Teilhaushaltsbericht (.xlsx) auswählen.", field="content"
            )
        if self.texts is not None and not (self.department or "").strip():
            raise KreislaufError("Bitte den Fachbereich angeben.", field="department")


@dataclass(frozen=True)
class ReviewPartialReport:
    """The controlling office accepts a department's partial budget report or returns it;
    `attempt`, when given, is the attempt the reviewer saw (a newer one is not decided
    unseen)."""

    year: int
    department: str
    accept: bool
    comment: str | None = None
    attempt: int | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        _check_attempt(self.attempt, "Unbekannter Versuch des Teilhaushaltsberichts.")
        object.__setattr__(self, "comment", _review_comment(self.accept, self.comment))


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
    """The controlling office accepts a Teilhaushalt's submitted plan or returns it;
    `attempt`, when given, is the attempt the reviewer saw."""

    year: int
    thh: str
    accept: bool
    comment: str | None = None
    attempt: int | None = None

    def __post_init__(self) -> None:
        check_year(self.year)
        _check_attempt(self.attempt, "Unbekannter Versuch der Planung.")
        _required(self.thh, "thh", "Bitte den Teilhaushalt angeben.")
        object.__setattr__(self, "comment", _review_comment(self.accept, self.comment))


def _check_attempt(attempt: int | None, message: str) -> None:
    """An attempt the reviewer saw, if given: a sane number (attempts count from 1)."""
    if attempt is not None and not 1 <= attempt <= 10_000:
        raise KreislaufError(message, field="attempt")


Command = (
    CreateCycle
    | AnswerSurvey
    | Convene
    | RecordSession
    | RecordResolution
    | SubmitFigures
    | ReviewFigures
    | ReviewTask
    | ConfirmTask
    | DeliverDocument
    | RecordBudgetResolution
    | SubmitPartialReport
    | ReviewPartialReport
    | SubmitPlan
    | ReviewPlan
    | ReissueSurveyLink
)
