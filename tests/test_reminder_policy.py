"""The reminder policy: which reminders a sweep on a given day sends.

Every expected date below is counted by hand against the public holidays of Baden-Württemberg
(package `holidays`, pinned in `test_bw_holiday_facts_these_tests_rely_on`):

    2026: Fri 25.12., Sat 26.12.
    2027: Fri 01.01., Wed 06.01., Fri 26.03. (Good Friday), Mon 29.03. (Easter Monday),
          Sat 01.05., Thu 06.05. (Ascension), Mon 17.05. (Whit Monday), Thu 27.05. (Corpus
          Christi), Sun 03.10., Mon 01.11. (All Saints), Sat 25.12., Sun 26.12.
    2028: Sat 01.01., Thu 06.01., Mon 01.05., Mon 25.12., Tue 26.12.
    2029: Mon 01.01.
    24.12. and 31.12. are working days.

Offsets count working days from the due date, not counting the due date itself.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict

import pendulum
import pytest
from pydantic import ValidationError

from config.settings import SHIPPED_BODIES
from models.body import Body
from models.calendar_rules import WorkingDays
from models.reminder_policy import (
    ReminderPolicy,
    TaskDue,
    due_reminders,
    kind_label,
    trigger_dates,
    trigger_day,
)

BW = WorkingDays("DE", "BW")
NW = WorkingDays("DE", "NW")
DEFAULT = ReminderPolicy()
# Without catch-up every reminder appears on exactly one sweep day: its sending day.
NO_CATCH_UP = ReminderPolicy(catch_up_working_days=0)

ALL_DEFAULT_KINDS = {
    "advance:10",
    "advance:3",
    "due",
    "overdue:2",
    "escalation:head",
    "escalation:controlling",
}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def days(first: str, last: str) -> list[dt.date]:
    start, end = d(first), d(last)
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def kinds_on(
    due: str | dt.date,
    today: str | dt.date,
    policy: ReminderPolicy = DEFAULT,
    working_days: WorkingDays = BW,
    **task: bool,
) -> set[str]:
    """The kinds the sweep on `today` sends for one task due on `due`."""
    due = d(due) if isinstance(due, str) else due
    today = d(today) if isinstance(today, str) else today
    return {
        kind for _, kind in due_reminders([TaskDue(1, due, **task)], policy, working_days, today)
    }


def sweep_days_by_kind(
    due: str,
    first: str,
    last: str,
    policy: ReminderPolicy = NO_CATCH_UP,
    working_days: WorkingDays = BW,
) -> dict[str, list[dt.date]]:
    """For one task: kind -> every sweep day in [first, last] that sends it."""
    result: dict[str, list[dt.date]] = defaultdict(list)
    for today in days(first, last):
        for kind in sorted(kinds_on(due, today, policy, working_days)):
            result[kind].append(today)
    return dict(result)


def many_tasks(first: str, last: str) -> list[TaskDue]:
    return [TaskDue(n, day) for n, day in enumerate(days(first, last))]


# --------------------------------------------------------------------------- the calendar


def test_bw_holiday_facts_these_tests_rely_on():
    for holiday in [
        "2026-12-25", "2027-01-01", "2027-01-06", "2027-03-26", "2027-03-29", "2027-05-01",
        "2027-05-06", "2027-05-17", "2027-05-27", "2027-11-01", "2027-12-25", "2027-12-26",
        "2028-01-01", "2028-01-06", "2028-05-01", "2028-12-25", "2028-12-26", "2029-01-01",
    ]:  # fmt: skip
        assert BW.holiday_name(d(holiday)) is not None, holiday
        assert not BW.is_working_day(d(holiday)), holiday
    for working in ["2026-12-24", "2026-12-31", "2027-12-24", "2027-12-31", "2028-12-29"]:
        assert BW.is_working_day(d(working)), working
    # Epiphany is a holiday in BW only, not in North Rhine-Westphalia
    assert NW.is_working_day(d("2027-01-06"))


# --------------------------------------------------------------------------- the policy


def test_default_policy_has_two_advance_notices_due_day_overdue_and_two_escalations():
    assert DEFAULT.kinds() == {
        "advance:10": -10,
        "advance:3": -3,
        "due": 0,
        "overdue:2": 2,
        "escalation:head": 5,
        "escalation:controlling": 10,
    }
    assert DEFAULT.send_on_non_working_days is False
    assert DEFAULT.catch_up_working_days == 5


def test_shipped_loerrach_reminders_file_states_the_defaults():
    text = (SHIPPED_BODIES / "loerrach" / "reminders.toml").read_text(encoding="utf-8")
    assert ReminderPolicy.model_validate(tomllib.loads(text)) == DEFAULT


def test_policy_without_due_day_or_escalations_has_only_the_remaining_kinds():
    policy = ReminderPolicy(
        advance_working_days=[5, 5],
        on_due_day=False,
        overdue_working_days=[4, 1],
        escalate_to_head_after=None,
        escalate_to_controlling_after=None,
    )
    assert policy.kinds() == {"advance:5": -5, "overdue:1": 1, "overdue:4": 4}


@pytest.mark.parametrize(
    "toml",
    [
        "escalate_after = 3",  # unknown key (a typo of escalate_to_head_after)
        "advance_working_days = [10, 0]",
        "advance_working_days = [-3]",
        "overdue_working_days = [0]",
        "overdue_working_days = [2, -1]",
        "retry_minutes = [1, 0]",
        "escalate_to_head_after = 0",
        "escalate_to_controlling_after = -10",
        "catch_up_working_days = -1",
        "catch_up_working_days = 31",
        "max_attempts = 0",
        'advance_working_days = ["10"]',  # strict: no strings for numbers
        "on_due_day = 1",  # strict: no numbers for booleans
    ],
)
def test_policy_file_with_unknown_key_or_non_positive_offset_is_refused(toml):
    with pytest.raises(ValidationError):
        ReminderPolicy.model_validate(tomllib.loads(toml))


def test_policy_file_without_retry_steps_is_refused():
    # retry_delay indexes retry_minutes; with [] and max_attempts 6 the dispatcher would
    # fail with an IndexError at the first failed delivery instead of at loading the file.
    with pytest.raises(ValidationError):
        ReminderPolicy.model_validate(tomllib.loads("retry_minutes = []"))


def test_retry_delay_steps_through_the_list_and_repeats_its_last_step():
    minutes = [DEFAULT.retry_delay(attempt) for attempt in range(1, 9)]
    assert minutes == [dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 240, 240, 240, 240)]
    custom = ReminderPolicy(retry_minutes=[2, 10])
    assert custom.retry_delay(1) == dt.timedelta(minutes=2)
    assert custom.retry_delay(2) == dt.timedelta(minutes=10)
    assert custom.retry_delay(7) == dt.timedelta(minutes=10)


def test_kind_labels_are_german():
    assert kind_label("advance:10") == "Frist in 10 Arbeitstagen"
    assert kind_label("advance:3") == "Frist in 3 Arbeitstagen"
    assert kind_label("due") == "heute fällig"
    assert kind_label("overdue:2") == "seit 2 Arbeitstagen überfällig"
    assert kind_label("escalation:head") == "Eskalation an die Leitung"
    assert kind_label("escalation:controlling") == "Eskalation an das Zentrale Controlling"


# --------------------------------------------------------------------------- a Friday deadline


def test_deadline_on_a_friday_sends_each_reminder_on_its_working_day():
    # due Fri 19.02.2027, February without holidays:
    # 10 before: 18,17,16,15, 12,11,10,9,8, 5 -> Fri 05.02.; 3 before: 18,17,16 -> Tue 16.02.
    # after: Mon 22. (1), Tue 23. (2); 24, 25, Fri 26. (5); Mar 1,2,3,4, Fri 05.03. (10)
    assert sweep_days_by_kind("2027-02-19", "2027-01-01", "2027-03-31") == {
        "advance:10": [d("2027-02-05")],
        "advance:3": [d("2027-02-16")],
        "due": [d("2027-02-19")],
        "overdue:2": [d("2027-02-23")],
        "escalation:head": [d("2027-02-26")],
        "escalation:controlling": [d("2027-03-05")],
    }


@pytest.mark.parametrize(
    ("kind", "sending", "working_day_before"),
    [
        ("advance:10", "2027-02-05", "2027-02-04"),
        ("advance:3", "2027-02-16", "2027-02-15"),
        ("due", "2027-02-19", "2027-02-18"),
        ("overdue:2", "2027-02-23", "2027-02-22"),
        ("escalation:head", "2027-02-26", "2027-02-25"),
        ("escalation:controlling", "2027-03-05", "2027-03-04"),
    ],
)
def test_default_policy_first_sends_a_reminder_on_its_sending_day(
    kind, sending, working_day_before
):
    assert kind in kinds_on("2027-02-19", sending)
    assert kind not in kinds_on("2027-02-19", working_day_before)
    first = min(
        day for day in days("2027-01-01", "2027-03-31") if kind in kinds_on("2027-02-19", day)
    )
    assert first == d(sending)


def test_missed_overdue_notice_is_caught_up_for_five_working_days():
    # overdue:2 of Fri 19.02. goes out Tue 23.02.; a sweep that did not run then is caught up by
    # the sweeps of the next 5 working days: Wed 24., Thu 25., Fri 26., Mon 01.03., Tue 02.03.
    # (on 02.03. the 23.02. lies exactly 5 working days back: 1.3., 26., 25., 24., 23.)
    sweeps = [
        day
        for day in days("2027-02-01", "2027-03-31")
        if "overdue:2" in kinds_on("2027-02-19", day)
    ]
    expected = ["2027-02-23", "2027-02-24", "2027-02-25", "2027-02-26", "2027-03-01", "2027-03-02"]
    assert sweeps == [d(day) for day in expected]


def test_catch_up_of_one_working_day_catches_up_yesterdays_missed_sweep():
    # due Wed 17.02.2027: overdue:2 -> Thu 18. (1), Fri 19. (2). Friday's sweep did not run;
    # with catch_up_working_days = 1 the sweep of Monday 22.02. (one working day later) sends it.
    one_day = ReminderPolicy(catch_up_working_days=1)
    assert "overdue:2" in kinds_on("2027-02-17", "2027-02-22", one_day)
    # without catch-up it is lost, so the setting must make a difference
    assert "overdue:2" not in kinds_on("2027-02-17", "2027-02-22", NO_CATCH_UP)


def test_caught_up_reminder_disappears_after_the_catch_up_window():
    # overdue:2 sent Tue 23.02.; Wed 03.03. is 6 working days later: out of any 5-day window
    for today in days("2027-03-03", "2027-04-30"):
        assert "overdue:2" not in kinds_on("2027-02-19", today), today
    # escalation to the head (Fri 26.02.) is gone by Mon 08.03. (6 working days later)
    for today in days("2027-03-08", "2027-04-30"):
        assert "escalation:head" not in kinds_on("2027-02-19", today), today


def test_advance_notices_are_not_caught_up_once_the_due_day_is_reached():
    # advance:3 goes out Tue 16.02.; Wed 17. and Thu 18. may catch it up, Fri 19. may not
    assert "advance:3" in kinds_on("2027-02-19", "2027-02-17")
    assert "advance:3" in kinds_on("2027-02-19", "2027-02-18")
    for today in days("2027-02-19", "2027-03-31"):
        assert not {"advance:10", "advance:3"} & kinds_on("2027-02-19", today), today


def test_due_day_notice_is_not_caught_up_after_its_day():
    assert "due" in kinds_on("2027-02-19", "2027-02-19")
    for today in [*days("2027-01-01", "2027-02-18"), *days("2027-02-20", "2027-03-31")]:
        assert "due" not in kinds_on("2027-02-19", today), today


def test_done_task_gets_no_reminders():
    for today in days("2027-02-01", "2027-03-31"):
        assert kinds_on("2027-02-19", today, open=False) == set(), today


def test_task_of_a_faction_is_not_escalated_to_a_head_but_to_controlling():
    # due Fri 19.02.2027: head would be told Fri 26.02., controlling Fri 05.03.
    assert kinds_on("2027-02-19", "2027-02-26", NO_CATCH_UP, has_head=False) == set()
    assert kinds_on("2027-02-19", "2027-03-05", NO_CATCH_UP, has_head=False) == {
        "escalation:controlling"
    }
    assert kinds_on("2027-02-19", "2027-02-26", NO_CATCH_UP) == {"escalation:head"}
    for today in days("2027-02-01", "2027-03-31"):
        assert "escalation:head" not in kinds_on("2027-02-19", today, has_head=False), today


# --------------------------------------------------------------------------- holidays, weekends


def test_deadline_on_whit_monday_moves_to_tuesday():
    # due Whit Monday 17.05.2027: due-day notice Tue 18.05.
    # 3 before: Fri 14. (1), 13. (2), Wed 12. (3); 10 before: 11. (4), 10. (5), 7. (6),
    # [Thu 6. Ascension], 5. (7), 4. (8), 3. (9), Fri 30.04. (10)
    # after: Tue 18. (1), Wed 19. (2); 20., 21., Mon 24. (5);
    # 25. (6), 26. (7), [Thu 27. Corpus Christi], 28. (8), 31. (9), Tue 01.06. (10)
    assert sweep_days_by_kind("2027-05-17", "2027-04-01", "2027-06-30") == {
        "advance:10": [d("2027-04-30")],
        "advance:3": [d("2027-05-12")],
        "due": [d("2027-05-18")],
        "overdue:2": [d("2027-05-19")],
        "escalation:head": [d("2027-05-24")],
        "escalation:controlling": [d("2027-06-01")],
    }


def test_nothing_is_sent_on_the_whitsun_weekend_and_whit_monday_with_the_default_policy():
    for today in ["2027-05-15", "2027-05-16", "2027-05-17"]:
        assert kinds_on("2027-05-17", today) == set(), today
    assert "due" not in kinds_on("2027-05-17", "2027-05-14")
    assert "due" in kinds_on("2027-05-17", "2027-05-18")


def test_deadline_on_a_saturday_gets_its_due_day_notice_on_monday():
    # due Sat 20.02.2027 -> Mon 22.02.; 3 before: Fri 19. (1), Thu 18. (2), Wed 17. (3)
    assert sweep_days_by_kind("2027-02-20", "2027-02-01", "2027-02-28")["due"] == [d("2027-02-22")]
    assert sweep_days_by_kind("2027-02-20", "2027-02-01", "2027-02-28")["advance:3"] == [
        d("2027-02-17")
    ]
    assert "due" not in kinds_on("2027-02-20", "2027-02-19")
    assert kinds_on("2027-02-20", "2027-02-20") == set()
    assert kinds_on("2027-02-20", "2027-02-21") == set()


def test_trigger_day_of_a_due_date_on_a_holiday_is_the_next_working_day():
    assert trigger_day(d("2027-05-17"), 0, BW) == d("2027-05-18")  # Whit Monday -> Tue
    assert trigger_day(d("2027-03-26"), 0, BW) == d("2027-03-30")  # Good Friday -> Tue after Easter
    assert trigger_day(d("2027-02-19"), 0, BW) == d("2027-02-19")  # a working day stays


NON_WORKING_SWEEP_DAYS = [
    "2027-02-20",  # Saturday
    "2027-02-21",  # Sunday
    "2027-03-26",  # Good Friday
    "2027-03-29",  # Easter Monday
    "2027-05-01",  # Labour Day (a Saturday in 2027)
    "2028-05-01",  # Labour Day on a Monday
    "2027-12-25",  # Christmas on a weekend in 2027
    "2027-12-26",
    "2028-12-25",  # Christmas on Monday and Tuesday in 2028
    "2028-12-26",
]


@pytest.mark.parametrize("today", NON_WORKING_SWEEP_DAYS)
def test_sweep_on_a_weekend_or_holiday_sends_nothing(today):
    tasks = many_tasks("2027-01-01", "2029-02-28")
    assert due_reminders(tasks, DEFAULT, BW, d(today)) == []
    assert trigger_dates(DEFAULT, BW, d(today)) == {}


@pytest.mark.parametrize("today", NON_WORKING_SWEEP_DAYS)
def test_sweep_on_a_weekend_or_holiday_sends_when_the_policy_allows_it(today):
    tasks = many_tasks("2027-01-01", "2029-02-28")
    always = ReminderPolicy(send_on_non_working_days=True)
    assert due_reminders(tasks, always, BW, d(today)) != []
    assert trigger_dates(always, BW, d(today)) != {}


def test_sweep_on_good_friday_with_sending_allowed_catches_up_thursdays_notice():
    # due Tue 23.03.2027: overdue:2 -> Wed 24. (1), Thu 25. (2)
    always = ReminderPolicy(send_on_non_working_days=True)
    assert "overdue:2" in kinds_on("2027-03-23", "2027-03-26", always)
    assert kinds_on("2027-03-23", "2027-03-26", DEFAULT) == set()


def test_working_day_next_to_a_holiday_does_send():
    tasks = many_tasks("2027-01-01", "2029-02-28")
    for today in ["2027-03-25", "2027-03-30", "2027-05-18", "2027-12-27", "2028-12-27"]:
        assert due_reminders(tasks, DEFAULT, BW, d(today)) != [], today


# --------------------------------------------------------------------------- year end


def test_advance_notices_before_a_deadline_early_in_january_count_back_over_christmas():
    # due Mon 03.01.2028 (01.01. is a Saturday, 24. and 31.12. are working days):
    # 3 before: Fri 31.12. (1), Thu 30. (2), Wed 29.12. (3)
    # 10 before: 28. (4), Mon 27. (5), [25./26. weekend], Fri 24. (6), 23. (7), 22. (8),
    # 21. (9), Mon 20.12. (10)
    by_kind = sweep_days_by_kind("2028-01-03", "2027-11-15", "2028-01-31")
    assert by_kind["advance:3"] == [d("2027-12-29")]
    assert by_kind["advance:10"] == [d("2027-12-20")]
    assert by_kind["due"] == [d("2028-01-03")]


def test_advance_notices_before_a_deadline_early_in_january_skip_christmas_and_new_year():
    # due Wed 03.01.2029: 3 before: Tue 02.01. (1), [Mon 01.01. holiday, weekend],
    # Fri 29.12. (2), Thu 28.12. (3); 10 before: Wed 27. (4), [Tue 26., Mon 25. holidays,
    # weekend], Fri 22. (5), 21. (6), 20. (7), 19. (8), 18. (9), Fri 15.12.2028 (10)
    by_kind = sweep_days_by_kind("2029-01-03", "2028-11-15", "2029-01-31")
    assert by_kind["advance:3"] == [d("2028-12-28")]
    assert by_kind["advance:10"] == [d("2028-12-15")]


def test_overdue_notices_after_a_deadline_at_year_end_count_new_years_eve_and_skip_epiphany():
    # due Thu 30.12.2027: after: Fri 31.12. (1), [Sat 01.01. holiday, Sun], Mon 03.01. (2),
    # Tue 4. (3), Wed 5. (4), [Thu 06.01. Epiphany], Fri 07.01. (5),
    # Mon 10. (6), 11. (7), 12. (8), 13. (9), Fri 14.01.2028 (10)
    # before: 3 -> 29. (1), 28. (2), Mon 27. (3); 10 -> 24. (4), 23. (5), 22. (6), 21. (7),
    # 20. (8), Fri 17. (9), Thu 16.12. (10)
    assert sweep_days_by_kind("2027-12-30", "2027-11-15", "2028-02-29") == {
        "advance:10": [d("2027-12-16")],
        "advance:3": [d("2027-12-27")],
        "due": [d("2027-12-30")],
        "overdue:2": [d("2028-01-03")],
        "escalation:head": [d("2028-01-07")],
        "escalation:controlling": [d("2028-01-14")],
    }


def test_deadline_on_new_years_eve_is_reminded_on_that_day():
    assert "due" in kinds_on("2027-12-31", "2027-12-31")
    # and on Christmas Eve 2027 (a Friday, a working day)
    assert "due" in kinds_on("2027-12-24", "2027-12-24")


# --------------------------------------------------------------------------- time zone, DST


def berlin_body() -> Body:
    return Body(slug="loerrach", name="Landkreis Lörrach", kind="Landkreis")


@pytest.mark.parametrize(
    ("instant", "local"),
    [
        # 27.03.2027 is still CET (UTC+1): 23:30Z = 00:30 on Sunday 28.03.
        ("2027-03-27T23:30:00+00:00", "2027-03-28"),
        # after the spring change (28.03. 01:00Z) CEST (UTC+2): 22:30Z = 00:30 on 29.03.
        ("2027-03-28T22:30:00+00:00", "2027-03-29"),
        ("2027-03-28T21:59:00+00:00", "2027-03-28"),
        # 30.10.2027 is still CEST (UTC+2): 22:30Z = 00:30 on Sunday 31.10.
        ("2027-10-30T22:30:00+00:00", "2027-10-31"),
        # after the autumn change (31.10. 01:00Z) CET (UTC+1): 22:30Z = 23:30 on 31.10.
        ("2027-10-31T22:30:00+00:00", "2027-10-31"),
        ("2027-10-31T23:00:00+00:00", "2027-11-01"),
        # New Year's Eve, CET: 23:30Z = 00:30 on 01.01.2028
        ("2027-12-31T23:30:00+00:00", "2028-01-01"),
    ],
)
def test_body_local_date_is_the_date_in_berlin(instant, local):
    assert berlin_body().local_date(dt.datetime.fromisoformat(instant)) == d(local)


def test_body_local_date_of_a_pendulum_instant_is_a_plain_date():
    day = berlin_body().local_date(pendulum.datetime(2027, 3, 28, 22, 30, tz="UTC"))
    assert type(day) is dt.date
    assert day == d("2027-03-29")


def test_sweep_at_seven_after_the_spring_change_finds_the_usual_reminders():
    body = berlin_body()
    # Mon 29.03.2027 07:00 CEST = 05:00Z is Easter Monday: nothing
    monday = body.local_date(dt.datetime(2027, 3, 29, 5, 0, tzinfo=dt.UTC))
    assert monday == d("2027-03-29")
    tasks = [
        TaskDue(1, d("2027-03-30")),  # due Tue: due-day notice
        TaskDue(2, d("2027-04-02")),  # 3 before Fri 02.04.: Thu 1. (1), Wed 31. (2), Tue 30. (3)
        TaskDue(3, d("2027-03-26")),  # due Good Friday: next working day is Tue 30.03.
    ]
    assert due_reminders(tasks, DEFAULT, BW, monday) == []
    # Tue 30.03.2027 07:00 CEST = 05:00Z
    tuesday = body.local_date(dt.datetime(2027, 3, 30, 5, 0, tzinfo=dt.UTC))
    assert tuesday == d("2027-03-30")
    assert set(due_reminders(tasks, DEFAULT, BW, tuesday)) == {
        (1, "due"),
        (2, "advance:3"),
        (3, "due"),
    }


def test_sweep_at_seven_after_the_autumn_change_finds_the_usual_reminders():
    body = berlin_body()
    # Mon 01.11.2027 07:00 CET = 06:00Z is All Saints' Day: nothing
    monday = body.local_date(dt.datetime(2027, 11, 1, 6, 0, tzinfo=dt.UTC))
    assert monday == d("2027-11-01")
    tasks = [
        TaskDue(1, d("2027-11-02")),  # due Tue
        TaskDue(2, d("2027-11-01")),  # due All Saints' Day: next working day Tue 02.11.
        TaskDue(3, d("2027-11-05")),  # 3 before Fri 05.11.: Thu 4. (1), Wed 3. (2), Tue 2. (3)
    ]
    assert due_reminders(tasks, DEFAULT, BW, monday) == []
    tuesday = body.local_date(dt.datetime(2027, 11, 2, 6, 0, tzinfo=dt.UTC))
    assert tuesday == d("2027-11-02")
    assert set(due_reminders(tasks, DEFAULT, BW, tuesday)) == {
        (1, "due"),
        (2, "due"),
        (3, "advance:3"),
    }


# --------------------------------------------------------------------------- the two views


def _assert_views_agree(policy: ReminderPolicy, working_days: WorkingDays, sweeps: list[dt.date]):
    """due_reminders per task == looking each due date up in trigger_dates (the SQL sweep)."""
    checked = 0
    for today in sweeps:
        # every due date within 150 days of the sweep; the sweeps lie in 2027 and 2028
        tasks = [
            TaskDue(n, today + dt.timedelta(days=delta)) for n, delta in enumerate(range(-150, 151))
        ]
        per_task = set(due_reminders(tasks, policy, working_days, today))
        by_date = trigger_dates(policy, working_days, today)
        looked_up = {
            (task.task_id, kind)
            for kind, dates in by_date.items()
            for task in tasks
            if task.due in set(dates)
        }
        assert per_task == looked_up, today
        checked += len(per_task)
    return checked


def _sweep_days() -> list[dt.date]:
    """Every day around the holidays and year ends, every third day otherwise."""
    dense = [
        *days("2027-01-01", "2027-01-15"),
        *days("2027-03-20", "2027-04-08"),
        *days("2027-05-01", "2027-06-05"),
        *days("2027-10-25", "2027-11-08"),
        *days("2027-12-18", "2028-01-15"),
        *days("2028-12-18", "2028-12-31"),
    ]
    sparse = days("2027-01-01", "2028-12-31")[::3]
    return sorted(set(dense) | set(sparse))


def test_trigger_dates_agree_with_due_reminders_for_the_default_policy():
    assert _assert_views_agree(DEFAULT, BW, _sweep_days()) > 1000


def test_trigger_dates_agree_with_due_reminders_for_a_custom_policy():
    custom = ReminderPolicy(
        advance_working_days=[5],
        on_due_day=False,
        overdue_working_days=[1, 4],
        escalate_to_head_after=None,
        escalate_to_controlling_after=None,
        send_on_non_working_days=True,
    )
    assert _assert_views_agree(custom, BW, _sweep_days()) > 1000


def test_trigger_dates_agree_with_due_reminders_for_long_offsets_and_long_catch_up():
    long = ReminderPolicy(
        advance_working_days=[20, 1],
        overdue_working_days=[15],
        escalate_to_head_after=25,
        escalate_to_controlling_after=40,
        catch_up_working_days=30,
    )
    assert _assert_views_agree(long, BW, _sweep_days()[::4]) > 1000


def test_trigger_dates_agree_with_due_reminders_without_catch_up_in_another_state():
    assert _assert_views_agree(NO_CATCH_UP, NW, _sweep_days()[::2]) > 100


def test_trigger_dates_on_a_day_lists_the_hand_counted_due_dates():
    # sweep Fri 19.02.2027 without catch-up: advance:3 for due Wed 24.02. (22., 23., 24.),
    # advance:10 for due Fri 05.03. (22.-26., 1.-5.), due for 19.02. only,
    # overdue:2 for due Wed 17.02. (18., 19.); head: 5 after Fri 12.02. is 15.-19., and a due
    # date on Sat 13. or Sun 14. also counts from Mon 15.: the same 19.02.;
    # controlling: Fri 05.02. (8.-12., 15.-19.) and the weekend 6./7.02. after it
    assert trigger_dates(NO_CATCH_UP, BW, d("2027-02-19")) == {
        "advance:10": [d("2027-03-05")],
        "advance:3": [d("2027-02-24")],
        "due": [d("2027-02-19")],
        "overdue:2": [d("2027-02-17")],
        "escalation:head": [d("2027-02-12"), d("2027-02-13"), d("2027-02-14")],
        "escalation:controlling": [d("2027-02-05"), d("2027-02-06"), d("2027-02-07")],
    }


def test_trigger_dates_on_the_tuesday_after_whitsun_include_the_weekend_and_holiday_deadlines():
    # sweep Tue 18.05.2027 without catch-up: due-day notices for Sat 15., Sun 16. and Whit
    # Monday 17. (all moved to the next working day) and for Tue 18. itself
    assert trigger_dates(NO_CATCH_UP, BW, d("2027-05-18"))["due"] == [
        d("2027-05-15"),
        d("2027-05-16"),
        d("2027-05-17"),
        d("2027-05-18"),
    ]


# --------------------------------------------------------------------------- another state


def test_deadline_on_epiphany_is_reminded_a_day_later_in_bw_than_in_nrw():
    # Wed 06.01.2027 is a holiday in BW (-> Thu 07.01.), a working day in NW
    in_bw = sweep_days_by_kind("2027-01-06", "2026-12-01", "2027-01-31", working_days=BW)
    in_nw = sweep_days_by_kind("2027-01-06", "2026-12-01", "2027-01-31", working_days=NW)
    assert in_bw["due"] == [d("2027-01-07")]
    assert in_nw["due"] == [d("2027-01-06")]
    # a sweep on Epiphany itself sends nothing in BW, the due-day notice in NW
    assert kinds_on("2027-01-06", "2027-01-06", working_days=BW) == set()
    assert kinds_on("2027-01-06", "2027-01-06", working_days=NW) == {"due"}


def test_working_days_back_from_after_epiphany_differ_between_bw_and_nrw():
    # due Fri 08.01.2027, 3 before: BW: Thu 7. (1), [Wed 6. holiday], Tue 5. (2), Mon 4. (3);
    # NW: Thu 7. (1), Wed 6. (2), Tue 5. (3)
    in_bw = sweep_days_by_kind("2027-01-08", "2026-12-01", "2027-01-31", working_days=BW)
    in_nw = sweep_days_by_kind("2027-01-08", "2026-12-01", "2027-01-31", working_days=NW)
    assert in_bw["advance:3"] == [d("2027-01-04")]
    assert in_nw["advance:3"] == [d("2027-01-05")]
