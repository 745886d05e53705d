"""The council paper (Beschlussvorlage) for the strategy resolution of a cycle.

Composed from what was recorded: the survey answers, the forum or retreat with its
participants and agreed change set, and (once adopted) the resolution. `compose_paper` is the
pure part; the Word file (python-docx, what the administration edits further) and the PDF
(the HTML template through `html_to_pdf`, tagged, lang de) are two renderings of the same
`CouncilPaper`. Priorities are named by field of action and number, never by internal key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.body import Body
from models.calendar_rules.spec import PhaseKind
from models.change_set import (
    StrategyContent,
    combine_change_sets,
    stored_change_set,
)
from models.decisions import (
    Resolution,
    SessionKind,
    SessionTrigger,
    StrategySession,
    SurveyAnswer,
)
from models.errors import ConflictError, Remedy
from models.german import german_date
from models.organisation import Faction
from models.strategy import StrategyVersion
from models.strategy_diff import DIFF_LABELS
from models.strategy_diff import diff_strategies as diff_contents
from models.strategy_versions import (
    applied,
    current_version,
    load_content,
)
from models.transitions.cycle import get_phase
from models.transitions.sessions import field_names, session_name, unresolved_held
from services.cycles import get_cycle
from services.report_format import PriorityNames, diff_element_name

SUBJECT = "Fortschreibung der Zukunftsstrategie – Beschluss"
NONE = "–"
NO_SURVEY = (
    "In diesem Kreislauf gab es keine Befragung: nach der Wahl tritt die Klausurtagung an die "
    "Stelle des Forums."
)


@dataclass(frozen=True)
class SurveyLine:
    faction: str
    leader: str
    answer: str  # "Bedarf", "kein Bedarf", "keine Antwort"
    comment: str | None


@dataclass(frozen=True)
class SynopsisRow:
    change: str  # "neu", "geändert", "entfällt", "umbenannt", "verschoben", "neu eingereiht"
    field: str  # the field of action's name ("–" for the vision, principles, key positions)
    priority: str  # "Schwerpunkt 2" (its place where it stands), "Leitsatz 3", "Vision" ...
    before: str
    after: str


@dataclass(frozen=True)
class SessionFacts:
    kind: SessionKind
    held_on: dt.date | None
    trigger: SessionTrigger | None
    reason: str | None
    participants: tuple[str, ...]
    summary: str | None


@dataclass(frozen=True)
class CouncilPaper:
    subject: str
    body_name: str
    council: str
    year: int
    survey: tuple[SurveyLine, ...]
    survey_total: str
    session: SessionFacts
    proposal: tuple[str, ...]  # the proposed resolution, point by point
    synopsis: tuple[SynopsisRow, ...]
    resolution: str | None = None  # "Beschluss KT/2027/045 vom 21.07.2027" once recorded
    paper_reference: str | None = None

    @property
    def title(self) -> str:
        return f"Beschlussvorlage {self.year}: {self.subject}"


def compose_paper(
    *,
    body_name: str,
    council: str,
    year: int,
    answers: Iterable[tuple[str, str, bool | None, str | None]],
    session: SessionFacts,
    old: StrategyContent,
    new: StrategyContent,
    resolution: str | None = None,
    paper_reference: str | None = None,
    survey_held: bool = True,
) -> CouncilPaper:
    """The paper from plain facts. `answers`: (faction, leader, need or None when unanswered,
    comment) per faction; `old`/`new`: the strategy before and after the change set;
    `survey_held` False: the cycle had no survey (an election year's retreat)."""
    survey = tuple(
        SurveyLine(
            faction,
            leader,
            _answer(need),
            comment,
        )
        for faction, leader, need, comment in answers
        if survey_held
    )
    synopsis = synopsis_rows(old, new)
    return CouncilPaper(
        subject=SUBJECT,
        body_name=body_name,
        council=council,
        year=year,
        survey=survey,
        survey_total=_survey_total(survey) if survey_held else NO_SURVEY,
        session=session,
        proposal=(
            f"Der {council} beschließt die Fortschreibung der Zukunftsstrategie wie in der "
            f"Anlage (Synopse) dargestellt ({_changes(len(synopsis))} an der Strategie).",
            "Die Verwaltung wird beauftragt, die fortgeschriebenen strategischen Schwerpunkte "
            "der operativen Planung und dem Haushaltsplan zugrunde zu legen.",
        ),
        synopsis=synopsis,
        resolution=resolution,
        paper_reference=paper_reference,
    )


def synopsis_rows(old: StrategyContent, new: StrategyContent) -> tuple[SynopsisRow, ...]:
    before, after = PriorityNames.of_content(old), PriorityNames.of_content(new)
    return tuple(
        SynopsisRow(
            change=DIFF_LABELS[str(c["change"])],
            field=c["field"] or NONE,
            priority=diff_element_name(c, before, after),
            before=c["before"] or NONE,
            after=c["after"] or NONE,
        )
        for c in diff_contents(old, new)
    )


def _answer(need: bool | None) -> str:
    return {True: "Bedarf", False: "kein Bedarf", None: "keine Antwort"}[need]


def _changes(count: int) -> str:
    return f"{count} Änderung" if count == 1 else f"{count} Änderungen"


def _survey_total(lines: tuple[SurveyLine, ...]) -> str:
    if not lines:
        return "Es sind keine Fraktionen hinterlegt."
    need = sum(line.answer == "Bedarf" for line in lines)
    none = sum(line.answer == "keine Antwort" for line in lines)
    text = f"{need} von {len(lines)} Fraktionen sehen Bedarf für eine Aktualisierung"
    return text + (f"; {none} ohne Antwort." if none else ".")


# --------------------------------------------------------------------------- from the database


def council_paper(*, session: Session, body: Body, year: int) -> CouncilPaper:
    """The paper of cycle `year`; refused (German, saying what to record first) while no
    forum or retreat with its agreed changes is recorded."""
    cycle = get_cycle(session=session, body=body, year=year)
    resolution = session.exec(select(Resolution).where(Resolution.cycle_id == cycle.id)).first()
    if resolution is None:  # what a resolution would adopt now: every held session's changes
        held = unresolved_held(cycle, session=session)
    else:
        held = [
            session.get_one(StrategySession, session_id)
            for session_id in resolution.session_ids or [resolution.session_id]
            if session_id is not None
        ]
    if not held:
        raise ConflictError(
            f"Für {year} ist noch kein Forum und keine Klausurtagung mit vereinbarten "
            "Änderungen festgehalten; ohne sie gibt es keine Beschlussvorlage.",
            hint=f"Bitte zuerst die Sitzung festhalten: kreislauf forum record {year} "
            "--held-on JJJJ-MM-TT --changes changes.toml",
            remedy=Remedy.record_session,
        )
    row = held[0]  # the main session's facts; the synopsis covers every session's changes
    names = field_names(session=session, body_id=cycle.body_id)
    change_set = stored_change_set(row.change_set, what=session_name(row, names))
    if resolution is not None:
        old = load_content(
            session=session,
            version=session.get_one(StrategyVersion, resolution.previous_version_id),
        )
        new = load_content(
            session=session, version=session.get_one(StrategyVersion, resolution.new_version_id)
        )
        adopted = f"Beschluss {resolution.number} vom {german_date(resolution.adopted_on)}"
    else:
        old = load_content(
            session=session, version=current_version(session=session, body_id=cycle.body_id)
        )
        combined = combine_change_sets(
            [
                (
                    session_name(r, names),
                    stored_change_set(r.change_set, what=session_name(r, names)),
                )
                for r in held
            ]
        )
        new = applied(session=session, body_id=cycle.body_id, content=old, change_set=combined)
        adopted = None
    answers = {
        answer.faction_id: answer
        for answer in session.exec(select(SurveyAnswer).where(SurveyAnswer.cycle_id == cycle.id))
    }
    factions = session.exec(
        select(Faction).where(Faction.body_id == body.id).order_by(col(Faction.name))
    ).all()
    facts = SessionFacts(
        kind=SessionKind(row.kind),
        held_on=row.held_on,
        trigger=SessionTrigger(row.trigger) if row.trigger else None,
        reason=row.reason,
        participants=tuple(row.participants or change_set.participants),
        summary=change_set.summary,
    )
    return compose_paper(
        body_name=body.name,
        council=body.council,
        year=year,
        answers=[
            (
                faction.name,
                faction.leader,
                answers[faction.id].need if faction.id in answers else None,
                answers[faction.id].comment if faction.id in answers else None,
            )
            for faction in factions
        ],
        session=facts,
        old=old,
        new=new,
        resolution=adopted,
        paper_reference=resolution.paper_reference if resolution else None,
        survey_held=get_phase(cycle, PhaseKind.survey, session=session) is not None,
    )


# --------------------------------------------------------------------------- renderings


def session_line(facts: SessionFacts) -> str:
    """'Forum Zukunftsstrategie am 20.05.2027 (Einberufung durch die Verwaltung: …)'."""
    text = facts.kind.label
    if facts.held_on:
        text += f" am {german_date(facts.held_on)}"
    if facts.trigger:
        why = facts.trigger.label + (f": {facts.reason}" if facts.reason else "")
        text += f" ({why})"
    return text
