"""A small OParl 1.1 client: System -> Body -> Organization -> Meeting, read only.

Bounded on every side: a timeout per request, a size limit per response, at most
`max_pages` pages per list, and a list whose `links.next` comes back to a page already read
is refused. Any problem is one `OParlError` (German, naming the URL and the property); the
caller stores nothing then.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from config.german_errors import german_errors
from models.errors import KreislaufError
from models.oparl import (
    OParlBody,
    OParlDeleted,
    OParlMeeting,
    OParlOrganization,
    OParlPage,
    OParlSettings,
    OParlSystem,
)

MAX_RESPONSE_BYTES = 5_000_000  # a page of 1000 meetings is far below
M = TypeVar("M", bound=BaseModel)


class OParlError(KreislaufError):
    """The council information system answered wrongly or not at all; nothing was changed."""

    exit_code = 1


@dataclass(frozen=True)
class FetchedMeeting:
    role: str  # "council" or a committee key
    meeting: OParlMeeting | None  # None: deleted (only its id is known)
    oparl_id: str


@dataclass
class Snapshot:
    """What one sync read: the meetings of every configured organization, and the pages."""

    meetings: list[FetchedMeeting] = field(default_factory=list)
    pages: int = 0


class OParlClient:
    def __init__(self, settings: OParlSettings, *, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.pages = 0
        self.host = urlsplit(settings.system).hostname  # every address must stay on it
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout_seconds),
            follow_redirects=True,
            max_redirects=5,
            headers={"Accept": "application/json"},
            transport=transport,
        )

    def __enter__(self) -> OParlClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def get(self, url: str) -> Any:
        """The JSON document at `url`; OParlError for anything but a bounded JSON answer."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise OParlError(f"OParl: {url}: nur http- und https-Adressen werden gelesen.")
        self._same_host(url)
        deadline = time.monotonic() + self.settings.timeout_seconds  # the whole answer
        try:
            with self._client.stream("GET", url) as response:
                self._same_host(str(response.url))  # also after a redirect
                if response.status_code != 200:
                    raise OParlError(
                        f"OParl: {url} antwortet mit Status {response.status_code}; "
                        "nichts wurde geändert."
                    )
                raw = bytearray()
                for chunk in response.iter_bytes():
                    raw += chunk
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the answer takes too long", request=None)
                    if len(raw) > MAX_RESPONSE_BYTES:
                        raise OParlError(
                            f"OParl: {url}: die Antwort ist größer als "
                            f"{MAX_RESPONSE_BYTES // 1_000_000} MB; nichts wurde geändert."
                        )
        except httpx.TimeoutException:
            raise OParlError(
                f"OParl: {url} antwortet nicht innerhalb von {self.settings.timeout_seconds} s; "
                "nichts wurde geändert."
            ) from None
        except httpx.HTTPError as error:
            raise OParlError(
                f"OParl: {url} ist nicht erreichbar ({type(error).__name__}); "
                "nichts wurde geändert."
            ) from None
        try:
            return json.loads(bytes(raw).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise OParlError(f"OParl: {url}: kein gültiges JSON; nichts wurde geändert.") from None

    def _same_host(self, url: str) -> None:
        """The system's links lead to its own host only: the sync never fetches from
        wherever a remote answer points (e.g. an internal address)."""
        if urlsplit(url).hostname != self.host:
            raise OParlError(
                f"OParl: {url} liegt nicht auf dem Server der Schnittstelle ({self.host}); "
                "nichts wurde geändert."
            )

    def object(self, url: str, model: type[M], data: Any = None) -> M:
        data = self.get(url) if data is None else data
        return checked(url, model, data)

    def items(self, url: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a paginated list, following `links.next`."""
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        seen: set[str] = set()
        page_url: str | None = url
        while page_url is not None:
            if page_url in seen:
                raise OParlError(
                    f"OParl: {page_url}: die Seitenfolge (links.next) kehrt zu einer schon "
                    "gelesenen Seite zurück; nichts wurde geändert."
                )
            if len(seen) >= self.settings.max_pages:
                raise OParlError(
                    f"OParl: {url}: mehr als {self.settings.max_pages} Seiten "
                    "(max_pages in body.toml, [oparl]); nichts wurde geändert."
                )
            seen.add(page_url)
            page = checked(page_url, OParlPage, self.get(page_url))
            self.pages += 1
            for index, item in enumerate(page.data):
                if not isinstance(item, dict):
                    raise OParlError(f"OParl: {page_url}, data[{index}]: Objekt erwartet.")
                yield item
            page_url = page.links.next


def checked(url: str, model: type[M], data: Any) -> M:
    """`data` as `model`, or an OParlError naming the URL and each wrong property."""
    if not isinstance(data, dict):
        raise OParlError(f"OParl: {url}: JSON-Objekt erwartet; nichts wurde geändert.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise OParlError(
            f"OParl: {url} ist nicht OParl-konform; nichts wurde geändert:",
            problems=german_errors(error),
        ) from None


def read_meetings(
    settings: OParlSettings,
    *,
    modified_since: dt.datetime | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Snapshot:
    """The meetings of the council and the committees `settings` names (only those modified
    since `modified_since`, when given). Raises OParlError; reads, never writes."""
    snapshot = Snapshot()
    with OParlClient(settings, transport=transport) as client:
        system = client.object(settings.system, OParlSystem)
        body = _the_body(client, system, settings)
        roles = settings.roles()
        organizations: dict[str, OParlOrganization] = {}
        for item in client.items(body.organization):
            organization = _item(body.organization, item, OParlOrganization)
            for role, reference in roles.items():
                if role not in organizations and organization.is_named(reference):
                    organizations[role] = organization
        missing = [f"{role} = {roles[role]!r}" for role in roles if role not in organizations]
        if missing:
            raise OParlError(
                f"OParl: {body.organization}: diese Gremien gibt es dort nicht "
                "(body.toml, [oparl]); nichts wurde geändert:",
                problems=missing,
            )
        params = {"modified_since": _iso(modified_since)} if modified_since else None
        seen: set[str] = set()
        for role, organization in organizations.items():
            source = organization.meeting or body.meeting
            if source is None:
                raise OParlError(
                    f"OParl: {organization.id}: weder das Gremium noch die Körperschaft nennt "
                    "eine Sitzungsliste (meeting); nichts wurde geändert."
                )
            for item in client.items(source, params):
                found = _meeting(source, item)
                if found.meeting is not None and organization.meeting is None:
                    if organization.id not in found.meeting.organization:
                        continue  # the body's list: only this organization's meetings
                if found.oparl_id in seen:
                    continue  # a joint meeting counts for the first role that lists it
                seen.add(found.oparl_id)
                snapshot.meetings.append(
                    FetchedMeeting(role=role, meeting=found.meeting, oparl_id=found.oparl_id)
                )
        snapshot.pages = client.pages
    return snapshot


def _the_body(client: OParlClient, system: OParlSystem, settings: OParlSettings) -> OParlBody:
    bodies = [_item(system.body, item, OParlBody) for item in client.items(system.body)]
    if settings.body is not None:
        named = [body for body in bodies if settings.body in (body.id, body.name, body.shortName)]
    else:
        named = bodies
    if len(named) != 1:
        names = ", ".join(repr(body.name) for body in bodies[:20]) or "keine"
        what = (
            f"die Körperschaft {settings.body!r} gibt es dort nicht"
            if settings.body is not None and not named
            else "bitte in body.toml, [oparl] body = ... angeben, welche gemeint ist"
        )
        raise OParlError(
            f"OParl: {system.body}: {what} (vorhanden: {names}); nichts wurde geändert."
        )
    return named[0]


@dataclass(frozen=True)
class _Found:
    oparl_id: str
    meeting: OParlMeeting | None


def _meeting(url: str, item: dict[str, Any]) -> _Found:
    if item.get("deleted") is True:
        deleted = _item(url, item, OParlDeleted)
        return _Found(deleted.id, None)
    meeting = _item(url, item, OParlMeeting)
    return _Found(meeting.id, meeting)


def _item(url: str, item: dict[str, Any], model: type[M]) -> M:
    """An object of a list: its errors name the list's URL and the object's id."""
    ident = item.get("id")
    where = f"{url} (Objekt {ident})" if isinstance(ident, str) else url
    return checked(where[:1200], model, item)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
