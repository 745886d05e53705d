"""The calendar's new parts: what fulfils each deadline, and the committees' sessions."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.calendar_rules import CalendarSpec, Delivery, RuleError, WorkingDays, expand_calendar
from tests.conftest import Cli
from tests.test_config_errors import as_second_body, edit, init_rejected, problem_about

LOERRACH = Path(__file__).resolve().parents[1] / "config/bodies/loerrach/calendar.toml"


def loerrach_plan(year: int):  # type: ignore[no-untyped-def]
    with LOERRACH.open("rb") as handle:
        spec = CalendarSpec.model_validate(tomllib.load(handle))
    return expand_calendar(spec, year, working_days=WorkingDays("DE", "BW"), election_year=False)


def test_every_loerrach_deadline_says_what_fulfils_it() -> None:
    delivers = {d.key: d.delivers for d in loerrach_plan(2027).deadlines}
    assert delivers["kennzahlen_ist"] == Delivery.key_figures
    assert delivers["teilhaushaltsbericht"] == Delivery.partial_budget_report
    assert delivers["planung"] == Delivery.planning
    assert delivers["beschlussvorlage"] == Delivery.document
    assert delivers["befragung"] == Delivery.survey_answer  # by default: the factions answer
    assert delivers["forum_sitzung"] == Delivery.session_record
    assert delivers["haushaltsbeschluss"] == Delivery.budget_resolution


def test_the_budget_cycle_runs_from_the_circular_to_the_december_resolution() -> None:
    due = {d.key: d.due for d in loerrach_plan(2027).deadlines}
    assert due["thh_ausschuesse"] == dt.date(2027, 4, 27)  # the last committee in April
    assert due["haushaltsentwurf"] == dt.date(2027, 10, 6)  # the October council session
    assert due["haushaltsberatung"] == dt.date(2027, 11, 23)  # the last committee in November
    assert due["haushaltsbeschluss"] == dt.date(2027, 12, 15)
    assert (
        due["haushaltsrundschreiben"]
        < due["planung"]
        < due["haushaltsentwurf"]
        < due["haushaltsberatung"]
        < due["haushaltsbeschluss"]
    )


def test_a_month_without_committee_sessions_is_named() -> None:
    spec = CalendarSpec.model_validate(
        {
            "phases": [
                {
                    "kind": "evaluation",
                    "opens": "January 1",
                    "closes": "December 31",
                    "deadlines": [
                        {
                            "key": "vorstellen",
                            "title": "Vorstellen",
                            "due": "committee sessions in May",
                            "responsible": "departments",
                        }
                    ],
                }
            ],
            "committee_sessions": {"bau": {2027: [dt.date(2027, 4, 20)]}},
        }
    )
    with pytest.raises(RuleError, match="für Mai 2027 ist keine Ausschusssitzung hinterlegt"):
        expand_calendar(spec, 2027, working_days=WorkingDays("DE", "BW"), election_year=False)


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            'key = "befragung"',
            'key = "befragung"\n  delivers = "key_figures"',
            "deadlines[0].delivers",
            "liefern die Fachbereiche",
        ),
        (
            'key = "forum_sitzung"',
            'key = "forum_sitzung"\n  delivers = "budget_resolution"',
            "deadlines[0].delivers",
            "gehört in die Phase 'budget_resolution'",
        ),
        (
            'delivers = "partial_budget_report"',
            'delivers = "planning"',
            "calendar.toml: nur eine Frist",
            "'planning'",
        ),
        (
            "vfa = { 2026",
            "bauausschuss = { 2026",
            "committee_sessions.bauausschuss",
            "gibt es nicht",
        ),
    ],
)
def test_a_delivery_or_committee_that_cannot_work_is_refused(
    cli: Cli, engine: sa.Engine, body_dir: Path, old: str, new: str, key: str, message: str
) -> None:
    second = as_second_body(body_dir)
    edit(second, "calendar.toml", old, new)
    result = init_rejected(cli, engine, second)
    assert message in problem_about(result.output, "calendar.toml", key)


def test_an_unknown_department_of_a_committee_is_refused(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    second = as_second_body(body_dir)
    edit(second, "organisation.toml", '["schulen"]', '["schulen", "kultur"]')
    result = init_rejected(cli, engine, second)
    problem = problem_about(result.output, "organisation.toml", "committees[2].departments[1]")
    assert "den Fachbereich 'kultur' gibt es nicht" in problem


def test_the_calendar_shows_where_each_department_presents_its_report(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    assert cli("cycle", "create", "2027").exit_code == 0
    result = cli("calendar", "2027")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Sitzungen der Fachausschüsse 2027" in line)
    umwelt = next(line for line in lines[start:] if "21.04.2027" in line)
    assert "Ausschuss für Umwelt und Technik" in umwelt and "Fachbereich Umwelt" in umwelt
