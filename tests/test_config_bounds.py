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
    "nan_target": (
        "figures.toml",
        "targets = { 2024 = 9800,",
        "targets = { 2024 = nan,",
        "key_figures[0].targets.2024",
        "endliche Zahl erwartet",
    ),
    "infinite_actual": (
        "figures.toml",
        "actuals = { 2022 = 11050,",
        "actuals = { 2022 = -inf,",
        "key_figures[0].actuals.2022",
        "endliche Zahl erwartet",
    ),
    "infinite_plausible_range": (
        "figures.toml",
        "plausible = [0, 50000]",
        "plausible = [0, inf]",
        "key_figures[0].plausible[1]",
        "endliche Zahl erwartet",
    ),
    "absurd_target": (
        "figures.toml",
        "targets = { 2024 = 9800,",
        "targets = { 2024 = 1e300,",
        "key_figures[0].targets.2024",
        "Zahl bis 1e+15 erwartet",
    ),
    "target_year_out_of_range": (
        "figures.toml",
        "targets = { 2024 = 9800,",
        "targets = { 99999999999 = 9800,",
        "key_figures[0].targets.99999999999",
        "Zahl bis 2100 erwartet",
    ),
    "nan_tolerance": (
        "figures.toml",
        "tolerance = 5.0",
        "tolerance = nan",
        "tolerance",
        "endliche Zahl erwartet",
    ),
    # strings longer than their database column: one German message on SQLite and PostgreSQL
    "body_name_longer_than_its_column": (
        "body.toml",
        'name = "Landkreis Lörrach"',
        'name = "' + "L" * 201 + '"',
        "name",
        "höchstens 200 Zeichen erlaubt",
    ),
    "ten_megabyte_body_name": (
        "body.toml",
        'name = "Landkreis Lörrach"',
        'name = "' + "L" * 900_000 + '"',
        "name",
        "höchstens 200 Zeichen erlaubt",
    ),
    "deadline_title_longer_than_its_column": (
        "calendar.toml",
        'title = "Ist-Werte der Kennzahlen melden"',
        'title = "' + "T" * 301 + '"',
        "phases[0].deadlines[0].title",
        "höchstens 300 Zeichen erlaubt",
    ),
    "email_longer_than_its_column": (
        "organisation.toml",
        'email = "erika.beispiel@lrak-loerrach.example.org"',
        'email = "' + "e" * 250 + '@lrak-loerrach.example.org"',
        "departments[0].contacts[0].email",
        "höchstens 254 Zeichen erlaubt",
    ),
    "motto_longer_than_its_column": (
        "strategy.toml",
        'motto = "Gemeinsam Zukunft gestalten"',
        'motto = "' + "m" * 201 + '"',
        "motto",
        "höchstens 200 Zeichen erlaubt",
    ),
    # calendar rules and sessions that overflowed a date or looped for ever
    "offset_in_days_beyond_a_year": (
        "calendar.toml",
        'due = "15th working day of February"',
        'due = "99999999999 days after February 1"',
        "phases[0].deadlines[0].due",
        "höchstens 366 Tage Abstand",
    ),
    "offset_in_working_days_beyond_a_year": (
        "calendar.toml",
        'due = "15th working day of February"',
        'due = "261 working days after February 1"',
        "phases[0].deadlines[0].due",
        "höchstens 260 Arbeitstage Abstand",
    ),
    "negative_council_session_year": (
        "calendar.toml",
        "2026 = [2026-03-25,",
        "-5 = [2026-01-01]\n2026 = [2026-03-25,",
        "council_sessions.-5",
        "Zahl ab 2000 erwartet",
    ),
    "council_session_year_far_away": (
        "calendar.toml",
        "2026 = [2026-03-25,",
        "99999 = [2026-01-01]\n2026 = [2026-03-25,",
        "council_sessions.99999",
        "Zahl bis 2199 erwartet",
    ),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE), ids=list(OUT_OF_RANGE))
@pytest.mark.both_databases
def test_out_of_range_setting_is_refused_with_file_and_key_and_nothing_written(
    cli: Cli, installed: sa.Engine, second: Path, case: str
) -> None:
    file, old, new, key, words = OUT_OF_RANGE[case]
    edit(second, file, old, new)
    result = init_rejected(cli, installed, second)
    line = problem_about(result.output, file, key)
    assert words in line, line


# --------------------------------------------------------------------------- unreadable files


def test_deeply_nested_toml_is_refused_naming_the_file(
    cli: Cli, installed: sa.Engine, second: Path
) -> None:
    (second / "reminders.toml").write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    result = init_rejected(cli, installed, second)
    line = problem_about(result.output, "reminders.toml", "zu tief verschachtelt")
    assert "kein gültiges TOML" in line


def test_config_file_over_one_megabyte_is_refused_unread(
    cli: Cli, installed: sa.Engine, second: Path
) -> None:
    path = second / "strategy.toml"
    path.write_text(path.read_text(encoding="utf-8") + "#" * 1_000_001 + "\n", encoding="utf-8")
    result = init_rejected(cli, installed, second)
    line = problem_about(result.output, "strategy.toml", "größer als 1 MB")
    assert "nicht gelesen" in line


def test_deeply_nested_change_set_is_a_german_error() -> None:
    from models.errors import KreislaufError
    from web.forms import parse_change_set

    with pytest.raises(KreislaufError, match="zu tief verschachtelt"):
        parse_change_set("x = " + "[" * 50_000 + "]" * 50_000)


@pytest.mark.parametrize(
    "text",
    ["99999999999 days after February 1", "367 days before July 1", "261 working days after May 1"],
)
def test_offset_rules_beyond_a_year_are_rule_errors(text: str) -> None:
    from models.calendar_rules import RuleError
    from models.calendar_rules.rules import parse_rule

    with pytest.raises(RuleError, match="höchstens"):
        parse_rule(text)


@pytest.mark.parametrize("text", ["366 days after February 1", "260 working days before May 1"])
def test_offset_rules_up_to_a_year_parse(text: str) -> None:
    from models.calendar_rules.rules import parse_rule

    parse_rule(text)
