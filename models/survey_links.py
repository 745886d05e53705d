"""Personal survey links: a faction leader answers the April survey without a login.

A link carries a small claim (body, cycle year, faction, link version) signed with the link's
own random key, which lives in `survey_link` (one row per cycle and faction). Reissuing a link
gives it a new key and version, so the old link's signature no longer verifies; revoking sets
`revoked_at`. The key is stored, not derived from the web's secret, because the links are
issued by flows and the command line, which do not share the web process's key.

The rules here are pure: whether a link is valid at `now` is decided from the phase's window,
the link's row and the claim, never by reading the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Field, SQLModel

from models.german import german_date
from models.types import UTCDateTime

SALT = "kreislauf-survey-link"
LINK_PATH = "/umfrage/"  # the web's route of the link page
MAX_TOKEN = 400  # characters: a real link's token has about 120
MAX_KEY = 64  # a faction's key (models.organisation.Faction.key)


class SurveyLink(SQLModel, table=True):
    """The current personal link of a faction for a cycle's survey."""

    __tablename__ = "survey_link"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "faction_id"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id")
    faction_id: int = Field(foreign_key="faction.id")
    version: int = 1
    secret: str = Field(max_length=64)  # signs the link; never shown, never audited
    issued_at: dt.datetime = Field(sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


@dataclass(frozen=True)
class LinkClaim:
    """What a link says about itself (trusted only once its signature is verified)."""

    body: str
    year: int
    faction: str
    version: int


def sign(claim: LinkClaim, secret: str) -> str:
    """The link's token: the claim, signed with the link's key (URL-safe)."""
    payload = {"b": claim.body, "y": claim.year, "f": claim.faction, "v": claim.version}
    return URLSafeSerializer(secret, salt=SALT).dumps(payload)


def read_claim(token: str) -> LinkClaim | None:
    """The claim a token carries, unverified; None when it is not a link's token at all."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        valid, payload = URLSafeSerializer("", salt=SALT).loads_unsafe(token)
    except Exception:  # any garbage: not a token
        return None
    if not isinstance(payload, dict):
        return None
    body, year, faction, version = (payload.get(k) for k in ("b", "y", "f", "v"))
    if not (
        isinstance(body, str)
        and isinstance(faction, str)
        and 0 < len(body) <= MAX_KEY
        and 0 < len(faction) <= MAX_KEY
        and isinstance(year, int)
        and isinstance(version, int)
        and _integer(year)
        and _integer(version)
    ):
        return None
    return LinkClaim(body, year, faction, version)


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000


def signature_ok(token: str, secret: str) -> bool:
    try:
        URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature:
        return False
    return True


class Refusal(StrEnum):
    """Why a link opens no form (the audit keeps the code, the page says the words)."""

    invalid = "invalid"  # not a token, or a signature that does not verify
    replaced = "replaced"  # an older version: the link was issued anew
    revoked = "revoked"
    no_survey = "no_survey"  # the cycle has no survey (election year) or does not exist
    not_yet = "not_yet"
    closed = "closed"  # the survey is over (deadline passed or all factions answered)

    @property
    def status(self) -> int:
        """403 for a link that is not (or no longer) valid, 410 for a survey that is over."""
        return 410 if self in (Refusal.closed, Refusal.replaced, Refusal.revoked) else 403

    @property
    def heading(self) -> str:
        return {
            "invalid": "Dieser Link ist ungültig",
            "replaced": "Dieser Link wurde ersetzt",
            "revoked": "Dieser Link wurde gesperrt",
            "no_survey": "Zu diesem Link gibt es keine Befragung",
            "not_yet": "Die Befragung hat noch nicht begonnen",
            "closed": "Die Befragung ist abgeschlossen",
        }[self.value]


@dataclass(frozen=True)
class Window:
    """The survey of a cycle as the link rule needs it."""

    opens_on: dt.date
    closes_on: dt.date
    closed: bool  # the phase is closed (all answered, or the flow closed it)


def valid_until(closes_on: dt.date, timezone: str) -> dt.datetime:
    """The end of the survey's last day in the body's time zone (the next day's midnight)."""
    end = dt.datetime.combine(closes_on + dt.timedelta(days=1), dt.time(), ZoneInfo(timezone))
    return end


def refusal(
    *,
    now: dt.datetime,
    timezone: str,
    window: Window | None,
    claimed_version: int,
    version: int,
    revoked: bool,
) -> Refusal | None:
    """Whether a link whose signature verified may be used at `now`: None if it may."""
    if revoked:
        return Refusal.revoked
    if claimed_version != version:
        return Refusal.replaced
    if window is None:
        return Refusal.no_survey
    start = dt.datetime.combine(window.opens_on, dt.time(), ZoneInfo(timezone))
    if now < start:
        return Refusal.not_yet
    if window.closed or now >= valid_until(window.closes_on, timezone):
        return Refusal.closed
    return None


def explanation(reason: Refusal, window: Window | None) -> str:
    """What the page tells the faction leader: what is wrong and what to do."""
    office = "Bitte wenden Sie sich an das Controlling der Kreisverwaltung"
    if reason == Refusal.invalid:
        return (
            "Der Link ist unvollständig oder verändert. Bitte öffnen Sie ihn genau so, wie er "
            f"in Ihrer Nachricht steht. {office}, wenn er dennoch nicht funktioniert."
        )
    if reason in (Refusal.replaced, Refusal.revoked):
        return (
            "Für Ihre Fraktion gilt ein neuerer Link, oder der Link wurde gesperrt. "
            f"{office}; dort erhalten Sie Ihren aktuellen Link."
        )
    if reason == Refusal.not_yet and window is not None:
        return (
            f"Die Befragung beginnt am {german_date(window.opens_on)}. Ab dann können Sie "
            "über diesen Link antworten."
        )
    if reason == Refusal.closed and window is not None:
        return (
            f"Die Befragung ist abgeschlossen (Frist: {german_date(window.closes_on)}); "
            f"Antworten sind nicht mehr möglich. {office}, wenn Sie Ihre Antwort noch "
            "mitteilen möchten."
        )
    return (
        f"Für diesen Kreislauf ist keine Befragung der Fraktionsvorsitzenden vorgesehen. {office}."
    )
