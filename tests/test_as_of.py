"""The rule of a past view (models.as_of): which status a row had at an instant, read from
its status changes; the day `?on=` names and the instant it ends. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from models.as_of import (
    AsOf,
    BadDay,
    Current,
    StatusChange,
    as_of,
    end_of_day,
    parse_day,
    status_at,
    status_change,
    statuses_at,
    waited_for_review,
)

UTC = dt.UTC


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2027, 3, day, hour, tzinfo=UTC)


SUBMITTED = StatusChange("task", 1, at(10), "open", "submitted", order=5)
ACCEPTED = StatusChange("task", 1, at(12), "submitted", "accepted", order=9)


def test_the_latest_change_at_or_before_the_cutoff_gives_the_status() -> None:
    now = Current("accepted")
    assert status_at([ACCEPTED, SUBMITTED], at(11), now) == "submitted"
    assert status_at([SUBMITTED, ACCEPTED], at(12), now) == "accepted"  # at the cutoff: done
    assert status_at([SUBMITTED, ACCEPTED], at(20), now) == "accepted"


def test_before_the_first_change_the_row_had_that_change_s_before_status() -> None:
    assert status_at([SUBMITTED, ACCEPTED], at(9), Current("accepted")) == "open"


def test_without_changes_the_status_is_the_one_since_creation() -> None:
    assert status_at([], at(1), Current("planned")) == "planned"
    created = at(10)
    assert status_at([], at(11), Current("submitted", created)) == "submitted"
    assert status_at([], at(9), Current("submitted", created)) is None  # not there yet
    assert status_at([ACCEPTED], at(9), Current("accepted", created)) is None


def test_changes_of_the_same_instant_follow_the_audit_order() -> None:
    first = StatusChange("task", 1, at(10), "open", "submitted", order=1)
    second = StatusChange("task", 1, at(10), "submitted", "returned", order=2)
    assert status_at([second, first], at(10), Current("returned")) == "returned"
    assert status_at([second, first], at(9), Current("returned")) == "open"


def test_statuses_at_keeps_rows_apart() -> None:
    other = StatusChange("phase", 1, at(5), "planned", "open")
    current = {("task", 1): Current("accepted"), ("phase", 1): Current("open")}
    assert statuses_at([SUBMITTED, ACCEPTED, other], at(11), current) == {
        ("task", 1): "submitted",
        ("phase", 1): "open",
    }


def test_only_audit_events_with_a_status_before_and_after_are_changes() -> None:
    change = status_change("task", 3, at(2), {"status": "open"}, {"status": "submitted", "x": 1})
    assert change == StatusChange("task", 3, at(2), "open", "submitted")
    assert status_change("submission", 3, at(2), None, {"department": "umwelt"}) is None
    assert status_change("task", None, at(2), {"status": "a"}, {"status": "b"}) is None
    assert status_change("task", 3, at(2), {"name": "a"}, {"name": "b"}) is None


def test_a_day_ends_at_the_body_s_midnight_in_utc() -> None:
    # winter (CET, UTC+1) and summer (CEST, UTC+2)
    assert end_of_day(dt.date(2027, 3, 16), "Europe/Berlin") == dt.datetime(
        2027, 3, 16, 22, 59, 59, 999999, tzinfo=UTC
    )
    assert end_of_day(dt.date(2027, 7, 1), "Europe/Berlin") == dt.datetime(
        2027, 7, 1, 21, 59, 59, 999999, tzinfo=UTC
    )
    # the day the clocks go forward (28 March 2027) still ends at the next midnight
    assert end_of_day(dt.date(2027, 3, 28), "Europe/Berlin") == dt.datetime(
        2027, 3, 28, 21, 59, 59, 999999, tzinfo=UTC
    )


def test_as_of_today_or_empty_is_the_present_and_an_earlier_day_is_past() -> None:
    now = dt.datetime(2027, 3, 16, 23, 30, tzinfo=UTC)  # already the 17th in Berlin
    assert as_of("", now=now, timezone="Europe/Berlin") == AsOf(dt.date(2027, 3, 17), now, False)
    assert as_of("2027-03-17", now=now, timezone="Europe/Berlin").past is False
    past = as_of("2027-03-16", now=now, timezone="Europe/Berlin")
    assert past.past and past.today == dt.date(2027, 3, 16)
    assert past.cutoff == end_of_day(dt.date(2027, 3, 16), "Europe/Berlin")
    assert past.query == "on=2027-03-16"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("16.03.2027", "Das Datum „16.03.2027“ ist ungültig: erwartet JJJJ-MM-TT."),
        ("2027-02-30", "Das Datum „2027-02-30“ ist ungültig: erwartet JJJJ-MM-TT."),
        ("20270316", "Das Datum „20270316“ ist ungültig: erwartet JJJJ-MM-TT."),
        ("1999-12-31", "erwartet ein Jahr von 2000 bis 2199"),
        ("2027-03-18", "liegt in der Zukunft"),
        ("x" * 500, "„" + "x" * 40 + "…“"),
    ],
)
def test_a_bad_or_future_day_is_refused_in_german(text: str, message: str) -> None:
    with pytest.raises(BadDay) as refused:
        parse_day(text, today=dt.date(2027, 3, 17))
    assert message in str(refused.value)
    assert refused.value.field == "on"


def test_a_report_or_plan_waited_until_it_was_decided() -> None:
    cutoff = dt.datetime(2027, 3, 16, 23, tzinfo=dt.UTC)
    later, earlier = cutoff + dt.timedelta(hours=1), cutoff - dt.timedelta(hours=1)
    assert waited_for_review(still_waiting=True, reviewed_at=None, cutoff=cutoff)
    # returned the morning after the day shown: on that day it still waited
    assert waited_for_review(still_waiting=False, reviewed_at=later, cutoff=cutoff)
    assert not waited_for_review(still_waiting=False, reviewed_at=earlier, cutoff=cutoff)
    assert not waited_for_review(still_waiting=False, reviewed_at=cutoff, cutoff=cutoff)
    assert not waited_for_review(still_waiting=False, reviewed_at=None, cutoff=cutoff)
