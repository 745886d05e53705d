"""Goal achievement of key figures: traffic lights, roll-ups and trends (pure, no database).

Traffic light (Ampel) of one figure in one year, with band = |target| × tolerance_pct / 100:

- higher is better: green if actual ≥ target; yellow if actual ≥ target − band; else red.
- lower is better, mirrored: green if actual ≤ target; yellow if actual ≤ target + band;
  else red.
- A value exactly on an edge counts to the better colour. Arithmetic is decimal (floats are
  read through their shortest repr), so target 100, tolerance 5 %, actual 95 is yellow.
- Without an actual or without a target the light is "keine Angabe" (grey), never red.

Roll-up (per priority, field of action, key position, department): the *worst* colour
among the figures that have a value, plus the count per colour and of figures without a
value. This is conservative on purpose: a committee must see any red, however many greens
surround it. Only when no figure has a value is the roll-up grey.

Trend: the report year's actual against the previous year's actual, direction-aware:
"stable" when the change is within 1 % of the previous value, otherwise improving or
worsening; unknown when either value is missing.

A light is never only a colour: every light and trend has a German word and a symbol.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from models.strategy import Direction

STABLE_PCT = Decimal(1)
# A degree of achievement lies between 0 and 200 % (see degree_of_achievement).
DEGREE_RANGE = (Decimal(0), Decimal(200))


class Light(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"
    none = "none"

    @property
    def label(self) -> str:
        return LIGHT_LABELS[self]

    @property
    def symbol(self) -> str:
        return LIGHT_SYMBOLS[self]

    @property
    def severity(self) -> int:
        """Higher is worse; grey (no value) ranks below every colour."""
        return {"none": 0, "green": 1, "yellow": 2, "red": 3}[self.value]


LIGHT_LABELS = {
    Light.green: "erreicht",
    Light.yellow: "knapp verfehlt",
    Light.red: "verfehlt",
    Light.none: "keine Angabe",
}
LIGHT_SYMBOLS = {Light.green: "✓", Light.yellow: "▲", Light.red: "✗", Light.none: "○"}


def decimal(value: float | int | Decimal) -> Decimal:
    """A float as the decimal people typed (95.0 -> Decimal('95.0'), not 94.99999...)."""
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def traffic_light(
    *,
    target: float | None,
    actual: float | None,
    direction: Direction | str,
    tolerance_pct: float,
) -> Light:
    """The light of one figure in one year (rules in the module docstring)."""
    if target is None or actual is None:
        return Light.none
    goal, value = decimal(target), decimal(actual)
    band = abs(goal) * decimal(tolerance_pct) / 100
    if Direction(direction) == Direction.lower_is_better:
        goal, value = -goal, -value  # mirror: "lower is better" becomes "higher is better"
    if value >= goal:
        return Light.green
    if value >= goal - band:
        return Light.yellow
    return Light.red


def degree_of_achievement(
    *, target: float | None, actual: float | None, direction: Direction | str
) -> Decimal | None:
    """Zielerreichungsgrad in percent, one decimal; only for a positive target.

    Higher is better: actual / target. Lower is better: target / actual (10 % above the
    target is 90,9 %, twice the target is 50 %), so a badly missed target approaches 0 %
    and never turns negative. Both are capped to DEGREE_RANGE (0 to 200 %): beyond twice
    the target a degree says nothing more, and a negative actual would give a negative
    ratio; an actual of 0 or below for a lower-is-better figure is the cap, 200 %. None
    without both values or when the target is 0 or negative (a ratio would mislead there).
    """
    if target is None or actual is None or decimal(target) <= 0:
        return None
    goal, value = decimal(target), decimal(actual)
    low, high = DEGREE_RANGE
    if Direction(direction) == Direction.lower_is_better:
        if value <= 0:
            return high
        percent = goal / value * 100
    else:
        percent = value / goal * 100
    return min(max(percent, low), high).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Rollup:
    """Counts per colour of several figures; `light` is the worst colour with a value."""

    green: int = 0
    yellow: int = 0
    red: int = 0
    without_value: int = 0

    @property
    def light(self) -> Light:
        for light, count in ((Light.red, self.red), (Light.yellow, self.yellow)):
            if count:
                return light
        return Light.green if self.green else Light.none

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red + self.without_value

    @property
    def summary(self) -> str:
        """E.g. '2 erreicht, 1 knapp verfehlt, 0 verfehlt, 1 ohne Wert'."""
        return (
            f"{self.green} erreicht, {self.yellow} knapp verfehlt, {self.red} verfehlt, "
            f"{self.without_value} ohne Wert"
        )


def roll_up(lights: Iterable[Light]) -> Rollup:
    counts = {light: 0 for light in Light}
    for light in lights:
        counts[Light(light)] += 1
    return Rollup(counts[Light.green], counts[Light.yellow], counts[Light.red], counts[Light.none])


class Trend(StrEnum):
    improving = "improving"
    stable = "stable"
    worsening = "worsening"
    unknown = "unknown"

    @property
    def label(self) -> str:
        return {
            "improving": "verbessert",
            "stable": "gleichbleibend",
            "worsening": "verschlechtert",
            "unknown": "keine Angabe",
        }[self.value]

    @property
    def symbol(self) -> str:
        return {"improving": "↑", "stable": "→", "worsening": "↓", "unknown": "–"}[self.value]


def trend(*, current: float | None, previous: float | None, direction: Direction | str) -> Trend:
    """The report year's actual against the previous year's (rules in the module docstring)."""
    if current is None or previous is None:
        return Trend.unknown
    now, before = decimal(current), decimal(previous)
    if abs(now - before) <= abs(before) * STABLE_PCT / 100:
        return Trend.stable
    better = now > before
    if Direction(direction) == Direction.lower_is_better:
        better = not better
    return Trend.improving if better else Trend.worsening
