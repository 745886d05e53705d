"""Deadlines as iCalendar (RFC 5545): one all-day event per deadline, with a stable UID.

A stable UID (body, year, deadline key) lets calendar programs update an imported deadline
instead of duplicating it when the file is imported again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CalendarEntry:
    key: str
    title: str
    due: dt.date
    phase_title: str
    responsible: list[str]


def deadlines_to_ics(
    entries: Iterable[CalendarEntry],
    *,
    body_slug: str,
    body_name: str,
    year: int,
    now: dt.datetime,
) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//kreislauf//Strategischer Steuerungskreislauf//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Fristen {year} – {body_name}")
    for entry in entries:
        event = Event()
        event.add("uid", f"{body_slug}-{year}-{entry.key}@kreislauf")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", entry.due)
        event.add("dtend", entry.due + dt.timedelta(days=1))
        event.add("summary", f"Frist: {entry.title}")
        event.add(
            "description",
            f"Phase: {entry.phase_title}\nZuständig: {', '.join(entry.responsible) or '–'}",
        )
        event.add("categories", [entry.phase_title])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
