"""OParl 1.1 objects as kreislauf reads them, and the body's OParl settings (body.toml, [oparl]).

Pure shapes: the client (services.oparl_client) fetches, these models check each object's
required properties before anything is stored. Unknown properties are ignored (the standard
allows vendor extensions); what is needed must be there and well-formed: an `id`, the
`type` of the object, a meeting's `start` with a zone offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
)

URL = r"^https?://[^\s]+$"
KEY = r"^[a-z][a-z0-9_-]*$"
Url = Annotated[str, Field(min_length=8, max_length=1000, pattern=URL)]
Reference = Annotated[str, Field(min_length=1, max_length=1000)]

COUNCIL = "council"  # the role of the council's meetings; a committee's role is its key


class OParlSettings(BaseModel):
    """body.toml, [oparl]: where the council information system is and which of its
    organizations are the council and the committees (id, name or short name)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    system: Url  # the System object's URL, e.g. https://ris.example.org/oparl/v1/system
    body: Reference | None = None  # the OParl Body (id or name); needed when there are several
    council: Reference | None = None  # the council's Organization (id, name or short name)
    # committee key (organisation.toml) -> its Organization (id, name or short name)
    committees: dict[Annotated[str, Field(pattern=KEY, max_length=64)], Reference] = Field(
        default_factory=dict, max_length=100
    )
    timeout_seconds: StrictInt = Field(default=20, ge=1, le=120)
    max_pages: StrictInt = Field(default=50, ge=1, le=1000)

    def roles(self) -> dict[str, str]:
        """Role (COUNCIL or a committee key) -> the organization it names."""
        named = {COUNCIL: self.council} if self.council else {}
        return {**named, **self.committees}


class _Object(BaseModel):
    """What every OParl object has: an `id` (its URL) and a `type` naming its kind."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    kind: ClassVar[str] = ""

    id: Url
    type: str = Field(min_length=1, max_length=200)
    modified: AwareDatetime | None = None

    @field_validator("type")
    @classmethod
    def _of_kind(cls, value: str) -> str:
        if not value.rstrip("/").endswith("/" + cls.kind):
            raise ValueError(f"{cls.kind} erwartet, gefunden {value[:100]!r}")
        return value


class OParlSystem(_Object):
    kind: ClassVar[str] = "System"
    body: Url  # the list of bodies


class OParlBody(_Object):
    kind: ClassVar[str] = "Body"
    name: str = Field(min_length=1, max_length=500)
    shortName: str | None = Field(default=None, max_length=200)  # noqa: N815 (OParl's name)
    organization: Url  # the list of organizations
    meeting: Url | None = None  # the list of all meetings


class OParlOrganization(_Object):
    kind: ClassVar[str] = "Organization"
    name: str | None = Field(default=None, max_length=500)
    shortName: str | None = Field(default=None, max_length=200)  # noqa: N815 (OParl's name)
    meeting: Url | None = None  # the list of this organization's meetings

    def is_named(self, reference: str) -> bool:
        return reference in (self.id, self.name, self.shortName)


class OParlMeeting(_Object):
    kind: ClassVar[str] = "Meeting"
    name: str | None = Field(default=None, max_length=500)
    start: AwareDatetime
    end: AwareDatetime | None = None
    cancelled: StrictBool = False
    organization: list[Url] = Field(default_factory=list, max_length=100)


class OParlDeleted(_Object):
    """A deleted object as lists with `modified_since` show it: id, type, `deleted: true`."""

    kind: ClassVar[str] = "Meeting"
    deleted: StrictBool


class OParlLinks(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    next: Url | None = None


class OParlPage(BaseModel):
    """One page of an object list: `data`, and `links.next` unless it is the last page."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    data: list[dict[str, object]] = Field(max_length=1000)
    links: OParlLinks = OParlLinks()


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)
