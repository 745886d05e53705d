"""Calendar rules: from a body's calendar file to the concrete dates of one year's cycle.

A calendar file states each phase's window and deadlines as rules ("15th working day of
February", "10 working days before council session in July"). Working days skip weekends and
the public holidays of the body's state (package `holidays`). Everything here is pure: the
result depends only on the spec, the year and the council session dates given.

The package re-exports the public names; its modules import each other directly.
"""

from __future__ import annotations

from models.calendar_rules.expansion import (
    CyclePlan,
    PlannedDeadline,
    PlannedPhase,
    expand_calendar,
)
from models.calendar_rules.rules import (
    MONTHS,
    ORDINAL_WORDS,
    RULE_HELP,
    WEEKDAYS,
    CommitteeRound,
    CouncilSession,
    FixedDate,
    NthWeekday,
    NthWorkingDay,
    Offset,
    Reference,
    Rule,
    RuleContext,
    parse_rule,
)
from models.calendar_rules.spec import (
    PHASE_TITLES,
    CalendarSpec,
    DeadlineRule,
    Delivery,
    ElectionRule,
    ElectionYearOverride,
    PhaseKind,
    PhaseRule,
    default_delivery,
)
from models.calendar_rules.working_days import (
    RuleError,
    WorkingDays,
)

__all__ = [
    "CalendarSpec",
    "CommitteeRound",
    "CouncilSession",
    "CyclePlan",
    "DeadlineRule",
    "Delivery",
    "ElectionRule",
    "ElectionYearOverride",
    "FixedDate",
    "MONTHS",
    "NthWeekday",
    "NthWorkingDay",
    "ORDINAL_WORDS",
    "Offset",
    "PHASE_TITLES",
    "PhaseKind",
    "PhaseRule",
    "PlannedDeadline",
    "PlannedPhase",
    "RULE_HELP",
    "Reference",
    "Rule",
    "RuleContext",
    "RuleError",
    "WEEKDAYS",
    "WorkingDays",
    "default_delivery",
    "expand_calendar",
    "parse_rule",
]
