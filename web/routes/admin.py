"""Administrators' actions: create a cycle, record survey answers, convene a forum or retreat,
record a session's change set, the council's resolution and its budget resolution (both after
a confirmation page: "Bitte prüfen"). The page shows the survey's answers per faction and the
next step the cycle expects (models.next_step).

Each form builds a decision command (models.commands) and hands it to the one pipeline
(services.commands.handle) in one transaction, then starts the flow the outcome names
(web.flows). A user's mistake is shown in German beside the field it concerns, and nothing is
changed; only administrators may post here (others get 403).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from models.accounts import Role
from models.commands import (
    AnswerSurvey,
    Command,
    Convene,
    CreateCycle,
    RecordResolution,
    RecordSession,
)
from models.decisions import SessionKind, SessionStatus
from models.errors import KreislaufError
from models.inputs import parse_day, parse_year, parse_yes_no
from models.transitions import Event
from web import auth
from web.render import page
from web.routes.common import actor, body_session, decide, now, status_of
from web.views import cycle_years, default_year, factions

if TYPE_CHECKING:
    from sqlmodel import Session

    from models.body import Body
    from services.commands import Outcome
    from web.change_rows import StrategyChoices

router = APIRouter(include_in_schema=False)
T = TypeVar("T")


def require_admin(viewer: auth.Viewer = Depends(auth.require_viewer)) -> auth.Viewer:
    auth.require_role(viewer, Role.admin)
    return viewer


def admin_page(
    request: Request,
    viewer: auth.Viewer,
    *,
    form: str | None = None,
    error: KreislaufError | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    year: int | None = None,
) -> Response:
    """The admin page; with `error`, its message beside the field it concerns in `form` (or
    above the form when no field of it is meant). The state shown is `year`'s cycle (default:
    this year's)."""
    from web.change_rows import ACTION_LABELS, MAX_CHANGE_ROWS, RowErrors, strategy_choices
    from web.forms import plain_change_paths

    message = str(error) if error else None
    if message and form == "session":
        message = plain_change_paths(message)
    with body_session(request, viewer) as (session, body):
        years = cycle_years(session=session, body=body)
        today = body.local_date(now(request))
        shown = year if year in years else default_year(years, today)
        context = {
            "body": body,
            "years": years,
            "default_year": default_year(years, today),
            "factions": factions(session=session, body=body),
            "state": _cycle_state(session, body, shown, today) if shown else None,
            "form": form,
            "error": message,
            "error_field": _form_field(form, error),
            # the structured change set's mistakes, each beside its input (web.change_rows)
            "input_errors": error.inputs if isinstance(error, RowErrors) else {},
            "choices": strategy_choices(session=session, body=body),
            "action_labels": ACTION_LABELS,
            "max_change_rows": MAX_CHANGE_ROWS,
            "values": values or {},
            "flash": request.state.session.pop("flash", None),
        }
    if context["flash"]:
        request.state.session_changed = True
    return page(request, "admin.html", {"viewer": viewer, **context}, status=status)


# form -> {a command's field: the form's input}; fields not listed show above the form
FORM_FIELDS = {
    "cycle": {"year": "year"},
    "survey": {"year": "year", "faction": "faction", "need": "need", "comment": "comment"},
    "convene": {"year": "year", "reason": "reason", "kind": "kind", "field": "topic"},
    "session": {
        "year": "year",
        "held_on": "held_on",
        "change_set": "changes",
        "summary": "summary",
        "participants": "participants",
        "session": "session_number",
    },
    "resolution": {
        "year": "year",
        "adopted_on": "date",
        "number": "number",
        "paper_reference": "paper",
    },
    "budget": {"year": "year", "adopted_on": "date", "on": "date", "number": "number"},
}
# an amendment's field (amendments[2].expenses_change) -> the input of its row (expenses-2)
AMENDMENT_FIELD = re.compile(
    r"amendments\[(\d+)\]\.(product_group|income_change|expenses_change|note)"
)
ROW_INPUTS = {
    "product_group": "product_group",
    "income_change": "income",
    "expenses_change": "expenses",
    "note": "note",
}


def _form_field(form: str | None, error: KreislaufError | None) -> str | None:
    if form is None or error is None or error.field is None:
        return None
    match = AMENDMENT_FIELD.fullmatch(error.field)
    if form == "budget" and match:
        return f"{ROW_INPUTS[match.group(2)]}-{match.group(1)}"
    return FORM_FIELDS.get(form, {}).get(error.field)


@router.get("/admin")
def admin(
    request: Request, year: str = "", viewer: auth.Viewer = Depends(require_admin)
) -> Response:
    shown = int(year) if year.isdigit() and len(year) == 4 else None
    return admin_page(request, viewer, year=shown)


