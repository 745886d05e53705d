"""The survey of the faction leaders: one answer per faction and cycle, within the window.

Its own aggregate: the answer's uniqueness and the window decide, not a task's status.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.calendar_rules.spec import PhaseKind
from models.cycle import Cycle, Deadline, PhaseStatus, Task, TaskStatus
from models.db import id_of
from models.decisions import (
    SurveyAnswer,
)
from models.errors import ConflictError
from models.german import german_date
from models.organisation import Faction
from models.transitions.cycle import get_phase, require_open_cycle
from models.transitions.status import Event, transition


def answer_survey(
    cycle: Cycle,
    faction: Faction,
    *,
    need: bool,
    comment: str | None,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
    change: bool = False,
) -> list[Event]:
    """Record a faction leader's answer; once per faction, only while the survey runs. With
    `change` a given answer is changed instead (audited with before and after)."""
    require_open_cycle(id_of(cycle), session=session)
    phase = get_phase(cycle, PhaseKind.survey, session=session)
    if phase is None:
        raise ConflictError(f"Der Kreislauf {cycle.year} hat keine Befragung.")
    if PhaseStatus(phase.status) == PhaseStatus.closed:
        raise ConflictError(
            f"Die Befragung {cycle.year} ist abgeschlossen ({phase.outcome or 'beendet'})."
        )
    if today < phase.opens_on:
        raise ConflictError(
            f"Die Befragung {cycle.year} beginnt erst am {german_date(phase.opens_on)}."
        )
    if today > phase.closes_on:
        raise ConflictError(f"Die Befragung {cycle.year} endete am {german_date(phase.closes_on)}.")
    if change:
        given = session.exec(
            select(SurveyAnswer).where(
                SurveyAnswer.cycle_id == cycle.id, SurveyAnswer.faction_id == faction.id
            )
        ).first()
        if given is not None:
            return _change(given, faction, cycle, need, comment, session, now, actor, today)
    answer = SurveyAnswer(
        body_id=cycle.body_id,
        cycle_id=id_of(cycle),
        faction_id=id_of(faction),
        need=need,
        comment=comment,
        answered_at=now,
        actor=actor,
    )
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError(
            f"{faction.name} hat in der Befragung {cycle.year} bereits "
            "geantwortet; eine Antwort gilt einmal."
        ) from None
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="survey.answered",
        entity="survey_answer",
        entity_id=answer.id,
        body_id=cycle.body_id,
        after={"faction": faction.name, "need": need, "comment": comment},
    )
    events = [
        Event(
            today,
            PhaseKind.survey,
            "survey_answered",
            f"{faction.name}: {'Bedarf' if need else 'kein Bedarf'}"
            + (f" – {comment}" if comment else ""),
        )
    ]
    task = session.exec(
        select(Task)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .where(Deadline.phase_id == phase.id, Task.faction_id == faction.id)
    ).first()
    if task is not None and not TaskStatus(task.status).is_finished:
        transition(
            task,
            TaskStatus.accepted,
            session=session,
            now=now,
            actor=actor,
            detail={"by": "Antwort in der Befragung"},
        )
    return events


def _change(
    answer: SurveyAnswer,
    faction: Faction,
    cycle: Cycle,
    need: bool,
    comment: str | None,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> list[Event]:
    before = {"faction": faction.name, "need": answer.need, "comment": answer.comment}
    answer.need, answer.comment, answer.answered_at, answer.actor = need, comment, now, actor
    session.add(answer)
    session.flush()
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="survey.answer_changed",
        entity="survey_answer",
        entity_id=answer.id,
        body_id=cycle.body_id,
        before=before,
        after={"faction": faction.name, "need": need, "comment": comment},
    )
    return [
        Event(
            today,
            PhaseKind.survey,
            "survey_answer_changed",
            f"{faction.name}: Antwort geändert – {'Bedarf' if need else 'kein Bedarf'}"
            + (f" – {comment}" if comment else ""),
        )
    ]
