"""Which reminders are due on a day: a pure function of the policy, the calendar and `today`.

A reminder kind is a signed offset in working days from the due date: advance notices before
it, the due-day notice on it, overdue notices and escalations after it. The day a reminder
is *sent* is its trigger day, moved to the next working day when it falls on a weekend or
holiday (unless the policy sends on such days).

Two views of the same rule:
- `due_reminders(tasks, ...)` asks per task (for previews and tests);
- `trigger_dates(...)` inverts it: for each kind, the due dates whose reminder goes out today.
  The sweep queries the database by those dates, so it never loops over all deadlines.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from models.calendar_rules.working_days import WorkingDays

# Bounds of the settings: beyond them a date leaves the calendar (OverflowError in the sweep)
# or a retry wait leaves timedelta's range (the dispatcher); no sane policy comes near them.
MAX_OFFSET_WORKING_DAYS = 60
MAX_RETRY_MINUTES = 7 * 24 * 60  # one week
WorkingDayOffset = Annotated[StrictInt, Field(ge=1, le=MAX_OFFSET_WORKING_DAYS)]
RetryMinutes = Annotated[StrictInt, Field(ge=1, le=MAX_RETRY_MINUTES)]


class ReminderPolicy(BaseModel):
    """A body's reminder policy (file `reminders.toml`); defaults as agreed with Lörrach."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    advance_working_days: list[WorkingDayOffset] = Field(default=[10, 3], max_length=10)
    on_due_day: StrictBool = True
    overdue_working_days: list[WorkingDayOffset] = Field(default=[2], max_length=10)
    escalate_to_head_after: StrictInt | None = Field(default=5, ge=1, le=MAX_OFFSET_WORKING_DAYS)
    escalate_to_controlling_after: StrictInt | None = Field(
        default=10, ge=1, le=MAX_OFFSET_WORKING_DAYS
    )
    send_on_non_working_days: StrictBool = False
    # a sweep that did not run (server down) is caught up for this many working days
    catch_up_working_days: StrictInt = Field(default=5, ge=0, le=30)
    max_attempts: StrictInt = Field(default=6, ge=1, le=20)
    retry_minutes: list[RetryMinutes] = Field(
        default=[1, 5, 15, 60, 240], min_length=1, max_length=20
    )

    @model_validator(mode="after")
    def _positive(self) -> ReminderPolicy:
        for name in ("advance_working_days", "overdue_working_days", "retry_minutes"):
            if any(value <= 0 for value in getattr(self, name)):
                raise ValueError(f"{name}: nur positive Zahlen")
        return self

    def kinds(self) -> dict[str, int]:
        """Reminder kind -> signed offset in working days from the due date."""
        kinds = {f"advance:{days}": -days for days in sorted(set(self.advance_working_days))}
        if self.on_due_day:
            kinds["due"] = 0
        kinds |= {f"overdue:{days}": days for days in sorted(set(self.overdue_working_days))}
        if self.escalate_to_head_after:
            kinds["escalation:head"] = self.escalate_to_head_after
        if self.escalate_to_controlling_after:
            kinds["escalation:controlling"] = self.escalate_to_controlling_after
        return kinds

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """Wait after the `attempts`-th failed delivery (the last step repeats)."""
        minutes = self.retry_minutes[min(attempts, len(self.retry_minutes)) - 1]
        return dt.timedelta(minutes=minutes)


KIND_LABELS = {
    "advance": "Vorankündigung",
    "due": "heute fällig",
    "overdue": "überfällig",
    "escalation:head": "Eskalation an die Leitung",
    "escalation:controlling": "Eskalation an das Zentrale Controlling",
}


def kind_label(kind: str) -> str:
    if kind.startswith("advance:"):
        return f"Frist in {kind.split(':')[1]} Arbeitstagen"
    if kind.startswith("overdue:"):
        return f"seit {kind.split(':')[1]} Arbeitstagen überfällig"
    return KIND_LABELS[kind]


class Calendar(Protocol):
    """What the rules below ask of the working days: WorkingDays, or the sweep's index of it."""

    def is_working_day(self, day: dt.date) -> bool: ...

    def shift(self, day: dt.date, count: int) -> dt.date: ...


def trigger_day(
    due: dt.date, offset: int, working_days: Calendar, any_day: bool = False
) -> dt.date:
    """The day a reminder with `offset` refers to: counted in working days from the due date;
    a due date on a non-working day is reminded on the next working day (on the day itself
    when the policy sends on any day)."""
    if offset == 0:
        if any_day or working_days.is_working_day(due):
            return due
        return working_days.shift(due, 1)
    return working_days.shift(due, offset)


