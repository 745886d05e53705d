"""Deadlines as iCalendar (RFC 5545): one all-day event per deadline, with a stable UID.

A stable UID (body, year, deadline key) lets calendar programs update an imported deadline
instead of duplicating it when the file is imported again.

The text is written directly (the dispatcher attaches one file to every digest, and building
it with icalendar's objects cost more than rendering the message): CRLF line ends, TEXT
values escaped (backslash, semicolon, comma, newline), lines folded at 75 octets without
splitting a UTF-8 character. tests/test_delivery.py parses it back with icalendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

PRODID = "-//kreislauf//Strategischer Steuerungskreislauf//DE"


@dataclass(frozen=True)
class CalendarEntry:
    key: str
    title: str
    due: dt.date
    phase_title: str
    responsible: list[str]


def escape(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded into lines of at most 75 octets (RFC 5545 3.1), CRLF ended."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # never inside a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # a continuation line starts with a space
    parts.append(data[start:].decode("utf-8"))
    return "\r\n ".join(parts) + "\r\n"


def deadlines_to_ics(
    entries: Iterable[CalendarEntry],
    *,
    body_slug: str,
    body_name: str,
    year: int,
    now: dt.datetime,
) -> bytes:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR\r\n",
        "VERSION:2.0\r\n",
        fold(f"PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN\r\n",
        # as icalendar wrote it: an unknown property's value as it is (calendar programs
        # show it without unescaping)
        fold(f"X-WR-CALNAME:Fristen {year} – {' '.join(body_name.splitlines())}"),
    ]
    for entry in entries:
        responsible = ", ".join(entry.responsible) or "–"
        description = f"Phase: {entry.phase_title}\nZuständig: {responsible}"
        lines += [
            "BEGIN:VEVENT\r\n",
            fold(f"SUMMARY:{escape(f'Frist: {entry.title}')}"),
            f"DTSTART;VALUE=DATE:{entry.due:%Y%m%d}\r\n",
            f"DTEND;VALUE=DATE:{entry.due + dt.timedelta(days=1):%Y%m%d}\r\n",
            f"DTSTAMP:{stamp}\r\n",
            fold(f"UID:{escape(f'{body_slug}-{year}-{entry.key}@kreislauf')}"),
            fold(f"CATEGORIES:{escape(entry.phase_title)}"),
            fold(f"DESCRIPTION:{escape(description)}"),
            "TRANSP:TRANSPARENT\r\n",
            "END:VEVENT\r\n",
        ]
    lines.append("END:VCALENDAR\r\n")
    return "".join(lines).encode("utf-8")
