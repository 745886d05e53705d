"""The cycle's rules: what is due on a day, as a pure function of a hand-built state.

No database and no Prefect: each test builds a `CycleState` like the 2027 cycle of the
shipped Lörrach calendar (or 2029, an election year) and asks `next_steps` what to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from models.calendar_rules import PhaseKind
from models.cycle import CycleStatus, PhaseStatus, TaskStatus
from models.decisions import SessionKind, SessionStatus
from models.reconcile import (
    BudgetDecision,
    CycleState,
    PhaseState,
    SessionState,
    Step,
    TaskState,
    next_steps,
)

D = dt.date
K = PhaseKind

# The windows of config/bodies/loerrach/calendar.toml, expanded for 2027 and 2029.
WINDOWS_2027 = {
    K.evaluation: (D(2027, 2, 1), D(2027, 4, 30)),
    K.survey: (D(2027, 4, 1), D(2027, 4, 30)),
    K.forum: (D(2027, 5, 3), D(2027, 6, 30)),
    K.resolution: (D(2027, 7, 1), D(2027, 7, 21)),
    K.planning: (D(2027, 7, 22), D(2027, 9, 30)),
    K.budget_resolution: (D(2027, 10, 1), D(2027, 12, 15)),
}
WINDOWS_2029 = {
    K.evaluation: (D(2029, 2, 1), D(2029, 4, 30)),
    K.survey: (D(2029, 4, 3), D(2029, 4, 30)),  # Mon 02.04.2029 is Easter Monday
    K.retreat: (D(2029, 9, 3), D(2029, 10, 31)),
    K.resolution: (D(2029, 11, 2), D(2029, 11, 21)),
    K.planning: (D(2029, 7, 2), D(2029, 9, 28)),
    K.budget_resolution: (D(2029, 10, 1), D(2029, 12, 12)),
}
FACTIONS = ("CDU-Fraktion", "Fraktion der Freien Wähler", "SPD-Fraktion")
UMWELT = "Fachbereich Umwelt"
SOZIALES = "Fachbereich Soziales"
REPORT = "Teilhaushaltsbericht vorlegen"
FIGURES = "Ist-Werte der Kennzahlen melden"


def cycle(
    *,
    closed: tuple[PhaseKind, ...] = (),
    opened: tuple[PhaseKind, ...] = (),
    status: CycleStatus = CycleStatus.running,
    election_year: bool = False,
    **facts,  # tasks, answers, session, resolution_recorded, next_cycle_exists
) -> CycleState:
    """A 2027-like cycle (2029 with `election_year`); phases not named are planned."""
    windows = WINDOWS_2029 if election_year else WINDOWS_2027
    phases = tuple(
        PhaseState(
            kind,
            opens,
            closes,
            PhaseStatus.closed
            if kind in closed
            else PhaseStatus.open
            if kind in opened
            else PhaseStatus.planned,
        )
        for kind, (opens, closes) in windows.items()
    )
    facts.setdefault("factions", FACTIONS)
    return CycleState(
        year=2029 if election_year else 2027,
        status=status,
        election_year=election_year,
        phases=phases,
        **facts,
    )


def task(
    phase: PhaseKind, assignee: str, status: TaskStatus, title: str = REPORT, id: int = 0
) -> TaskState:
    return TaskState(id, phase, assignee, title, WINDOWS_2027[phase][1], status)


def with_window(state: CycleState, kind: PhaseKind, opens: dt.date, closes: dt.date) -> CycleState:
    phases = tuple(
        replace(p, opens=opens, closes=closes) if p.kind == kind else p for p in state.phases
    )
    return replace(state, phases=phases)


def held_forum(has_changes: bool = True) -> SessionState:
    return SessionState(SessionKind.forum, SessionStatus.held, has_changes)


def kinds(steps: list[Step]) -> list[tuple[str, PhaseKind]]:
    return [(step.kind, step.phase) for step in steps]


def close_step(steps: list[Step], phase: PhaseKind) -> Step:
    (step,) = [s for s in steps if s.kind == "close_phase" and s.phase == phase]
    return step


ALL_ANSWERED_NO = tuple((name, False) for name in FACTIONS)
BEFORE_FORUM = (K.evaluation, K.survey)
BEFORE_RESOLUTION = (K.evaluation, K.survey, K.forum)
BEFORE_BUDGET = (K.evaluation, K.survey, K.forum, K.resolution, K.planning)


# --------------------------------------------------------------------------- starting


def test_nothing_is_due_before_the_first_phase_opens() -> None:
    state = cycle(status=CycleStatus.planned)
    assert next_steps(state, D(2027, 1, 31)) == []


def test_nothing_is_due_between_phases() -> None:
    state = cycle(
        closed=BEFORE_FORUM, session=SessionState(SessionKind.forum, SessionStatus.convened, False)
    )
    assert next_steps(state, D(2027, 5, 2)) == []  # the forum opens on Monday 03.05.


def test_planned_cycle_with_a_phase_due_is_started_then_the_phase_opened() -> None:
    state = cycle(
        status=CycleStatus.planned,
        tasks=(task(K.evaluation, UMWELT, TaskStatus.planned),),
    )
    steps = next_steps(state, D(2027, 2, 1))
    assert kinds(steps) == [("start_cycle", K.evaluation), ("open_phase", K.evaluation)]


def test_running_cycle_is_not_started_again() -> None:
    state = cycle(closed=(K.evaluation,), tasks=())
    assert kinds(next_steps(state, D(2027, 4, 1))) == [("open_phase", K.survey)]


def test_phases_due_at_once_come_in_calendar_order() -> None:
    # the flow did not run in spring: on 01.04. both evaluation and survey open
    state = cycle(
        status=CycleStatus.planned,
        tasks=(
            task(K.evaluation, UMWELT, TaskStatus.planned),
            task(K.survey, FACTIONS[0], TaskStatus.planned, title="Befragung"),
        ),
    )
    assert kinds(next_steps(state, D(2027, 4, 1))) == [
        ("start_cycle", K.evaluation),
        ("open_phase", K.evaluation),
        ("open_phase", K.survey),
    ]


# --------------------------------------------------------------------------- evaluation


def test_evaluation_stays_open_while_a_task_is_only_submitted() -> None:
    state = cycle(
        opened=(K.evaluation, K.survey),
        tasks=(
            task(K.evaluation, UMWELT, TaskStatus.accepted),
            task(K.evaluation, SOZIALES, TaskStatus.submitted),
        ),
    )
    assert next_steps(state, D(2027, 4, 30), only=K.evaluation) == []


def test_evaluation_closes_early_when_every_task_is_accepted_or_cancelled() -> None:
    state = cycle(
        opened=(K.evaluation,),
        tasks=(
            task(K.evaluation, UMWELT, TaskStatus.accepted),
            task(K.evaluation, SOZIALES, TaskStatus.cancelled),
        ),
    )
    steps = next_steps(state, D(2027, 3, 15))
    assert kinds(steps) == [("close_phase", K.evaluation)]
    assert steps[0].reason == "alle Aufgaben angenommen"
    assert steps[0].late == ()
    assert steps[0].cancel_open_tasks is False


def test_evaluation_closes_the_day_after_its_window_naming_the_late_departments() -> None:
    state = cycle(
        opened=(K.evaluation,),
        closed=(K.survey,),
        tasks=(
            task(K.evaluation, UMWELT, TaskStatus.accepted, title=FIGURES),
            task(K.evaluation, UMWELT, TaskStatus.returned, title=REPORT),
            task(K.evaluation, SOZIALES, TaskStatus.open, title=REPORT),
            task(K.evaluation, "Fachbereich Finanzen", TaskStatus.accepted, title=REPORT),
        ),
    )
    assert next_steps(state, D(2027, 4, 30)) == []  # the last day still belongs to them
    steps = next_steps(state, D(2027, 5, 1))
    assert kinds(steps) == [("close_phase", K.evaluation)]
    assert steps[0].reason == "Zeitfenster abgelaufen"
    assert steps[0].late == (f"{UMWELT} – {REPORT}", f"{SOZIALES} – {REPORT}")


def test_planning_is_a_work_phase_too_and_closes_late_after_september() -> None:
    state = cycle(
        closed=BEFORE_RESOLUTION + (K.resolution,),
        opened=(K.planning,),
        tasks=(task(K.planning, UMWELT, TaskStatus.open, title="Planung"),),
    )
    assert next_steps(state, D(2027, 9, 30)) == []
    steps = next_steps(state, D(2027, 10, 1), only=K.planning)
    assert steps == [
        Step(
            "close_phase",
            K.planning,
            reason="Zeitfenster abgelaufen",
            late=(f"{UMWELT} – Planung",),
        )
    ]


# --------------------------------------------------------------------------- survey


def test_survey_waits_for_missing_factions_until_its_window_ends() -> None:
    state = cycle(closed=(K.evaluation,), opened=(K.survey,), answers=(("CDU-Fraktion", True),))
    assert next_steps(state, D(2027, 4, 30)) == []


def test_survey_closes_as_soon_as_every_faction_has_answered() -> None:
    state = cycle(closed=(K.evaluation,), opened=(K.survey,), answers=ALL_ANSWERED_NO)
    steps = next_steps(state, D(2027, 4, 12))
    assert steps[0] == Step("close_phase", K.survey, reason="alle Fraktionen haben geantwortet")


def test_survey_closes_after_its_window_naming_the_factions_that_did_not_answer() -> None:
    state = cycle(
        closed=(K.evaluation,),
        opened=(K.survey,),
        answers=(("SPD-Fraktion", False),),
    )
    step = close_step(next_steps(state, D(2027, 5, 1)), K.survey)
    assert step.reason == "Frist abgelaufen"
    assert step.late == ("CDU-Fraktion", "Fraktion der Freien Wähler")


def test_any_yes_in_the_survey_convenes_the_forum_naming_who_asked() -> None:
    state = cycle(
        closed=(K.evaluation,),
        opened=(K.survey,),
        answers=(
            ("CDU-Fraktion", True),
            ("Fraktion der Freien Wähler", False),
            ("SPD-Fraktion", True),
        ),
    )
    steps = next_steps(state, D(2027, 4, 20))
    assert kinds(steps) == [("close_phase", K.survey), ("convene_forum", K.survey)]
    assert steps[1].requested_by == ("CDU-Fraktion", "SPD-Fraktion")
    assert steps[1].reason == "Bedarf in der Befragung"


def test_a_late_survey_with_one_yes_still_convenes_the_forum() -> None:
    state = cycle(closed=(K.evaluation,), opened=(K.survey,), answers=(("SPD-Fraktion", True),))
    steps = next_steps(state, D(2027, 5, 1))
    assert kinds(steps) == [("close_phase", K.survey), ("convene_forum", K.survey)]
    assert steps[1].requested_by == ("SPD-Fraktion",)


def test_all_no_in_the_survey_records_that_no_forum_is_needed() -> None:
    state = cycle(closed=(K.evaluation,), opened=(K.survey,), answers=ALL_ANSWERED_NO)
    steps = next_steps(state, D(2027, 4, 20))
    assert kinds(steps) == [("close_phase", K.survey), ("forum_not_needed", K.survey)]
    assert steps[1].reason == "kein Bedarf in der Befragung"


def test_no_answer_at_all_means_no_forum_is_needed() -> None:
    state = cycle(closed=(K.evaluation,), opened=(K.survey,))
    steps = next_steps(state, D(2027, 5, 1))
    assert kinds(steps) == [("close_phase", K.survey), ("forum_not_needed", K.survey)]


def test_an_administrators_forum_makes_the_survey_decide_nothing() -> None:
    convened = SessionState(SessionKind.forum, SessionStatus.convened, False)
    for answers in (ALL_ANSWERED_NO, (("CDU-Fraktion", True),) + ALL_ANSWERED_NO[1:]):
        state = cycle(closed=(K.evaluation,), opened=(K.survey,), answers=answers, session=convened)
        assert kinds(next_steps(state, D(2027, 4, 20))) == [("close_phase", K.survey)]


# --------------------------------------------------------------------------- election year


def test_election_year_survey_only_notes_the_answers_and_convenes_nothing() -> None:
    state = cycle(
        election_year=True,
        closed=(K.evaluation,),
        opened=(K.survey,),
        answers=(
            ("CDU-Fraktion", True),
            ("Fraktion der Freien Wähler", False),
            ("SPD-Fraktion", True),
        ),
    )
    steps = next_steps(state, D(2029, 4, 20))
    assert kinds(steps) == [("close_phase", K.survey), ("note_survey", K.survey)]
    assert steps[1].reason == (
        "Wahljahr: die Klausurtagung ist geplant; Bedarf gemeldet von CDU-Fraktion, SPD-Fraktion"
    )


def test_election_year_survey_without_any_yes_notes_the_planned_retreat() -> None:
    state = cycle(
        election_year=True, closed=(K.evaluation,), opened=(K.survey,), answers=ALL_ANSWERED_NO
    )
    steps = next_steps(state, D(2029, 4, 20))
    assert steps[1] == Step(
        "note_survey", K.survey, reason="Wahljahr: die Klausurtagung ist geplant"
    )


def test_election_year_convenes_the_retreat_when_its_phase_opens() -> None:
    state = cycle(election_year=True, closed=(K.evaluation, K.survey), opened=(K.planning,))
    assert next_steps(state, D(2029, 9, 2), only=K.retreat) == []
    steps = next_steps(state, D(2029, 9, 3), only=K.retreat)
    assert steps == [
        Step("open_phase", K.retreat),
        Step("convene_retreat", K.retreat, reason="Wahljahr"),
    ]


def test_a_retreat_convened_earlier_is_not_convened_again() -> None:
    convened = SessionState(SessionKind.retreat, SessionStatus.convened, False)
    state = cycle(election_year=True, closed=BEFORE_FORUM, session=convened)
    steps = next_steps(state, D(2029, 9, 3), only=K.retreat)
    assert kinds(steps) == [("open_phase", K.retreat)]


def test_election_year_resolution_waits_for_the_november_council_session() -> None:
    held = SessionState(SessionKind.retreat, SessionStatus.held, True)
    state = cycle(
        election_year=True,
        closed=(K.evaluation, K.survey, K.retreat, K.planning),
        opened=(K.resolution, K.budget_resolution),
        session=held,
    )
    assert next_steps(state, D(2029, 11, 21), only=K.resolution) == []
    step = close_step(next_steps(state, D(2029, 11, 22)), K.resolution)
    assert step.reason == "kein Beschluss gefasst: Änderungen nicht wirksam"


# --------------------------------------------------------------------------- forum


def test_forum_without_session_closes_as_not_needed_only_after_its_window() -> None:
    for session in (None, SessionState(SessionKind.forum, SessionStatus.not_needed, False)):
        state = cycle(
            closed=BEFORE_FORUM,
            opened=(K.forum,),
            session=session,
            tasks=(task(K.forum, "Zentrales Controlling", TaskStatus.open, title="Forum"),),
        )
        assert next_steps(state, D(2027, 6, 30)) == []
        steps = next_steps(state, D(2027, 7, 1), only=K.forum)
        assert steps == [
            Step("close_phase", K.forum, reason="nicht erforderlich", cancel_open_tasks=True)
        ]


def test_a_held_forum_closes_its_phase_at_once() -> None:
    state = cycle(closed=BEFORE_FORUM, opened=(K.forum,), session=held_forum())
    steps = next_steps(state, D(2027, 5, 20))
    assert steps == [Step("close_phase", K.forum, reason="Forum Zukunftsstrategie durchgeführt")]


def test_a_forum_held_before_its_phase_opened_opens_and_closes_it() -> None:
    state = cycle(closed=BEFORE_FORUM, session=held_forum())
    assert kinds(next_steps(state, D(2027, 5, 3))) == [
        ("open_phase", K.forum),
        ("close_phase", K.forum),
    ]


def test_a_convened_forum_never_held_closes_as_not_held_with_its_task_late() -> None:
    state = cycle(
        closed=BEFORE_FORUM,
        opened=(K.forum,),
        session=SessionState(SessionKind.forum, SessionStatus.convened, False),
        tasks=(task(K.forum, "Zentrales Controlling", TaskStatus.open, title="Forum"),),
    )
    assert next_steps(state, D(2027, 6, 30)) == []
    step = close_step(next_steps(state, D(2027, 7, 1)), K.forum)
    assert step.reason == "nicht durchgeführt"
    assert step.late == ("Zentrales Controlling – Forum",)
    assert step.cancel_open_tasks is False


# --------------------------------------------------------------------------- resolution


def test_resolution_closes_once_it_is_recorded() -> None:
    state = cycle(
        closed=BEFORE_RESOLUTION,
        opened=(K.resolution,),
        session=held_forum(),
        resolution_recorded=True,
    )
    steps = next_steps(state, D(2027, 7, 21))
    assert steps == [Step("close_phase", K.resolution, reason="Beschluss gefasst")]


@pytest.mark.parametrize(
    "session",
    [
        None,
        SessionState(SessionKind.forum, SessionStatus.not_needed, False),
        held_forum(has_changes=False),
    ],
    ids=["no-session", "not-needed", "held-without-changes"],
)
def test_resolution_closes_at_once_when_nothing_was_agreed(session) -> None:
    state = cycle(
        closed=BEFORE_RESOLUTION,
        session=session,
        tasks=(task(K.resolution, "Zentrales Controlling", TaskStatus.planned, title="Vorlage"),),
    )
    steps = next_steps(state, D(2027, 7, 1))
    assert steps == [
        Step("open_phase", K.resolution),
        Step(
            "close_phase",
            K.resolution,
            reason="kein Beschluss erforderlich",
            cancel_open_tasks=True,
        ),
    ]


def test_resolution_waits_while_a_forum_can_still_bring_changes() -> None:
    # a body whose resolution window overlaps the forum's: no "nothing to decide" too early
    state = cycle(
        closed=BEFORE_FORUM,
        opened=(K.forum, K.resolution),
        session=SessionState(SessionKind.forum, SessionStatus.convened, False),
    )
    state = with_window(state, K.resolution, D(2027, 6, 15), D(2027, 7, 21))
    assert next_steps(state, D(2027, 6, 30), only=K.resolution) == []
    step = close_step(next_steps(state, D(2027, 7, 1)), K.resolution)
    assert step.reason == "kein Beschluss erforderlich"


def test_resolution_waits_for_a_held_change_set_until_the_council_session() -> None:
    state = cycle(closed=BEFORE_RESOLUTION, opened=(K.resolution,), session=held_forum())
    assert next_steps(state, D(2027, 7, 2)) == []
    assert next_steps(state, D(2027, 7, 21)) == []


def test_resolution_not_taken_by_window_end_leaves_the_changes_without_effect() -> None:
    state = cycle(
        closed=BEFORE_RESOLUTION,
        opened=(K.resolution,),
        session=held_forum(),
        tasks=(task(K.resolution, "Zentrales Controlling", TaskStatus.open, title="Vorlage"),),
    )
    step = close_step(next_steps(state, D(2027, 7, 22)), K.resolution)
    assert step.reason == "kein Beschluss gefasst: Änderungen nicht wirksam"
    assert step.late == ("Zentrales Controlling – Vorlage",)
    assert step.cancel_open_tasks is False


# --------------------------------------------------------------------------- budget and close


def test_budget_resolution_waits_for_the_december_council_session() -> None:
    state = cycle(closed=BEFORE_BUDGET, opened=(K.budget_resolution,))
    assert next_steps(state, D(2027, 12, 14)) == []


BUDGET = BudgetDecision("HH/2027/012", D(2027, 12, 15))


def test_budget_resolution_closes_with_the_recorded_resolution_then_the_cycle_and_the_next() -> (
    None
):
    state = cycle(closed=BEFORE_BUDGET, opened=(K.budget_resolution,), budget_resolution=BUDGET)
    steps = next_steps(state, D(2027, 12, 16))
    assert steps == [
        Step(
            "close_phase",
            K.budget_resolution,
            reason="Haushalt beschlossen: Nr. HH/2027/012 vom 15.12.2027",
        ),
        Step("close_cycle", K.budget_resolution),
        Step("create_next_cycle", K.budget_resolution),
    ]


def test_budget_resolution_does_not_create_a_next_cycle_that_exists() -> None:
    state = cycle(
        closed=BEFORE_BUDGET,
        opened=(K.budget_resolution,),
        next_cycle_exists=True,
        budget_resolution=BUDGET,
    )
    assert kinds(next_steps(state, D(2027, 12, 15))) == [
        ("close_phase", K.budget_resolution),
        ("close_cycle", K.budget_resolution),
    ]


def test_closed_cycle_only_asks_for_the_missing_next_cycle() -> None:
    everything = tuple(WINDOWS_2027)
    state = cycle(status=CycleStatus.closed, closed=everything)
    assert next_steps(state, D(2028, 1, 10)) == [Step("create_next_cycle", K.budget_resolution)]
    assert next_steps(state, D(2028, 1, 10), only=K.budget_resolution) == [
        Step("create_next_cycle", K.budget_resolution)
    ]
    assert next_steps(state, D(2028, 1, 10), only=K.evaluation) == []


def test_closed_cycle_with_its_successor_asks_for_nothing() -> None:
    state = cycle(status=CycleStatus.closed, closed=tuple(WINDOWS_2027), next_cycle_exists=True)
    assert next_steps(state, D(2027, 12, 15)) == []
    assert next_steps(state, D(2030, 1, 1)) == []


def test_closed_cycle_asks_for_nothing_even_with_phases_left_open() -> None:
    state = cycle(status=CycleStatus.closed, opened=(K.planning,), next_cycle_exists=True)
    assert next_steps(state, D(2027, 12, 20)) == []


# --------------------------------------------------------------------------- only and purity


def test_only_limits_the_steps_to_one_phase() -> None:
    state = cycle(
        opened=(K.evaluation, K.survey),
        tasks=(task(K.evaluation, UMWELT, TaskStatus.open),),
        answers=ALL_ANSWERED_NO,
    )
    today = D(2027, 5, 1)
    everything = next_steps(state, today)
    assert {step.phase for step in everything} == {K.evaluation, K.survey}
    assert kinds(next_steps(state, today, only=K.evaluation)) == [("close_phase", K.evaluation)]
    assert kinds(next_steps(state, today, only=K.survey)) == [
        ("close_phase", K.survey),
        ("forum_not_needed", K.survey),
    ]
    assert next_steps(state, today, only=K.forum) == []


def test_only_still_starts_a_planned_cycle_for_its_phase() -> None:
    state = cycle(status=CycleStatus.planned)
    assert kinds(next_steps(state, D(2027, 4, 1), only=K.survey)) == [
        ("start_cycle", K.survey),
        ("open_phase", K.survey),
    ]


def test_asking_twice_without_applying_anything_gives_the_same_answer() -> None:
    state = cycle(
        status=CycleStatus.planned,
        tasks=(task(K.evaluation, UMWELT, TaskStatus.planned),),
        answers=(("CDU-Fraktion", True),),
    )
    snapshot = cycle(
        status=CycleStatus.planned,
        tasks=(task(K.evaluation, UMWELT, TaskStatus.planned),),
        answers=(("CDU-Fraktion", True),),
    )
    for today in (D(2027, 1, 1), D(2027, 4, 1), D(2027, 5, 1), D(2027, 12, 15)):
        first = next_steps(state, today)
        assert next_steps(state, today) == first
    assert state == snapshot  # the rules never touch the state


def test_state_is_immutable() -> None:
    state = cycle()
    with pytest.raises(AttributeError):
        state.status = CycleStatus.closed  # type: ignore[misc]
