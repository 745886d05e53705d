"""Settings that `init` used to accept and that broke later are refused at the edge.

Each case is a copy of the Lörrach configuration with one out-of-range value: `init` exits
with 2, a German line naming file and key, no traceback and no rows written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Cli
from tests.test_config_errors import edit, init_rejected, installed, problem_about, second

__all__ = ["installed", "second"]  # fixtures used by the tests below

# (file, old text, new text, key named in the message, German words of the message)
OUT_OF_RANGE = {
    "advance_working_days_beyond_the_calendar": (
        "reminders.toml",
        "advance_working_days = [10, 3]",
        "advance_working_days = [10000000]",
        "advance_working_days[0]",
        "Zahl bis 60 erwartet",
    ),
    "overdue_working_days_too_large": (
        "reminders.toml",
        "overdue_working_days = [2]",
        "overdue_working_days = [2, 61]",
        "overdue_working_days[1]",
        "Zahl bis 60 erwartet",
    ),
    "escalation_too_late": (
        "reminders.toml",
        "escalate_to_head_after = 5",
        "escalate_to_head_after = 99999999999",
        "escalate_to_head_after",
        "Zahl bis 60 erwartet",
    ),
    "retry_minutes_beyond_timedelta": (
        "reminders.toml",
        "retry_minutes = [1, 5, 15, 60, 240]",
        "retry_minutes = [1, 999999999999]",
        "retry_minutes[1]",
        "Zahl bis 10080 erwartet",
    ),
    "too_many_retry_steps": (
        "reminders.toml",
        "retry_minutes = [1, 5, 15, 60, 240]",
        "retry_minutes = [" + ", ".join(["1"] * 21) + "]",
        "retry_minutes",
        "höchstens 20 Einträge erwartet",
    ),
    "max_attempts_too_large": (
        "reminders.toml",
        "max_attempts = 6",
        "max_attempts = 1000",
        "max_attempts",
        "Zahl bis 20 erwartet",
    ),
    "catch_up_too_long": (
        "reminders.toml",
        "catch_up_working_days = 5",
        "catch_up_working_days = 31",
        "catch_up_working_days",
        "Zahl bis 30 erwartet",
    ),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE), ids=list(OUT_OF_RANGE))
def test_out_of_range_setting_is_refused_with_file_and_key_and_nothing_written(
    cli: Cli, installed: sa.Engine, second: Path, case: str
) -> None:
    file, old, new, key, words = OUT_OF_RANGE[case]
    edit(second, file, old, new)
    result = init_rejected(cli, installed, second)
    line = problem_about(result.output, file, key)
    assert words in line, line