def sending_day(day: dt.date, policy: ReminderPolicy, working_days: Calendar) -> dt.date:
    if policy.send_on_non_working_days or working_days.is_working_day(day):
        return day
    return working_days.shift(day, 1)


def reminder_day(
    due: dt.date, offset: int, policy: ReminderPolicy, working_days: Calendar
) -> dt.date:
    """The day the reminder with `offset` for a deadline on `due` goes out."""
    trigger = trigger_day(due, offset, working_days, policy.send_on_non_working_days)
    return sending_day(trigger, policy, working_days)


def sweep_window(
    today: dt.date, policy: ReminderPolicy, working_days: WorkingDays
) -> tuple[dt.date, dt.date] | None:
    """The sending days a sweep on `today` covers: today and the catch-up days before it.
    None on a day nothing is sent."""
    if not policy.send_on_non_working_days and not working_days.is_working_day(today):
        return None
    return working_days.shift(today, -policy.catch_up_working_days), today


def _relevant(kind: str, due: dt.date, today: dt.date, working_days: Calendar) -> bool:
    """A caught-up notice must still say something true: an advance notice only while the
    due date lies ahead, a due-day notice only on its day; overdue notices and escalations
    are caught up whenever a sweep was missed."""
    if kind.startswith("advance:"):
        return due > today
    if kind == "due":
        return trigger_day(due, 0, working_days) >= today
    return True


class _WorkingDayIndex:
    """The working days of a stretch of calendar in a sorted list: `shift` by index instead
    of day by day (the same answers as WorkingDays; outside the stretch it asks it)."""

    def __init__(self, working_days: WorkingDays, start: dt.date, end: dt.date) -> None:
        self.working_days = working_days
        every = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
        self.days = [day for day in every if working_days.is_working_day(day)]
        self.set = frozenset(self.days)
        self.start, self.end = start, end

    def is_working_day(self, day: dt.date) -> bool:
        if self.start <= day <= self.end:
            return day in self.set
        return self.working_days.is_working_day(day)

    def shift(self, day: dt.date, count: int) -> dt.date:
        if count > 0:
            index = bisect_right(self.days, day) + count - 1
        elif count < 0:
            index = bisect_left(self.days, day) + count
        else:
            return day
        if self.start <= day <= self.end and 0 <= index < len(self.days):
            return self.days[index]
        return self.working_days.shift(day, count)


def trigger_dates(
    policy: ReminderPolicy, working_days: WorkingDays, today: dt.date
) -> dict[str, list[dt.date]]:
    """For each kind, the due dates whose reminder is sent in the sweep on `today`."""
    window = sweep_window(today, policy, working_days)
    if window is None:
        return {}
    start, end = window
    spans = {kind: 3 * abs(offset) + 3 * policy.catch_up_working_days + 20
             for kind, offset in policy.kinds().items()}  # fmt: skip
    margin = dt.timedelta(days=3 * max(spans.values(), default=0) + 60)
    calendar = _WorkingDayIndex(working_days, today - margin, today + margin)
    result: dict[str, list[dt.date]] = {}
    for kind, offset in policy.kinds().items():
        # every due date whose sending day can fall into the window lies within this span
        span = spans[kind]
        candidates = (today + dt.timedelta(days=delta) for delta in range(-span, span + 1))
        dates = [
            due
            for due in candidates
            if start <= reminder_day(due, offset, policy, calendar) <= end
            and _relevant(kind, due, today, calendar)
        ]
        if dates:
            result[kind] = dates
    return result


@dataclass(frozen=True)
class TaskDue:
    """What the policy needs of a task: its id, due date, whether it is still to be done and
    whether it belongs to a department (factions get no escalation to a head)."""

    task_id: int
    due: dt.date
    open: bool = True
    has_head: bool = True


def due_reminders(
    tasks: list[TaskDue], policy: ReminderPolicy, working_days: WorkingDays, today: dt.date
) -> list[tuple[int, str]]:
    """(task id, kind) of every reminder the sweep on `today` sends (before deduplication)."""
    window = sweep_window(today, policy, working_days)
    if window is None:
        return []
    start, end = window
    result = []
    for task in tasks:
        if not task.open:
            continue
        for kind, offset in policy.kinds().items():
            if kind == "escalation:head" and not task.has_head:
                continue
            day = reminder_day(task.due, offset, policy, working_days)
            if start <= day <= end and _relevant(kind, task.due, today, working_days):
                result.append((task.task_id, kind))
    return result
