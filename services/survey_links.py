"""Personal survey links (models.survey_links): issue, reissue, open, and answer through one.

An answer through a link is the same typed command as the admin's form (AnswerSurvey, with
`change` so the faction may change it until the deadline), handed to services.commands with
the actor "link:<faction key>". A refused link writes nothing but its audit entry.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.body import Body
from models.calendar_rules import PhaseKind
from models.commands import AnswerSurvey, ReissueSurveyLink
from models.cycle import Cycle, PhaseStatus
from models.db import id_of
from models.decisions import SurveyAnswer
from models.organisation import Faction
from models.survey_links import (
    LINK_PATH,
    LinkClaim,
    Refusal,
    SurveyLink,
    Window,
    read_claim,
    refusal,
    sign,
    signature_ok,
)
from models.transitions import Event, get_phase
from services.cycles import get_cycle
from services.decisions import find_faction


def link_actor(faction_key: str) -> str:
    return f"link:{faction_key}"


def ensure_link(
    *, session: Session, body: Body, cycle: Cycle, faction: Faction, now: dt.datetime, actor: str
) -> SurveyLink:
    """The faction's link for the cycle, issued (version 1) when there is none yet."""
    link = _link(session, cycle, faction)
    if link is not None:
        return link
    link = SurveyLink(
        body_id=id_of(body),
        cycle_id=id_of(cycle),
        faction_id=id_of(faction),
        version=1,
        secret=secrets.token_urlsafe(32),
        issued_at=now,
    )
    try:
        with session.begin_nested():
            session.add(link)
            session.flush()
    except sa.exc.IntegrityError:  # issued at the same moment elsewhere: that one stands
        issued = _link(session, cycle, faction)
        assert issued is not None
        return issued
    _audit(session, link, faction, cycle, now, actor, "survey_link.issued", None)
    return link


def _link(session: Session, cycle: Cycle, faction: Faction) -> SurveyLink | None:
    return session.exec(
        select(SurveyLink).where(
            SurveyLink.cycle_id == cycle.id, SurveyLink.faction_id == faction.id
        )
    ).first()


def _audit(
    session: Session,
    link: SurveyLink,
    faction: Faction,
    cycle: Cycle,
    now: dt.datetime,
    actor: str,
    action: str,
    before: dict[str, object] | None,
) -> None:
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action=action,
        entity="survey_link",
        entity_id=link.id,
        body_id=link.body_id,
        before=before,
        after={
            "faction": faction.name,
            "year": cycle.year,
            "version": link.version,
            "revoked": link.revoked_at is not None,
        },
    )


def reissue_link(
    command: ReissueSurveyLink, *, session: Session, body: Body, now: dt.datetime, actor: str
) -> tuple[SurveyLink, Faction]:
    """Revoke the faction's link; unless `revoke_only`, a new key and version replace it."""
    cycle = get_cycle(session=session, body=body, year=command.year)
    faction = find_faction(session=session, body=body, name=command.faction)
    link = ensure_link(
        session=session, body=body, cycle=cycle, faction=faction, now=now, actor=actor
    )
    before: dict[str, object] = {"version": link.version, "revoked": link.revoked_at is not None}
    if command.revoke_only:
        link.revoked_at = link.revoked_at or now
        action = "survey_link.revoked"
    else:
        link.version += 1
        link.secret = secrets.token_urlsafe(32)
        link.issued_at, link.revoked_at = now, None
        action = "survey_link.reissued"
    session.add(link)
    session.flush()
    _audit(session, link, faction, cycle, now, actor, action, before)
    return link, faction


def token_of(link: SurveyLink, *, body: Body, cycle: Cycle, faction: Faction) -> str:
    return sign(LinkClaim(body.slug, cycle.year, faction.key, link.version), link.secret)


def link_url(base_url: str | None, token: str) -> str:
    """The link under `KREISLAUF_BASE_URL` (the path alone when it is not set)."""
    return f"{(base_url or '').rstrip('/')}{LINK_PATH}{token}"


@dataclass(frozen=True)
class LinkRow:
    faction: Faction
    token: str
    revoked: bool
    answered: bool


