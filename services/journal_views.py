"""The audit trail and the outbox read back for people: German words, paged, filtered, as CSV.

The overview used to show the last 50 raw rows (`task.open`, `comment: None`); these pages
speak the controlling office's language. The German words for action keys live in ACTIONS,
the only place that maps them; unknown keys fall back to their entity and status words.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from models.accounts import UserAccount
from models.audit import AuditEvent
from models.body import Body
from models.cycle import CycleStatus, PhaseStatus, TaskStatus
from models.db import folded
from models.decisions import SessionStatus
from models.organisation import Contact, Department, Faction
from models.outbox import OutboxMessage
from models.partial_report import PartialReportStatus
from models.planning import PlanStatus
from models.submissions import SubmissionStatus

PER_PAGE = 50
MAX_PAGE = 10_000
MAX_QUERY = 100
MAX_EXPORT = 50_000  # rows in one CSV download

# action key -> what happened, in German (the one place for these words)
ACTIONS = {
    "body.installed": "Körperschaft eingerichtet",
    "body.updated": "Körperschaft geändert",
    "cycle.created": "Kreislauf angelegt",
    "cycle.planned": "Kreislauf geplant",
    "cycle.running": "Kreislauf gestartet",
    "cycle.closed": "Kreislauf abgeschlossen",
    "phase.open": "Phase eröffnet",
    "phase.closed": "Phase abgeschlossen",
    "task.open": "Aufgabe eröffnet",
    "task.submitted": "Aufgabe eingereicht",
    "task.returned": "Aufgabe zurückgegeben",
    "task.accepted": "Aufgabe angenommen",
    "task.cancelled": "Aufgabe entfällt",
    "task.missed": "Aufgabe versäumt",
    "submission.submitted": "Kennzahlen-Meldung eingereicht",
    "submission.accepted": "Kennzahlen-Meldung angenommen",
    "submission.returned": "Kennzahlen-Meldung zurückgegeben",
    "partial_report.submitted": "Teilhaushaltsbericht eingereicht",
    "partial_report.accepted": "Teilhaushaltsbericht angenommen",
    "partial_report.returned": "Teilhaushaltsbericht zurückgegeben",
    "plan.submitted": "Planung eingereicht",
    "plan.accepted": "Planung angenommen",
    "plan.returned": "Planung zurückgegeben",
    "plan.adopted": "Planung übernommen",
    "budget.import": "Haushaltsdaten eingelesen",
    "budget.ceilings": "Eckwerte festgelegt",
    "budget_resolution.recorded": "Haushaltsbeschluss festgehalten",
    "resolution.recorded": "Strategiebeschluss festgehalten",
    "survey.answered": "Befragung beantwortet",
    "survey.answer_changed": "Antwort in der Befragung geändert",
    "survey_link.issued": "Persönlicher Link ausgestellt",
    "survey_link.reissued": "Persönlicher Link neu ausgestellt",
    "survey_link.revoked": "Persönlicher Link gesperrt",
    "survey_link.refused": "Persönlicher Link abgewiesen",
    "forum.convened": "Forum einberufen",
    "forum.held": "Forum durchgeführt",
    "forum.not_needed": "Forum nicht erforderlich",
    "retreat.convened": "Klausurtagung einberufen",
    "retreat.held": "Klausurtagung durchgeführt",
    "measure.status": "Stand einer Maßnahme geändert",
    "key_figure_value.actual_overwritten": "Ist-Wert überschrieben",
    "outbox.retry": "Nachrichten erneut eingeplant",
    "absence.added": "Abwesenheit eingetragen",
    "user.created": "Benutzer angelegt",
    "user.password_changed": "Passwort geändert",
    "api_token.created": "API-Schlüssel erstellt",
    "login.failed": "Anmeldung fehlgeschlagen",
    "login.locked": "Anmeldung gesperrt",
}
ENTITIES = {
    "body": "Körperschaft",
    "cycle": "Kreislauf",
    "phase": "Phase",
    "task": "Aufgabe",
    "submission": "Kennzahlen-Meldung",
    "partial_report": "Teilhaushaltsbericht",
    "plan": "Planung",
    "user_account": "Benutzer",
    "strategy_session": "Forum/Klausur",
    "resolution": "Beschluss",
    "outbox_message": "Nachricht",
    "survey_answer": "Antwort in der Befragung",
    "survey_link": "Persönlicher Link",
}
# the status words of each entity that has a status
STATUS_WORDS: dict[str, type[StrEnum]] = {
    "cycle": CycleStatus,
    "phase": PhaseStatus,
    "task": TaskStatus,
    "submission": SubmissionStatus,
    "partial_report": PartialReportStatus,
    "plan": PlanStatus,
    "strategy_session": SessionStatus,
}
FIELDS = {
    "status": "Stand",
    "comment": "Kommentar",
    "reason": "Begründung",
    "note": "Vermerk",
    "attempt": "Versuch",
    "filename": "Datei",
    "username": "Benutzername",
    "address": "Adresse",
    "role": "Rolle",
    "year": "Jahr",
    "title": "Titel",
    "number": "Nummer",
    "actual": "Ist",
    "failures": "Fehlversuche",
    "department": "Fachbereich",
    "figures": "Kennzahlen",
    "measures": "Maßnahmen",
    "kind": "Art",
    "done_on": "erledigt am",
    "display_name": "Name",
    "departments": "Fachbereiche",
    "factions": "Fraktionen",
    "strategy_version": "Strategieversion",
    "rows": "Zeilen",
    "need": "Bedarf",
    "faction": "Fraktion",
    "version": "Fassung",
    "revoked": "gesperrt",
    "grund": "Grund",
    "refusal": "Code",
}
HIDDEN_FIELDS = {"sha256", "digest", "password_hash"}  # technical: neither on the page nor CSV
OUTBOX_STATES = {"pending": "wartet", "sent": "gesendet", "failed": "fehlgeschlagen"}


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    entity, _, what = action.partition(".")
    words = STATUS_WORDS.get(entity)
    status = _status_word(words, what) if words else what
    return f"{ENTITIES.get(entity, entity)}: {status}"


def _status_word(words: type[StrEnum], value: object) -> str:
    try:
        return str(getattr(words(str(value)), "label", value))
    except ValueError:
        return str(value)


def _value(entity: str, key: str, value: object) -> str:
    if value is None or value == "":
        return "–"
    if key == "status" and entity in STATUS_WORDS:
        return _status_word(STATUS_WORDS[entity], value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def changes(entity: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """One German line per field: 'Stand: offen → eingereicht', or 'Kommentar: …' when new."""
    before, after = before or {}, after or {}
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        if key in HIDDEN_FIELDS:
            continue
        old, new = before.get(key), after.get(key)
        if old is None and new is None:
            continue
        name = FIELDS.get(key, key.replace("_", " "))
        if key in before and key in after:
            lines.append(f"{name}: {_value(entity, key, old)} → {_value(entity, key, new)}")
        else:
            lines.append(f"{name}: {_value(entity, key, new if key in after else old)}")
    return lines


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime
    who: str
    action: str
    action_label: str
    what: str
    changes: list[str]
    event: AuditEvent


@dataclass(frozen=True)
class Paged:
    rows: list[Any]
    total: int
    page: int
    pages: int
    query: str


def clean_query(text: str) -> str:
    return " ".join(text.split())[:MAX_QUERY]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, query: str) -> Any:
    """`column` contains `query`, ignoring case, umlauts included (models.db.folded)."""
    return folded(column).like(_like(query), escape="\\")


def _json_contains(column: Any, query: str) -> Any:
    """A JSON column contains `query`; rows written before JSON kept umlauts as they are
    hold them escaped ("\\u00e4"), so those spellings match too."""
    text = sa.cast(column, sa.Text)
    # the escapes of lower- and of upper-case umlauts ("\\u00fc", "\\u00dc"), folded as
    # the column is: a capital Ä at a word's start is found by "ä" too
    spellings = {json.dumps(query.lower())[1:-1], json.dumps(query.upper())[1:-1].lower()}
    spellings.discard(query.lower())
    return sa.or_(_contains(text, query), *(_contains(text, spelling) for spelling in spellings))


def _actor_names(session: Session, body: Body) -> dict[str, str]:
    """'web:<username>' -> the user's display name, for this body's users."""
    users = session.exec(
        select(UserAccount.username, UserAccount.display_name).where(UserAccount.body_id == body.id)
    ).all()
    names = {f"web:{username}": name or username for username, name in users}
    factions = session.exec(select(Faction.key, Faction.name).where(Faction.body_id == body.id))
    names.update({f"link:{key}": f"{name} über den persönlichen Link" for key, name in factions})
    return names


def person(session: Session, body: Body, actor: str) -> str:
    """Who did it, as people read it: a user's display name, "Name (Kommandozeile)", ..."""
    return actor_label(actor, _actor_names(session, body))


