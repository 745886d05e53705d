"""What the cycle's flows say to faction leaders: invitations to the survey and the forum.

Each message has a key (kind, recipient, subject) that makes it unique in the outbox, so a
re-run of a flow queues nothing twice. The words are in the Jinja2 templates.
"""

from __future__ import annotations

import datetime as dt

from models.german import german_date
from notifications.outbox import Message
from notifications.render import render


def survey_invitation(
    *,
    body_slug: str,
    faction_key: str,
    faction_name: str,
    leader: str,
    address: str,
    year: int,
    due: dt.date,
    council: str,
    link: str | None = None,
) -> Message:
    """`link`: the faction's personal survey link (None: no base URL is configured)."""
    rendered = render(
        "survey_invitation",
        {
            "leader": leader,
            "faction": faction_name,
            "council": council,
            "year": year,
            "due": german_date(due),
            "link": link,
        },
    )
    return Message(
        key=f"survey_invitation:faction:{body_slug}/{faction_key}:{year}",
        kind="survey_invitation",
        recipient=f"faction:{faction_key}",
        address=address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        tags=(f"body:{body_slug}", f"faction:{body_slug}/{faction_key}"),
    )


def session_invitation(
    *,
    body_slug: str,
    faction_key: str,
    faction_name: str,
    leader: str,
    address: str,
    year: int,
    kind_label: str,
    window: tuple[dt.date, dt.date],
    reason: str,
    session_key: str = "",
) -> Message:
    rendered = render(
        "forum_invitation",
        {
            "leader": leader,
            "faction": faction_name,
            "year": year,
            "kind_label": kind_label,
            "kind_article": "die" if kind_label.startswith("Klausur") else "das",
            "reason": reason,
            "opens": german_date(window[0]),
            "closes": german_date(window[1]),
        },
    )
    return Message(
        key=f"forum_invitation:faction:{body_slug}/{faction_key}:{year}{session_key}",
        kind="forum_invitation",
        recipient=f"faction:{faction_key}",
        address=address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        tags=(f"body:{body_slug}", f"faction:{body_slug}/{faction_key}"),
    )


def deadline_moved(
    *,
    body_slug: str,
    assignee: str,
    name: str,
    address: str,
    tags: tuple[str, ...],
    year: int,
    deadline_key: str,
    title: str,
    before: dt.date,
    after: dt.date,
    reason: str,
    moved_at: dt.datetime,
) -> Message:
    """A deadline moved with a council or committee session; one per assignee and move (a
    deadline moved back and forth is told each time)."""
    rendered = render(
        "deadline_moved",
        {
            "name": name,
            "title": title,
            "year": year,
            "before": german_date(before),
            "after": german_date(after),
            "reason": reason,
        },
    )
    return Message(
        key=(
            f"deadline_moved:{assignee}:{body_slug}/{year}/{deadline_key}:{after.isoformat()}"
            f"@{moved_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
        ),
        kind="deadline_moved",
        recipient=assignee,
        address=address,
        subject=rendered.subject[:300],
        text=rendered.text,
        html=rendered.html,
        tags=(f"body:{body_slug}", *tags),
    )
