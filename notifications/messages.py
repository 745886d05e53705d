"""What the cycle's flows say to people, in German: invitations to the survey and the forum.

Each message has a key (kind, recipient, subject) that makes it unique in the outbox, so a
re-run of a flow queues nothing twice.
"""

from __future__ import annotations

import datetime as dt

from notifications.outbox import Message


def survey_invitation(
    *,
    faction_key: str,
    faction_name: str,
    leader: str,
    address: str,
    year: int,
    due: dt.date,
    council: str,
) -> Message:
    return Message(
        key=f"survey_invitation:faction:{faction_key}:{year}",
        kind="survey_invitation",
        recipient=f"faction:{faction_key}",
        address=address,
        subject=f"Befragung {year}: Aktualisierungsbedarf der strategischen Schwerpunkte",
        text=(
            f"Guten Tag {leader},\n\n"
            f"die Verwaltung fragt die Fraktionsvorsitzenden im {council}, ob aus Sicht der "
            f"{faction_name} Bedarf besteht, die strategischen Schwerpunkte {year} zu "
            "aktualisieren (Forum Zukunftsstrategie).\n\n"
            f"Bitte antworten Sie bis {due.strftime('%d.%m.%Y')}.\n"
        ),
    )


def session_invitation(
    *,
    faction_key: str,
    faction_name: str,
    leader: str,
    address: str,
    year: int,
    kind_label: str,
    window: tuple[dt.date, dt.date],
    reason: str,
) -> Message:
    opens, closes = (day.strftime("%d.%m.%Y") for day in window)
    return Message(
        key=f"forum_invitation:faction:{faction_key}:{year}",
        kind="forum_invitation",
        recipient=f"faction:{faction_key}",
        address=address,
        subject=f"{kind_label} {year}: Einladung",
        text=(
            f"Guten Tag {leader},\n\n"
            f"die {kind_label} {year} ist einberufen ({reason}). Sie findet im Zeitraum "
            f"{opens} bis {closes} statt; der Termin folgt. Die {faction_name} ist "
            "herzlich eingeladen.\n"
        ),
    )
