"""The body's own closure days (Schließtage): skipped like public holidays by every working-day
computation, so no deadline and no reminder falls on them; bad entries are refused naming
calendar.toml and the key.

Anchors checked by hand: the 15th working day of September 2027 in BW is Tue 21 Sep (no holiday
in September); with Fri 3 Sep closed it is Wed 22 Sep. 31 Dec 2027 is a Friday, 24 Dec too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.body import Body
from models.calendar_rules import CalendarSpec, WorkingDays, expand_calendar
from models.cycle import Deadline
from models.db import session_scope
from models.reminder_policy import ReminderPolicy, trigger_dates
from notifications.preview import preview_day
from notifications.sweep import plan_sweep
from tests.conftest import Cli, row_counts
from tests.test_calendar_rules import LOERRACH_CALENDAR, phase, spec
from tests.test_config_errors import WIDE, as_second_body, edit, problem_about

d = dt.date
BW = WorkingDays("DE", "BW")
CLOSED_3_SEP = WorkingDays("DE", "BW", frozenset({d(2027, 9, 3)}))


# --------------------------------------------------------------------------- pure rules


def test_a_closure_day_is_not_a_working_day_but_its_neighbours_are():
    closed = WorkingDays("DE", "BW", frozenset({d(2027, 12, 24), d(2027, 12, 31)}))
    assert BW.is_working_day(d(2027, 12, 24)) and BW.is_working_day(d(2027, 12, 31))
    assert not closed.is_working_day(d(2027, 12, 24))
    assert not closed.is_working_day(d(2027, 12, 31))
    assert closed.is_working_day(d(2027, 12, 30))
    assert closed.nth_of_month(2027, 12, -1) == d(2027, 12, 30)  # last working day moves back


def test_a_closure_day_moves_a_working_day_deadline_like_a_holiday():
    calendar = spec(
        phase(
            "planning", "September 1", "September 30", ("planung", "15th working day of September")
        )
    )
    before = expand_calendar(calendar, 2027, working_days=BW, election_year=False)
    after = expand_calendar(calendar, 2027, working_days=CLOSED_3_SEP, election_year=False)
    assert before.deadlines[0].due == d(2027, 9, 21)
    assert after.deadlines[0].due == d(2027, 9, 22)


def test_counting_back_from_a_session_skips_the_closure_day():
    rule = ("vorlage", "3 working days before September 8")
    calendar = spec(phase("planning", "September 1", "September 30", rule))
    # Wed 8 Sep: 3 working days back is Fri 3 Sep, closed -> Thu 2 Sep
    plain = expand_calendar(calendar, 2027, working_days=BW, election_year=False)
    closed = expand_calendar(calendar, 2027, working_days=CLOSED_3_SEP, election_year=False)
    assert plain.deadlines[0].due == d(2027, 9, 3)
    assert closed.deadlines[0].due == d(2027, 9, 2)


def test_no_reminder_is_sent_on_a_closure_day():
    policy = ReminderPolicy()
    assert trigger_dates(policy, BW, d(2027, 9, 3))  # a plain Friday: the sweep sends
    assert trigger_dates(policy, CLOSED_3_SEP, d(2027, 9, 3)) == {}


def test_the_shipped_loerrach_calendar_closes_on_christmas_and_new_years_eve():
    import tomllib

    with LOERRACH_CALENDAR.open("rb") as handle:
        loerrach = CalendarSpec.model_validate(tomllib.load(handle))
    for year in range(2026, 2031):
        assert {d(year, 12, 24), d(year, 12, 31)} <= set(loerrach.closure_days[year])


# --------------------------------------------------------------------------- installed body


@pytest.mark.both_databases
def test_a_closure_day_in_the_calendar_file_moves_the_deadline_of_the_created_cycle(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    edit(
        body_dir,
        "calendar.toml",
        "2027 = [2027-12-24, 2027-12-31]",
        "2027 = [2027-09-03, 2027-12-24, 2027-12-31]",
    )
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    result = cli("cycle", "create", "2027")
    assert result.exit_code == 0, result.output
    with session_scope(engine) as session:
        due = session.exec(select(Deadline.due_on).where(Deadline.key == "planung")).one()
    assert due == d(2027, 9, 22)  # 21 Sep without the closure day


def test_the_sweep_and_the_preview_send_nothing_on_a_closure_day(
    engine: sa.Engine, loerrach
) -> None:
    now = pendulum.datetime(2027, 3, 16, 7, tz="Europe/Berlin")  # a plain Tuesday
    with session_scope(engine) as session:
        assert plan_sweep(session, now)
        body = session.get(Body, loerrach.id)
        assert body is not None
        calendar = dict(body.calendar)
        calendar["closure_days"] = {**calendar.get("closure_days", {}), "2027": ["2027-03-16"]}
        body.calendar = calendar
        session.add(body)
    with session_scope(engine) as session:
        assert plan_sweep(session, now) == []
        body = session.get(Body, loerrach.id)
        assert body is not None
        assert preview_day(session=session, body=body, year=2027, day=d(2027, 3, 16)).closed_day


# --------------------------------------------------------------------------- bad entries

BAD = {
    "not a date": ("2027 = [2027-12-24, 2027-12-31]", '2027 = ["Heiligabend"]', "closure_days"),
    "other year": ("2027 = [2027-12-24, 2027-12-31]", "2027 = [2028-12-24]", "nicht im Jahr 2027"),
    "twice": ("2027 = [2027-12-24, 2027-12-31]", "2027 = [2027-12-24, 2027-12-24]", "mehrfach"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_closure_day_is_refused_naming_file_and_key(
    cli: Cli, engine: sa.Engine, body_dir: Path, case: str
) -> None:
    old, new, words = BAD[case]
    edit(as_second_body(body_dir), "calendar.toml", old, new)
    before = row_counts(engine)
    result = cli("init", "--body-dir", str(body_dir), env=WIDE)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = problem_about(result.output, "calendar.toml", "closure_days")
    assert words in line
    assert row_counts(engine) == before