def _cycle_state(session: Any, body: Any, year: int, today: Any) -> dict[str, Any]:
    """The survey's answers per faction and the next step of `year`'s cycle."""
    from sqlmodel import select

    from models.budget_resolution import BudgetResolution
    from models.calendar_rules.spec import PhaseKind
    from models.cycle import Cycle, CycleStatus, PhaseStatus
    from models.decisions import Resolution, SurveyAnswer
    from models.next_step import CycleState, next_step
    from models.transitions.cycle import get_phase
    from models.transitions.sessions import cycle_sessions, sessions_status

    cycle = session.exec(select(Cycle).where(Cycle.body_id == body.id, Cycle.year == year)).one()
    survey = get_phase(cycle, PhaseKind.survey, session=session)
    answers = {
        answer.faction_id: answer
        for answer in session.exec(select(SurveyAnswer).where(SurveyAnswer.cycle_id == cycle.id))
    }
    rows = [
        {
            "faction": faction,
            "answer": answers.get(faction.id),
            "on": body.local_date(answers[faction.id].answered_at)
            if faction.id in answers
            else None,
        }
        for faction in factions(session=session, body=body)
    ]
    state = CycleState(
        year=year,
        today=today,
        closed=CycleStatus(cycle.status) == CycleStatus.closed,
        election_year=cycle.election_year,
        survey_opens_on=survey.opens_on if survey else None,
        survey_closes_on=survey.closes_on if survey else None,
        survey_closed=bool(survey and PhaseStatus(survey.status) == PhaseStatus.closed),
        factions=len(rows),
        answered=len(answers),
        session=sessions_status(cycle, session=session),
        resolution=session.exec(
            select(Resolution.id).where(Resolution.cycle_id == cycle.id)
        ).first()
        is not None,
        budget_resolution=session.exec(
            select(BudgetResolution.id).where(BudgetResolution.cycle_id == cycle.id)
        ).first()
        is not None,
    )
    # the council paper can be drafted once the session with its agreed changes is recorded
    paper = any(
        SessionStatus(held.status) == SessionStatus.held and held.change_set
        for held in cycle_sessions(cycle, session=session)
    )
    return {
        "year": year,
        "rows": rows,
        "survey": survey,
        "next": next_step(state),
        "paper": paper,
    }


PAPER_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@router.get("/admin/paper/{year}.{fmt}")
def council_paper(
    request: Request, year: str, fmt: str, viewer: auth.Viewer = Depends(require_admin)
) -> Response:
    """The council paper (Beschlussvorlage) of the strategy resolution, as `kreislauf paper`:
    Word to edit further, or the tagged PDF. A year without a recorded session: the admin
    page with the German reason."""
    from services.council_paper_files import render_council_paper
    from web.routes.common import attachment

    if fmt not in PAPER_TYPES:
        raise HTTPException(status_code=404)
    try:
        with body_session(request, viewer) as (session, body):
            content = render_council_paper(session, body, parse_year(year), fmt, now(request))
    except KreislaufError as error:
        return admin_page(request, viewer, form="resolution", error=error, status=status_of(error))
    return attachment(content, f"beschlussvorlage-{year}.{fmt}", PAPER_TYPES[fmt])


def run_action(
    request: Request,
    viewer: auth.Viewer,
    *,
    form: str,
    values: dict[str, Any],
    command: Callable[[], Command],
    confirm: Callable[[Outcome], str],
) -> Response:
    """An admin form's decision (web.routes.common.decide); a mistake shows the form again
    with what was typed and the German message beside its field."""

    def refused(error: KreislaufError) -> Response:
        return admin_page(
            request, viewer, form=form, error=error, values=values, status=status_of(error)
        )

    return decide(
        request, viewer, command=command, confirm=confirm, refused=refused, redirect="/admin"
    )


@router.post("/admin/cycles", dependencies=[Depends(auth.check_csrf)])
def create_cycle(
    request: Request, year: str = Form(""), viewer: auth.Viewer = Depends(require_admin)
) -> Response:
    def confirm(outcome: Outcome) -> str:
        election = outcome.record.election_year
        kind = "Wahljahr: Klausurtagung statt Forum" if election else "reguläres Jahr"
        return f"Steuerungskreislauf {outcome.year} angelegt ({kind})."

    return run_action(
        request,
        viewer,
        form="cycle",
        values={"year": year},
        command=lambda: CreateCycle(parse_year(year)),
        confirm=confirm,
    )


