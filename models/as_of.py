"""The state of a cycle as it stood on a past day (`?on=YYYY-MM-DD`): which day is meant, the
instant that day ends, and the status each row had then, read back from the audit trail's
status changes (models.transitions.status writes one per change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from models.errors import KreislaufError

FIRST_YEAR, LAST_YEAR = 2000, 2199  # the web's bounds of a year (web.routes.common)
MAX_TEXT = 40  # a longer `on` is not echoed back in full


class BadDay(KreislaufError):
    """`on` is no day of the form JJJJ-MM-TT within the supported years, or lies ahead."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="on")


@dataclass(frozen=True)
class AsOf:
    """The day a page shows: `today` is that day, `cutoff` the UTC instant it ends (the
    body's midnight), `past` whether it is an earlier day than the real today."""

    today: dt.date
    cutoff: dt.datetime
    past: bool

    @property
    def query(self) -> str:
        """The query parameter that keeps this view on links ("" for today's state)."""
        return f"on={self.today.isoformat()}" if self.past else ""


def end_of_day(day: dt.date, timezone: str) -> dt.datetime:
    """The UTC instant the body's calendar day `day` ends (its next midnight, exclusive:
    the last representable instant before it), so that everything of that day counts."""
    zone = ZoneInfo(timezone)
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return next_midnight.astimezone(dt.UTC) - dt.timedelta(microseconds=1)


def parse_day(text: str, *, today: dt.date) -> dt.date:
    """A day `JJJJ-MM-TT` no later than `today`; BadDay with a German message otherwise."""
    shown = text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadDay(f"Das Datum „{shown}“ ist ungültig: erwartet JJJJ-MM-TT.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadDay(
            f"Das Datum „{shown}“ ist ungültig: erwartet ein Jahr von {FIRST_YEAR} bis {LAST_YEAR}."
        )
    if day > today:
        raise BadDay(
            f"Das Datum „{shown}“ liegt in der Zukunft: ein Stand lässt sich nur für heute "
            "oder einen früheren Tag zeigen."
        )
    return day


def as_of(text: str, *, now: dt.datetime, timezone: str) -> AsOf:
    """The view of `text` ("" is today) for a request at the instant `now`."""
    local = now.astimezone(ZoneInfo(timezone))
    today = dt.date(local.year, local.month, local.day)
    if not text:
        return AsOf(today=today, cutoff=now, past=False)
    day = parse_day(text, today=today)
    if day == today:
        return AsOf(today=today, cutoff=now, past=False)
    return AsOf(today=day, cutoff=end_of_day(day, timezone), past=True)


@dataclass(frozen=True)
class StatusChange:
    """One status change of one row: the audit event of models.transitions.status."""

    entity: str
    entity_id: int
    at: dt.datetime
    before: str
    after: str
    order: int = 0  # the audit event's id: orders changes of the same instant


def status_change(
    entity: str,
    entity_id: int | None,
    at: dt.datetime,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    order: int = 0,
) -> StatusChange | None:
    """The status change an audit event records, or None when it records something else
    (a row created, a login, a setting): only `before` and `after` with a status count."""
    if entity_id is None or not before or not after:
        return None
    old, new = before.get("status"), after.get("status")
    if not isinstance(old, str) or not isinstance(new, str):
        return None
    return StatusChange(entity, entity_id, at, old, new, order)


Key = tuple[str, int]


@dataclass(frozen=True)
class Current:
    """A row as it is now: its status and when it came into being (None: always there)."""

    status: str
    created_at: dt.datetime | None = None


def status_at(changes: Iterable[StatusChange], cutoff: dt.datetime, current: Current) -> str | None:
    """The status a row had at `cutoff`: the latest change at or before it; before the
    first change, that change's `before`; without changes, the status it has now. None
    when the row did not exist yet at `cutoff`."""
    if current.created_at is not None and current.created_at > cutoff:
        return None
    ordered = sorted(changes, key=lambda change: (change.at, change.order))
    if not ordered:
        return current.status
    done = [change for change in ordered if change.at <= cutoff]
    return done[-1].after if done else ordered[0].before


def changed_at(changes: Iterable[StatusChange], cutoff: dt.datetime) -> dt.datetime | None:
    """When a row last changed status at or before `cutoff` (None: not since it began)."""
    done = [change.at for change in changes if change.at <= cutoff]
    return max(done) if done else None


def statuses_at(
    changes: Iterable[StatusChange], cutoff: dt.datetime, current: Mapping[Key, Current]
) -> dict[Key, str | None]:
    """`status_at` for every row of `current` (changes of other rows are ignored)."""
    by_row: dict[Key, list[StatusChange]] = {}
    for change in changes:
        by_row.setdefault((change.entity, change.entity_id), []).append(change)
    return {key: status_at(by_row.get(key, []), cutoff, now) for key, now in current.items()}


def waited_for_review(
    *, still_waiting: bool, reviewed_at: dt.datetime | None, cutoff: dt.datetime
) -> bool:
    """An attempt delivered by `cutoff` waited for review then: it waits still, or it was
    decided only after `cutoff` (a partial budget report's or a plan's review time)."""
    return still_waiting or (reviewed_at is not None and reviewed_at > cutoff)
