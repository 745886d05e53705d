"""The next step a cycle expects from the administration, in German, for the admin page.

A pure function of a small snapshot of the cycle's decisions (no database), so that the rule
"what comes next" is written once and tested without one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.decisions import SessionStatus
from models.german import german_date


@dataclass(frozen=True)
class CycleState:
    """What the next step depends on; the web (or any caller) reads it from the database."""

    year: int
    today: dt.date
    closed: bool = False
    election_year: bool = False
    survey_opens_on: dt.date | None = None  # None: the cycle has no survey (election year)
    survey_closes_on: dt.date | None = None
    survey_closed: bool = False  # the survey phase is closed (evaluated)
    factions: int = 0
    answered: int = 0
    session: SessionStatus | None = None  # the forum or retreat, if any row exists
    resolution: bool = False  # the strategy resolution is recorded
    budget_resolution: bool = False


@dataclass(frozen=True)
class NextStep:
    """`form`: the admin page's section where the step is taken (an anchor), if any."""

    key: str
    text: str
    form: str | None = None


def next_step(state: CycleState) -> NextStep:
    """The one step the cycle waits for now, in the cycle's order."""
    session_name = "Klausurtagung" if state.election_year else "Forum"
    if state.closed or state.budget_resolution:
        return NextStep("done", f"Der Steuerungskreislauf {state.year} ist abgeschlossen.")
    if state.session is None and state.survey_opens_on is not None and not state.survey_closed:
        closes = state.survey_closes_on or state.survey_opens_on
        if state.today < state.survey_opens_on:
            return NextStep(
                "survey_planned",
                f"Die Befragung der Fraktionsvorsitzenden beginnt am "
                f"{german_date(state.survey_opens_on)}.",
            )
        if state.today <= closes:
            return NextStep(
                "survey_running",
                f"Befragung läuft bis {german_date(closes)}: {state.answered} von "
                f"{state.factions} Fraktionen haben geantwortet.",
                "f-survey",
            )
        return NextStep(
            "survey_ended",
            f"Die Befragung endete am {german_date(closes)}; der nächste tägliche Abgleich "
            "wertet sie aus. Bei Bedarf das Forum einberufen.",
            "f-convene",
        )
    if state.session is None:
        return NextStep("convene", f"{session_name} einberufen.", "f-convene")
    if state.session == SessionStatus.convened:
        return NextStep("record_session", f"{session_name}-Ergebnis festhalten.", "f-session")
    if state.session == SessionStatus.held and not state.resolution:
        return NextStep("record_resolution", "Beschluss des Kreistags festhalten.", "f-resolution")
    why = (
        "Kein Forum nötig (Befragung ohne Aktualisierungsbedarf). "
        if state.session == SessionStatus.not_needed
        else ""
    )
    return NextStep(
        "record_budget_resolution",
        f"{why}Haushaltsbeschluss festhalten, sobald alle Planungen angenommen sind.",
        "f-budget",
    )