@router.post("/admin/survey", dependencies=[Depends(auth.check_csrf)])
def survey_answer(
    request: Request,
    year: str = Form(""),
    faction: str = Form(""),
    need: str = Form(""),
    comment: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    values = {"year": year, "faction": faction, "need": need, "comment": comment}
    return run_action(
        request,
        viewer,
        form="survey",
        values=values,
        command=lambda: AnswerSurvey(parse_year(year), faction, parse_yes_no(need), comment),
        confirm=lambda outcome: confirmation("Antwort festgehalten", outcome.events),
    )


@router.post("/admin/convene", dependencies=[Depends(auth.check_csrf)])
def convene(
    request: Request,
    year: str = Form(""),
    reason: str = Form(""),
    kind: str = Form(""),
    topic: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    """`kind` empty: the year's default; `topic`: a thematic retreat's field of action."""
    return run_action(
        request,
        viewer,
        form="convene",
        values={"year": year, "reason": reason, "kind": kind[:20], "topic": topic[:64]},
        command=lambda: Convene(parse_year(year), reason, _session_kind(kind), topic or None),
        confirm=lambda outcome: confirmation("Einberufen", outcome.events),
    )


def _session_kind(text: str) -> SessionKind | None:
    if not text.strip():
        return None
    try:
        return SessionKind(text.strip())
    except ValueError:
        raise KreislaufError("Bitte Forum oder Klausurtagung wählen.", field="kind") from None


def _session_number(text: str) -> int | None:
    """The optional "Sitzung Nr." of the session form."""
    if not text.strip():
        return None
    if not text.strip().isdigit() or len(text.strip()) > 3:
        raise KreislaufError("Bitte die Nummer der Sitzung als Zahl angeben.", field="session")
    return int(text.strip())


@dataclass(frozen=True)
class SessionForm:
    """The session form as posted (for recording it, or for one row more): its fields and the
    structured rows' inputs by name (web.change_rows.ROW_KEYS), one value per row."""

    year: str
    held_on: str
    summary: str
    participants: str
    changes: str
    session_number: str
    columns: dict[str, list[str]]

    def values(self) -> dict[str, Any]:
        """What was typed, to show the form again; the caller adds the rows."""
        return {
            "year": self.year,
            "held_on": self.held_on,
            "summary": self.summary,
            "participants": self.participants,
            "changes": self.changes,
            "session_number": self.session_number[:10],
            "rows": [],
        }


def session_form(
    year: str = Form(""),
    held_on: str = Form(""),
    summary: str = Form(""),
    participants: str = Form(""),
    action: list[str] = Form([]),
    field: list[str] = Form([]),
    priority: list[str] = Form([]),
    number: list[str] = Form([]),
    rank: list[str] = Form([]),
    name: list[str] = Form([]),
    product: list[str] = Form([]),
    new_product: list[str] = Form([]),
    page: list[str] = Form([]),
    text: list[str] = Form([]),
    changes: str = Form(""),
    session_number: str = Form(""),
) -> SessionForm:
    columns = {
        "action": action,
        "field": field,
        "priority": priority,
        "number": number,
        "rank": rank,
        "name": name,
        "product": product,
        "new_product": new_product,
        "page": page,
        "text": text,
    }
    return SessionForm(year, held_on, summary, participants, changes, session_number, columns)


@router.post("/admin/session", dependencies=[Depends(auth.check_csrf)])
def session_record(
    request: Request,
    form: SessionForm = Depends(session_form),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    """The session and its change set: from the structured rows or, as an alternative, from
    the pasted TOML (not both); either way the same ChangeSet in the same command."""
    from web.change_rows import change_rows, is_blank, structured_change_set
    from web.forms import parse_change_set

    values = form.values()

    def command() -> RecordSession:
        rows = change_rows(form.columns)
        values["rows"] = rows
        structured = (
            form.summary.strip() or form.participants.strip() or not all(map(is_blank, rows))
        )
        if form.changes.strip() and structured:
            raise KreislaufError(
                "Bitte die Änderungen entweder in den Zeilen oder als TOML angeben, "
                "nicht beides; nichts wurde festgehalten."
            )
        if form.changes.strip():
            change_set = parse_change_set(form.changes)
        else:
            change_set = structured_change_set(
                form.summary, form.participants, rows, _strategy_choices(request, viewer)
            )
        return RecordSession(
            parse_year(form.year),
            parse_day(form.held_on, "held_on"),
            change_set,
            _session_number(form.session_number),
        )

    note = "Festgehalten; die Änderungen gelten erst mit dem Beschluss"
    return run_action(
        request,
        viewer,
        form="session",
        values=values,
        command=command,
        confirm=lambda outcome: confirmation(note, outcome.events),
    )


@router.post("/admin/session/rows", dependencies=[Depends(auth.check_csrf)])
def session_more_rows(
    request: Request,
    form: SessionForm = Depends(session_form),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    """ "Weitere Zeile": the form again with what was typed and one empty row more; nothing
    is recorded."""
    from web.change_rows import MAX_CHANGE_ROWS, change_rows

    values = form.values()
    try:
        values["rows"] = change_rows(form.columns, extra=1)
    except KreislaufError as error:
        values["rows"] = change_rows(
            {key: each[:MAX_CHANGE_ROWS] for key, each in form.columns.items()}
        )
        return admin_page(request, viewer, form="session", error=error, values=values, status=400)
    return admin_page(request, viewer, form="session", values=values)


def _strategy_choices(request: Request, viewer: auth.Viewer) -> StrategyChoices:
    """The fields of action and priorities the structured form may name (web.change_rows)."""
    from web.change_rows import strategy_choices

    with body_session(request, viewer) as (session, body):
        return strategy_choices(session=session, body=body)


@router.post("/admin/resolution/preview", dependencies=[Depends(auth.check_csrf)])
def resolution_preview(
    request: Request,
    year: str = Form(""),
    date: str = Form(""),
    number: str = Form(""),
    edit: str = Form(""),
    paper: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    """Step one: the whole decision is run and rolled back; the page lists the changes the new
    strategy version will contain ("Bitte prüfen"). A mistake shows the form again beside its
    field; `edit`: back to the form with what was typed."""
    from models.strategy_diff import DIFF_LABELS

    values = {"year": year, "date": date, "number": number, "paper": paper}
    if edit:
        return admin_page(request, viewer, form="resolution", values=values)
    try:
        command = RecordResolution(parse_year(year), number, parse_day(date, "adopted_on"), paper)
        diff, events = dry_run(
            request,
            viewer,
            command,
            lambda session, body, outcome: (
                _named(session, body, [dict(entry) for entry in outcome.record.diff]),
                [event.detail for event in outcome.events],
            ),
        )
    except KreislaufError as error:
        return admin_page(
            request, viewer, form="resolution", error=error, values=values, status=status_of(error)
        )
    lines = [{**entry, "label": DIFF_LABELS.get(str(entry["change"]), "")} for entry in diff]
    version = next((text for text in events if text.startswith("Strategie Version")), "")
    context = {
        "viewer": viewer,
        "command": command,
        "values": values,
        "lines": lines,
        "version": version,
    }
    return page(request, "resolution_preview.html", context)


def dry_run(
    request: Request,
    viewer: auth.Viewer,
    command: Command,
    read: Callable[[Session, Body, Outcome], T],
) -> T:
    """The whole decision carried out and rolled back, for a last look before it is taken:
    the handler's own checks against the database, `read` of what it would write; nothing
    is kept. A refusal is the handler's KreislaufError."""
    from services.commands import handle

    with body_session(request, viewer) as (session, body):
        checked = session.begin_nested()
        try:
            outcome = handle(
                command, session=session, body=body, now=now(request), actor=actor(viewer)
            )
            return read(session, body, outcome)
        finally:
            checked.rollback()


def _named(session: Session, body: Body, diff: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The changes with each priority named as people read it ("Schwerpunkt 2": its place in
    the new version, or in the old one if removed), not by its key."""
    from sqlmodel import col, select

    from models.strategy import StrategyVersion
    from models.strategy_versions import load_content
    from services.report_format import PriorityNames, diff_element_name

    new = session.exec(
        select(StrategyVersion)
        .where(StrategyVersion.body_id == body.id)
        .order_by(col(StrategyVersion.number).desc())
    ).first()
    if new is None or new.previous_id is None:
        return diff
    old = session.get_one(StrategyVersion, new.previous_id)
    before, after = (
        PriorityNames.of_content(load_content(session=session, version=version))
        for version in (old, new)
    )
    return [
        {
            **entry,
            "priority": diff_element_name(entry, before, after),
        }
        for entry in diff
    ]


@router.post("/admin/resolution", dependencies=[Depends(auth.check_csrf)])
def resolution_record(
    request: Request,
    year: str = Form(""),
    date: str = Form(""),
    number: str = Form(""),
    paper: str = Form(""),
    viewer: auth.Viewer = Depends(require_admin),
) -> Response:
    """Step two, after "Bitte prüfen": the resolution and the new strategy version are
    recorded."""

    def command() -> RecordResolution:
        return RecordResolution(parse_year(year), number, parse_day(date, "adopted_on"), paper)

    def confirm(outcome: Outcome) -> str:
        return confirmation(f"Beschluss {outcome.record.number} festgehalten", outcome.events)

    values = {"year": year, "date": date, "number": number, "paper": paper}
    return run_action(
        request, viewer, form="resolution", values=values, command=command, confirm=confirm
    )


def confirmation(head: str, events: list[Event]) -> str:
    details = "; ".join(event.detail for event in events)
    return f"{head}: {details}." if details else f"{head}."