def links_of(
    *, session: Session, body: Body, year: int, now: dt.datetime, actor: str
) -> list[LinkRow]:
    """Every faction's link for `year`'s survey (issued where missing), by faction name."""
    cycle = get_cycle(session=session, body=body, year=year)
    answered = set(
        session.exec(select(SurveyAnswer.faction_id).where(SurveyAnswer.cycle_id == cycle.id))
    )
    rows = []
    for faction in session.exec(
        select(Faction).where(Faction.body_id == body.id).order_by(col(Faction.name))
    ):
        link = ensure_link(
            session=session, body=body, cycle=cycle, faction=faction, now=now, actor=actor
        )
        token = token_of(link, body=body, cycle=cycle, faction=faction)
        rows.append(LinkRow(faction, token, link.revoked_at is not None, faction.id in answered))
    return rows


@dataclass(frozen=True)
class Opened:
    """A valid link: whose, for which cycle, and the answer given so far."""

    body: Body
    cycle: Cycle
    faction: Faction
    window: Window
    answer: SurveyAnswer | None


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    window: Window | None
    body: Body | None


def open_link(*, session: Session, token: str, now: dt.datetime) -> Opened | Refused:
    """What a link's token opens at `now`; nothing is written."""
    claim = read_claim(token)
    if claim is None:
        return Refused(Refusal.invalid, None, None)
    body = session.exec(select(Body).where(Body.slug == claim.body)).first()
    cycle = (
        get_cycle(session=session, body=body, year=claim.year, required=False)
        if body is not None
        else None
    )
    faction = (
        session.exec(
            select(Faction).where(Faction.body_id == body.id, Faction.key == claim.faction)
        ).first()
        if body is not None
        else None
    )
    link = _link(session, cycle, faction) if cycle is not None and faction is not None else None
    if body is None or cycle is None or faction is None or link is None:
        return Refused(Refusal.invalid, None, body)
    window = _window(session, cycle)
    if not signature_ok(token, link.secret):
        # an older version's key differs: say "replaced" only for a claim that is older
        older = claim.version < link.version
        return Refused(Refusal.replaced if older else Refusal.invalid, window, body)
    reason = refusal(
        now=now,
        timezone=body.timezone,
        window=window,
        claimed_version=claim.version,
        version=link.version,
        revoked=link.revoked_at is not None,
    )
    if reason is not None:
        return Refused(reason, window, body)
    assert window is not None  # refusal() returns no_survey without one
    answer = session.exec(
        select(SurveyAnswer).where(
            SurveyAnswer.cycle_id == cycle.id, SurveyAnswer.faction_id == faction.id
        )
    ).first()
    return Opened(body, cycle, faction, window, answer)


def _window(session: Session, cycle: Cycle) -> Window | None:
    phase = get_phase(cycle, PhaseKind.survey, session=session)
    if phase is None:
        return None
    return Window(phase.opens_on, phase.closes_on, PhaseStatus(phase.status) == PhaseStatus.closed)


def record_refusal(
    *, session: Session, refused: Refused, token: str, now: dt.datetime, fallback: Body | None
) -> None:
    """The refused attempt in the audit: the reason and what the link claimed (bounded, no
    token, no key)."""
    claim = read_claim(token)
    body = refused.body or fallback
    audit.record(
        session=session,
        now=now,
        actor="link",
        action="survey_link.refused",
        entity="survey_link",
        entity_id=None,
        body_id=body.id if body is not None else None,
        after={
            "refusal": refused.reason.value,
            "grund": refused.reason.heading,
            "year": claim.year if claim else None,
            "faction": claim.faction if claim else None,
        },
    )


def answer_command(opened: Opened, *, need: bool, comment: str | None) -> AnswerSurvey:
    """The admin form's command, for the link's faction; it may change a given answer."""
    return AnswerSurvey(opened.cycle.year, opened.faction.key, need, comment, change=True)


def events_of_reissue(link: SurveyLink, faction: Faction, today: dt.date) -> list[Event]:
    if link.revoked_at is not None:
        detail = f"{faction.name}: persönlicher Link gesperrt"
    else:
        detail = f"{faction.name}: persönlicher Link neu ausgestellt (Fassung {link.version})"
    return [Event(today, PhaseKind.survey, "survey_link", detail)]
