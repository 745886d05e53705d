"""Calendar rules: working days in Baden-Württemberg, the rule grammar, the Lörrach calendar.

Every expected date is a literal checked by hand against the calendar and the public holidays
of Baden-Württemberg (2027: Easter 28 Mar, Whit Monday 17 May, Corpus Christi 27 May;
2029: Easter 1 Apr, Whit Monday 21 May, Corpus Christi 31 May). Weekday anchors used below:
1 Jan 2027 is a Friday, 1 Jan 2029 a Monday.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from models.calendar_rules import (
    CalendarSpec,
    ElectionRule,
    RuleContext,
    RuleError,
    WorkingDays,
    expand_calendar,
    parse_rule,
)
from models.errors import KreislaufError

LOERRACH_CALENDAR = Path(__file__).resolve().parents[1] / "config/bodies/loerrach/calendar.toml"
BW = WorkingDays("DE", "BW")
d = dt.date


def windows(plan) -> dict[str, tuple[dt.date, dt.date]]:
    return {phase.kind.value: (phase.opens, phase.closes) for phase in plan.phases}


def due_dates(plan) -> dict[str, dt.date]:
    return {deadline.key: deadline.due for deadline in plan.deadlines}


def phase(kind: str, opens: str, closes: str, *deadlines: tuple[str, str], **extra) -> dict:
    """A phase as it would appear in calendar.toml; deadlines are (key, due) pairs."""
    return {
        "kind": kind,
        "opens": opens,
        "closes": closes,
        "deadlines": [
            {"key": key, "title": key, "due": due, "responsible": "departments"}
            for key, due in deadlines
        ],
        **extra,
    }


def spec(*phases: dict, council_sessions: dict | None = None) -> CalendarSpec:
    return CalendarSpec.model_validate(
        {"phases": list(phases), "council_sessions": council_sessions or {}}
    )


def expand(calendar: CalendarSpec, year: int = 2027, *, election_year: bool = False):
    return expand_calendar(calendar, year, working_days=BW, election_year=election_year)


@pytest.fixture(scope="module")
def loerrach() -> CalendarSpec:
    with LOERRACH_CALENDAR.open("rb") as handle:
        return CalendarSpec.model_validate(tomllib.load(handle))


# --------------------------------------------------------------------------- working days


def test_saturday_and_sunday_are_not_working_days():
    assert BW.is_working_day(d(2027, 5, 14))  # Friday
    assert not BW.is_working_day(d(2027, 5, 15))  # Saturday
    assert not BW.is_working_day(d(2027, 5, 16))  # Sunday


@pytest.mark.parametrize(
    "holiday",
    [
        d(2027, 1, 6),  # Epiphany (Heilige Drei Könige), Wednesday
        d(2027, 3, 26),  # Good Friday
        d(2027, 3, 29),  # Easter Monday
        d(2027, 5, 6),  # Ascension Day, Thursday
        d(2027, 5, 17),  # Whit Monday
        d(2027, 5, 27),  # Corpus Christi, Thursday
        d(2027, 11, 1),  # All Saints, Monday
    ],
)
def test_weekday_public_holidays_in_bw_are_not_working_days(holiday):
    assert holiday.weekday() < 5
    assert not BW.is_working_day(holiday)


def test_corpus_christi_is_named_in_german():
    assert BW.holiday_name(d(2027, 5, 27)) == "Fronleichnam"
    assert BW.holiday_name(d(2027, 5, 28)) is None


def test_reformation_day_is_a_working_day_in_bw_but_a_holiday_in_saxony():
    # 31 Oct 2029 is a Wednesday; Reformationstag is a public holiday in Saxony, not in BW.
    assert BW.is_working_day(d(2029, 10, 31))
    assert not WorkingDays("DE", "SN").is_working_day(d(2029, 10, 31))


def test_christmas_eve_and_new_years_eve_are_working_days_in_bw():
    # Both are Fridays in 2027; the holidays package (rightly) lists neither as a public holiday.
    assert BW.is_working_day(d(2027, 12, 24))
    assert BW.is_working_day(d(2027, 12, 31))


def test_international_womens_day_is_a_holiday_in_berlin_but_not_in_bw():
    # 8 Mar 2027 is a Monday.
    assert not WorkingDays("DE", "BE").is_working_day(d(2027, 3, 8))
    assert BW.is_working_day(d(2027, 3, 8))


def test_one_working_day_after_friday_before_whitsun_is_tuesday():
    # Fri 14 May 2027 -> Sat, Sun, Whit Monday 17 May -> Tue 18 May
    assert BW.shift(d(2027, 5, 14), 1) == d(2027, 5, 18)


def test_one_working_day_before_tuesday_after_easter_is_maundy_thursday():
    # Tue 30 Mar 2027 <- Easter Monday 29, Sun 28, Sat 27, Good Friday 26 <- Thu 25 Mar
    assert BW.shift(d(2027, 3, 30), -1) == d(2027, 3, 25)


def test_one_working_day_after_new_years_eve_is_first_monday_of_next_year():
    # Fri 31 Dec 2027 -> New Year's Day (Sat), Sun 2 Jan -> Mon 3 Jan 2028
    assert BW.shift(d(2027, 12, 31), 1) == d(2028, 1, 3)


def test_shifting_by_zero_working_days_keeps_the_day_even_on_a_holiday():
    assert BW.shift(d(2027, 5, 17), 0) == d(2027, 5, 17)


def test_february_2027_has_twenty_working_days_and_no_twenty_first():
    # 1 Feb 2027 is a Monday, 28 Feb a Sunday: four full weeks, no holiday.
    assert BW.nth_of_month(2027, 2, 20) == d(2027, 2, 26)
    with pytest.raises(RuleError, match="21. Arbeitstag im Februar 2027 existiert nicht"):
        BW.nth_of_month(2027, 2, 21)


def test_last_working_day_of_december_2027_is_new_years_eve():
    assert BW.nth_of_month(2027, 12, -1) == d(2027, 12, 31)


def test_working_days_between_skip_whitsun_and_count_backwards_negative():
    # after Fri 14 May up to Tue 18 May 2027: only Tue 18 is a working day
    assert BW.count_between(d(2027, 5, 14), d(2027, 5, 18)) == 1
    assert BW.count_between(d(2027, 5, 18), d(2027, 5, 14)) == -1
    assert BW.count_between(d(2027, 5, 14), d(2027, 5, 14)) == 0


def test_unknown_holiday_calendar_is_reported_in_german():
    with pytest.raises(KreislaufError, match="Unbekannter Feiertagskalender"):
        WorkingDays("DE", "ZZ").is_working_day(d(2027, 5, 14))


# --------------------------------------------------------------------------- rule grammar

CONTEXT_2027 = RuleContext(year=2027, working_days=BW, council_sessions=(d(2027, 7, 21),))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("first working day of February", d(2027, 2, 1)),  # Monday
        ("last working day of April", d(2027, 4, 30)),  # Friday
        ("15th working day of February", d(2027, 2, 19)),  # 3 full weeks from Mon 1 Feb
        # 1 Jan holiday (Fri), Mon 4 = 1st, Tue 5 = 2nd, Epiphany Wed 6, Thu 7 = 3rd
        ("3rd working day of January", d(2027, 1, 7)),
        ("2nd working day of May", d(2027, 5, 4)),  # 1 May Sat: Mon 3, Tue 4
        ("1st working day of November", d(2027, 11, 2)),  # Mon 1 Nov All Saints
        ("1. working day of March", d(2027, 3, 1)),  # Monday
        ("first working day in July", d(2027, 7, 1)),  # Thursday
        ("second Tuesday of May", d(2027, 5, 11)),  # Tuesdays: 4, 11 May
        ("last Friday of June", d(2027, 6, 25)),  # Fridays: 4, 11, 18, 25 June
        ("March 31", d(2027, 3, 31)),
        ("31 March", d(2027, 3, 31)),
        ("31. März", d(2027, 3, 31)),
        ("council session in July", d(2027, 7, 21)),
        ("the council session in July", d(2027, 7, 21)),
        # back from Wed 21 Jul: 20,19,16,15,14,13,12,9,8,7 -> Wed 7 Jul
        ("10 working days before council session in July", d(2027, 7, 7)),
        ("3 days after March 31", d(2027, 4, 3)),  # calendar days: lands on a Saturday
        ("1 working day after 31 March", d(2027, 4, 1)),
        ("  LAST   Working Day OF   march ", d(2027, 3, 31)),
    ],
)
def test_rule_resolves_to_its_day_in_2027(text, expected):
    assert parse_rule(text).resolve(CONTEXT_2027) == expected


def test_calendar_day_offset_before_a_phase_edge_uses_the_referenced_date():
    edges = {("planning", "closes"): d(2027, 9, 30)}
    context = RuleContext(year=2027, working_days=BW, lookup=lambda name, edge: edges[(name, edge)])
    rule = parse_rule("5 days before planning.closes")
    assert rule.names() == {"planning"}
    assert rule.resolve(context) == d(2027, 9, 25)


def test_reference_without_a_calendar_to_look_it_up_is_a_rule_error():
    with pytest.raises(RuleError, match="nicht erlaubt"):
        parse_rule("resolution").resolve(CONTEXT_2027)


@pytest.mark.parametrize(
    ("text", "german"),
    [
        ("sometime in spring", "ist nicht verständlich"),
        ("32nd working day of March", "höchstens 23. Arbeitstag"),
        ("February 30", "30. Februar gibt es nicht"),
        ("first working day of Smarch", "unbekannter Monat"),
        ("second Funday of May", "unbekannter Wochentag"),
        ("sixth Monday of May", "ist nicht verständlich"),
        ("March", "ist nicht verständlich"),  # a month alone is no reference
        ("", "ist nicht verständlich"),
    ],
)
def test_unparseable_rule_is_rejected_in_german_quoting_the_rule(text, german):
    with pytest.raises(RuleError) as caught:
        parse_rule(text)
    assert german in str(caught.value)
    assert f"Regel {text!r}" in str(caught.value)


def test_february_29_is_a_rule_error_in_a_common_year_only():
    rule = parse_rule("February 29")
    assert rule.resolve(RuleContext(year=2028, working_days=BW)) == d(2028, 2, 29)
    with pytest.raises(RuleError, match="kein gültiges Datum im Jahr 2027"):
        rule.resolve(CONTEXT_2027)


def test_fifth_monday_of_february_2027_does_not_exist():
    # Mondays in February 2027: 1, 8, 15, 22
    with pytest.raises(RuleError, match="gibt es 2027 nicht"):
        parse_rule("fifth Monday of February").resolve(CONTEXT_2027)


def test_council_session_rule_without_a_session_that_month_names_council_sessions():
    with pytest.raises(RuleError) as caught:
        parse_rule("council session in November").resolve(CONTEXT_2027)
    assert "November 2027" in str(caught.value)
    assert "council_sessions" in str(caught.value)


# --------------------------------------------------------------------------- Lörrach calendar


def test_loerrach_2027_phases_follow_the_regular_cycle_order(loerrach):
    plan = expand(loerrach, 2027, election_year=False)
    assert [phase.kind.value for phase in plan.phases] == [
        "evaluation",
        "survey",
        "forum",
        "resolution",
        "planning",
        "budget_resolution",
    ]


def test_loerrach_2027_phase_windows(loerrach):
    assert windows(expand(loerrach, 2027)) == {
        "evaluation": (d(2027, 2, 1), d(2027, 4, 30)),  # Mon 1 Feb .. Fri 30 Apr
        "survey": (d(2027, 4, 1), d(2027, 4, 30)),  # Thu 1 Apr (Easter Monday was 29 Mar)
        "forum": (d(2027, 5, 3), d(2027, 6, 30)),  # 1 May Sat, 2 Sun -> Mon 3 May; Wed 30 Jun
        "resolution": (d(2027, 7, 1), d(2027, 7, 21)),  # Thu 1 Jul .. session Wed 21 Jul
        "planning": (d(2027, 7, 22), d(2027, 9, 30)),  # day after session .. Thu 30 Sep
        "budget_resolution": (d(2027, 10, 1), d(2027, 12, 15)),  # Fri 1 Oct .. session 15 Dec
    }


def test_loerrach_2027_deadlines(loerrach):
    assert due_dates(expand(loerrach, 2027)) == {
        "kennzahlen_ist": d(2027, 2, 19),  # 15th working day: 3 full weeks from Mon 1 Feb
        "teilhaushaltsbericht": d(2027, 3, 31),  # Wednesday
        "befragung": d(2027, 4, 30),
        "forum_sitzung": d(2027, 6, 30),
        "beschlussvorlage": d(2027, 7, 7),  # 10 working days before Wed 21 Jul
        "planung": d(2027, 9, 21),  # Wed 1 Sep: 1-3, 6-10, 13-17, 20, 21 -> 15th
        "haushaltsbeschluss": d(2027, 12, 15),
        "thh_ausschuesse": d(2027, 4, 27),  # the last committee session in April (jha)
        "haushaltsrundschreiben": d(2027, 7, 29),  # 5 working days after Thu 22 Jul
        "haushaltsentwurf": d(2027, 10, 6),  # council session in October
        "haushaltsberatung": d(2027, 11, 23),  # the last committee session in November
    }


def test_loerrach_2029_retreat_replaces_the_forum_after_the_council_election(loerrach):
    plan = expand(loerrach, 2029, election_year=True)
    assert plan.election_year
    assert [phase.kind.value for phase in plan.phases] == [
        "evaluation",
        "survey",
        "planning",
        "retreat",
        "budget_resolution",
        "resolution",
    ]


def test_loerrach_2029_phase_windows(loerrach):
    assert windows(expand(loerrach, 2029, election_year=True)) == {
        "evaluation": (d(2029, 2, 1), d(2029, 4, 30)),  # Thu 1 Feb .. Mon 30 Apr
        "survey": (d(2029, 4, 3), d(2029, 4, 30)),  # 1 Apr Easter Sunday, 2 Apr Easter Monday
        "planning": (d(2029, 7, 2), d(2029, 9, 28)),  # 1 Jul Sun; 30 Sep Sun, 29 Sat -> Fri 28
        "retreat": (d(2029, 9, 3), d(2029, 10, 31)),  # 1 Sep Sat -> Mon 3; Wed 31 Oct
        "budget_resolution": (d(2029, 10, 1), d(2029, 12, 12)),  # Mon 1 Oct .. session 12 Dec
        # day after the retreat: Thu 1 Nov All Saints -> Fri 2 Nov; session Wed 21 Nov
        "resolution": (d(2029, 11, 2), d(2029, 11, 21)),
    }


def test_loerrach_2029_deadlines(loerrach):
    assert due_dates(expand(loerrach, 2029, election_year=True)) == {
        "kennzahlen_ist": d(2029, 2, 21),  # Thu 1, Fri 2, 5-9, 12-16, 19, 20, 21 Feb -> 15th
        "teilhaushaltsbericht": d(2029, 3, 29),  # 31 Mar Sat, 30 Mar Good Friday -> Thu 29
        "befragung": d(2029, 4, 30),
        "planung": d(2029, 9, 21),  # Mon 3 Sep: 3-7, 10-14, 17-21 -> 15th
        "klausurtagung": d(2029, 10, 31),  # Reformation Day is no holiday in BW
        "beschlussvorlage": d(2029, 11, 7),  # 10 working days before Wed 21 Nov
        "haushaltsbeschluss": d(2029, 12, 12),
        "thh_ausschuesse": d(2029, 4, 26),
        "haushaltsrundschreiben": d(2029, 7, 9),  # 5 working days after Mon 2 Jul
        "haushaltsentwurf": d(2029, 10, 10),
        "haushaltsberatung": d(2029, 11, 20),
    }


def test_loerrach_calendar_expands_for_every_year_with_session_dates(loerrach):
    elections = ElectionRule(first_year=2024, interval_years=5)
    assert sorted(loerrach.council_sessions) == [2026, 2027, 2028, 2029, 2030]
    for year in loerrach.council_sessions:
        plan = expand(loerrach, year, election_year=elections.is_election_year(year))
        assert len(plan.phases) == 6


def test_loerrach_2031_has_no_council_session_in_july(loerrach):
    committees = {"vfa": {2031: [d(2031, 4, 15), d(2031, 11, 18)]}}
    with pytest.raises(RuleError) as caught:
        expand(loerrach.model_copy(update={"committee_sessions": committees}), 2031)
    assert "council_sessions" in str(caught.value)
    assert "Juli 2031" in str(caught.value)


# --------------------------------------------------------------------------- election years


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, True),
        (2029, True),
        (2034, True),
        (2027, False),
        (2023, False),
    ],
)
def test_bw_council_elections_every_five_years_from_2024(year, expected):
    assert ElectionRule(first_year=2024, interval_years=5).is_election_year(year) is expected


def test_explicit_election_year_counts_besides_the_interval():
    rule = ElectionRule(first_year=2024, interval_years=5, years=[2031])
    assert rule.is_election_year(2031)
    assert rule.is_election_year(2029)
    assert not rule.is_election_year(2030)


def test_explicit_election_years_alone_need_no_first_year():
    rule = ElectionRule(years=[2031])
    assert rule.is_election_year(2031)
    assert not rule.is_election_year(2036)


# --------------------------------------------------------------------------- bad calendars

SURVEY_APRIL = ("first working day of April", "last working day of April")


def test_deadline_before_its_phase_opens_is_named_and_said_to_be_before_the_start():
    calendar = spec(phase("survey", *SURVEY_APRIL, ("fragebogen", "March 31")))
    with pytest.raises(RuleError) as caught:
        expand(calendar)
    assert "'fragebogen'" in str(caught.value)
    assert "vor Beginn" in str(caught.value)
    assert "31.03.2027" in str(caught.value)


def test_deadline_after_its_phase_closes_is_said_to_be_after_the_end():
    calendar = spec(phase("survey", *SURVEY_APRIL, ("fragebogen", "May 3")))
    with pytest.raises(RuleError, match="'fragebogen'.*nach Ende"):
        expand(calendar)


def test_phase_closing_before_it_opens_is_a_rule_error():
    calendar = spec(phase("survey", "April 30", "April 1"))
    with pytest.raises(RuleError) as caught:
        expand(calendar)
    assert "'survey'" in str(caught.value)
    assert "endet (01.04.2027) vor ihrem Beginn (30.04.2027)" in str(caught.value)


def test_reference_to_an_unknown_name_is_rejected_when_the_file_is_read():
    with pytest.raises(ValidationError, match="'nirgendwo'.*weder eine Phase noch eine Frist"):
        spec(phase("survey", "1 working day after nirgendwo", "last working day of April"))


def test_deadline_key_may_not_be_a_phase_kind():
    with pytest.raises(ValidationError, match="'forum' ist schon der Name einer Phase"):
        spec(phase("survey", *SURVEY_APRIL, ("forum", "April 15")))


def test_phase_kind_may_appear_only_once():
    with pytest.raises(ValidationError, match="'survey' ist mehrfach angegeben"):
        spec(phase("survey", *SURVEY_APRIL), phase("survey", *SURVEY_APRIL))


def test_deadline_key_may_appear_only_once_across_phases():
    with pytest.raises(ValidationError, match="'bericht' ist mehrfach vergeben"):
        spec(
            phase("evaluation", "February 1", "April 30", ("bericht", "March 31")),
            phase("survey", *SURVEY_APRIL, ("bericht", "April 15")),
        )


def test_election_year_override_may_only_name_the_phases_own_deadlines():
    override = {"due": {"fremd": "April 20"}}
    with pytest.raises(ValidationError, match="unbekannte Frist 'fremd'"):
        spec(phase("survey", *SURVEY_APRIL, ("befragung", "April 15"), election_year=override))


@pytest.mark.parametrize(
    ("data", "location"),
    [
        ({"phases": [phase("survey", *SURVEY_APRIL)], "sessions": {}}, ("sessions",)),
        ({"phases": [phase("survey", *SURVEY_APRIL, ends="May 1")]}, ("phases", 0, "ends")),
    ],
)
def test_unknown_key_in_the_calendar_file_is_rejected(data, location):
    with pytest.raises(ValidationError) as caught:
        CalendarSpec.model_validate(data)
    assert [(e["type"], e["loc"]) for e in caught.value.errors()] == [("extra_forbidden", location)]


def test_unparseable_rule_in_the_file_is_rejected_naming_its_field():
    with pytest.raises((ValidationError, RuleError)) as caught:
        spec(phase("survey", *SURVEY_APRIL, ("befragung", "sometime in spring")))
    assert "Regel 'sometime in spring' ist nicht verständlich" in str(caught.value)


def test_rules_referring_to_each_other_in_a_circle_are_a_rule_error():
    calendar = spec(
        phase("evaluation", "survey.opens", "last working day of April"),
        phase("survey", "evaluation.opens", "last working day of April"),
    )
    with pytest.raises(RuleError) as caught:
        expand(calendar)
    assert "im Kreis" in str(caught.value)
    assert "evaluation -> survey -> evaluation" in str(caught.value)


def test_council_session_rule_for_a_year_without_session_dates_names_council_sessions():
    calendar = spec(
        phase("resolution", "first working day of July", "council session in July"),
        council_sessions={2027: [d(2027, 7, 21)]},
    )
    assert windows(expand(calendar, 2027)) == {"resolution": (d(2027, 7, 1), d(2027, 7, 21))}
    with pytest.raises(RuleError) as caught:
        expand(calendar, 2028)
    assert "'resolution'" in str(caught.value)
    assert "council_sessions" in str(caught.value)


def test_reference_to_the_forum_in_a_retreat_year_means_the_retreat():
    calendar = spec(
        phase("forum", "first working day of May", "last working day of June"),
        phase("retreat", "first working day of September", "last working day of October"),
        phase("resolution", "1 working day after forum", "November 30"),
    )
    # 2029: retreat closes Wed 31 Oct; Thu 1 Nov All Saints -> Fri 2 Nov
    assert windows(expand(calendar, 2029, election_year=True))["resolution"][0] == d(2029, 11, 2)
    # 2027: the forum itself closes Wed 30 Jun -> Thu 1 Jul
    assert windows(expand(calendar, 2027))["resolution"][0] == d(2027, 7, 1)


def test_reference_to_the_retreat_in_a_regular_year_means_the_forum():
    calendar = spec(
        phase("forum", "first working day of May", "last working day of June"),
        phase("planning", "1 working day after retreat", "last working day of September"),
    )
    # forum closes Wed 30 Jun 2027 -> Thu 1 Jul
    assert windows(expand(calendar, 2027))["planning"] == (d(2027, 7, 1), d(2027, 9, 30))


def test_reference_to_a_phase_absent_from_the_calendar_is_a_rule_error():
    calendar = spec(phase("budget_resolution", "1 working day after planning", "December 15"))
    with pytest.raises(RuleError, match="'planning'.*findet 2027 nicht statt"):
        expand(calendar)


def test_forum_marked_always_also_takes_place_in_an_election_year():
    calendar = spec(
        phase("forum", "first working day of May", "last working day of June", when="always"),
    )
    # 2029: Tue 1 May is Labour Day -> Wed 2 May; 30 Jun Sat -> Fri 29 Jun
    assert windows(expand(calendar, 2029, election_year=True)) == {
        "forum": (d(2029, 5, 2), d(2029, 6, 29)),
    }
    assert windows(expand(spec(phase("forum", "May 3", "June 30")), 2029, election_year=True)) == {}