def actor_label(actor: str, names: dict[str, str]) -> str:
    if actor in names:
        return names[actor]
    kind, _, who = actor.partition(":")
    if kind == "web" and who:
        return f"{who} (Web)"
    if kind == "cli" and who:
        return f"{who} (Kommandozeile)"
    if kind == "link":  # a faction leader's personal survey link (who: the faction's key)
        return f"{who} über den persönlichen Link" if who else "über einen persönlichen Link"
    automatic = {
        "flow": "Automatik (Flow)",
        "tick": "Automatik (täglicher Lauf)",
        "simulation": "Simulation",
    }
    return automatic.get(kind, actor)  # "flow:<run>:<id>": the run's name is in the CSV


def _audit_filter(session: Session, body: Body, query: str) -> Any:
    condition = col(AuditEvent.body_id) == body.id
    if not query:
        return condition
    needle = query.casefold()
    actions = [key for key, words in ACTIONS.items() if needle in words.casefold()]
    entities = [key for key, words in ENTITIES.items() if needle in words.casefold()]
    actors = [a for a, name in _actor_names(session, body).items() if needle in name.casefold()]
    matches = [
        _contains(col(AuditEvent.action), query),
        _contains(col(AuditEvent.actor), query),
        _json_contains(col(AuditEvent.after), query),
        _json_contains(col(AuditEvent.before), query),
    ]
    if actions:
        matches.append(col(AuditEvent.action).in_(actions))
    if entities:
        matches.append(col(AuditEvent.entity).in_(entities))
    if actors:
        matches.append(col(AuditEvent.actor).in_(actors))
    return sa.and_(condition, sa.or_(*matches))


def _page_of(total: int, page: int, per_page: int) -> tuple[int, int]:
    pages = max(1, -(-total // per_page))
    return min(max(page, 1), pages), pages


def _task_names(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    """Task id -> 'deadline title (assignee)': a task is named, not numbered."""
    from models.cycle import Deadline, Task
    from models.organisation import Department, Faction

    ids = {e.entity_id for e in events if e.entity == "task" and e.entity_id}
    if not ids:
        return {}
    rows = session.exec(
        select(Task.id, Deadline.title, Department.name, Faction.name)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id, isouter=True)
        .join(Faction, col(Task.faction_id) == Faction.id, isouter=True)
        .where(col(Task.id).in_(ids))
    ).all()
    return {
        task_id: f"{title} ({department or faction})"
        for task_id, title, department, faction in rows
        if task_id
    }


def _object(event: AuditEvent, tasks: dict[int, str]) -> str:
    if event.entity == "task" and event.entity_id in tasks:
        return f"Aufgabe {tasks[event.entity_id]}"
    number = f" Nr. {event.entity_id}" if event.entity_id else ""
    return ENTITIES.get(event.entity, event.entity) + number


def audit_rows(session: Session, body: Body, events: Iterable[AuditEvent]) -> list[AuditRow]:
    names = _actor_names(session, body)
    events = list(events)
    tasks = _task_names(session, events)
    return [
        AuditRow(
            at=e.at,
            who=actor_label(e.actor, names),
            action=e.action,
            action_label=action_label(e.action),
            what=_object(e, tasks),
            changes=changes(e.entity, e.before, e.after),
            event=e,
        )
        for e in events
    ]


def audit_page(
    *,
    session: Session,
    body: Body,
    query: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
    until: dt.datetime | None = None,
) -> Paged:
    """One page of the body's audit trail, newest first, filtered by `query` (German words,
    action keys, people and details all match)."""
    query = clean_query(query)
    where = _audit_filter(session, body, query)
    if until is not None:  # a past view: what had happened by then
        where = sa.and_(where, col(AuditEvent.at) <= until)
    total = session.exec(select(func.count()).select_from(AuditEvent).where(where)).one()
    page, pages = _page_of(total, page, per_page)
    events = session.exec(
        select(AuditEvent)
        .where(where)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Paged(audit_rows(session, body, events), total, page, pages, query)


def audit_csv(
    *, session: Session, body: Body, query: str = "", until: dt.datetime | None = None
) -> bytes:
    """The (filtered) audit trail for Excel: semicolons, UTF-8 with BOM, German headers."""
    where = _audit_filter(session, body, clean_query(query))
    if until is not None:
        where = sa.and_(where, col(AuditEvent.at) <= until)
    events = session.exec(
        select(AuditEvent)
        .where(where)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(MAX_EXPORT)
    ).all()
    return _csv(
        ["Zeitpunkt (UTC)", "wer", "Aktion", "Aktionsschlüssel", "Objekt", "Änderungen"],
        [
            [
                row.at.isoformat(timespec="seconds"),
                row.who,
                row.action_label,
                row.action,
                row.what,
                "; ".join(changes(row.event.entity, row.event.before, row.event.after)),
            ]
            for row in audit_rows(session, body, events)
        ],
    )


def _outbox_filter(body: Body, query: str) -> Any:
    condition = col(OutboxMessage.body_id) == body.id
    if not query:
        return condition
    states = [key for key, words in OUTBOX_STATES.items() if query.casefold() in words]
    matches = [
        _contains(col(OutboxMessage.subject), query),
        _contains(col(OutboxMessage.address), query),
        _contains(col(OutboxMessage.recipient), query),
    ]
    if states:
        matches.append(col(OutboxMessage.status).in_(states))
    return sa.and_(condition, sa.or_(*matches))


def recipient_names(session: Session, body: Body) -> dict[str, str]:
    """An outbox recipient key ("contact:<id>", "faction:<id or key>") -> who that is, as
    people read it: "Name (Fachbereich)", "Leader (Fraktion)"."""
    names: dict[str, str] = {}
    contacts = session.exec(
        select(Contact.id, Contact.name, Department.name)
        .join(Department, col(Department.id) == col(Contact.department_id))
        .where(Contact.body_id == body.id)
    ).all()
    for contact_id, name, department in contacts:
        names[f"contact:{contact_id}"] = f"{name} ({department})"
    for faction in session.exec(select(Faction).where(Faction.body_id == body.id)).all():
        label = f"{faction.leader} ({faction.name})"
        names[f"faction:{faction.id}"] = label
        names[f"faction:{faction.key}"] = label
    return names


def message_page(
    *,
    session: Session,
    body: Body,
    query: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
    until: dt.datetime | None = None,
) -> Paged:
    query = clean_query(query)
    where = _outbox_filter(body, query)
    if until is not None:  # a past view: the messages written by then
        where = sa.and_(where, col(OutboxMessage.created_at) <= until)
    total = session.exec(select(func.count()).select_from(OutboxMessage).where(where)).one()
    page, pages = _page_of(total, page, per_page)
    rows = session.exec(
        select(OutboxMessage)
        .where(where)
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Paged(list(rows), total, page, pages, query)


def message_csv(
    *, session: Session, body: Body, query: str = "", until: dt.datetime | None = None
) -> bytes:
    where = _outbox_filter(body, clean_query(query))
    if until is not None:
        where = sa.and_(where, col(OutboxMessage.created_at) <= until)
    rows = session.exec(
        select(OutboxMessage)
        .where(where)
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .limit(MAX_EXPORT)
    ).all()
    names = recipient_names(session, body)
    return _csv(
        ["erstellt (UTC)", "an", "Adresse", "Betreff", "Stand", "Versuche", "letzter Fehler"],
        [
            [
                m.created_at.isoformat(timespec="seconds"),
                names.get(m.recipient, m.recipient),
                m.address,
                m.subject,
                OUTBOX_STATES.get(m.status, m.status),
                str(m.attempts),
                m.last_error or "",
            ]
            for m in rows
        ],
    )


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    # a cell that starts like a formula is written as text (no formula injection in Excel)
    writer.writerows([["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in r] for r in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
