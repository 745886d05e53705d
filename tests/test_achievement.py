"""Traffic lights, roll-ups and trends of key figures at their boundaries (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.achievement import (
    Light,
    Rollup,
    Trend,
    degree_of_achievement,
    roll_up,
    traffic_light,
    trend,
)

HIGHER = "higher_is_better"
LOWER = "lower_is_better"


@pytest.mark.parametrize(
    ("target", "tolerance", "actual", "expected"),
    [
        (100, 5, 101, Light.green),
        (100, 5, 100, Light.green),  # exactly on target: the better colour
        (100, 5, 99.99, Light.yellow),
        (100, 5, 95, Light.yellow),  # exactly on the band's edge: yellow, not red
        (100, 5, 94.99, Light.red),
        (18.0, 5, 17.1, Light.yellow),  # 18 × 0.95 = 17.1 is 17.099999... in floats
        (0.3, 10, 0.27, Light.yellow),  # 0.3 − 0.03 is 0.27000000000000002 in floats
        (100, 0, 100, Light.green),  # tolerance 0: on target green ...
        (100, 0, 99.999, Light.red),  # ... anything below red, no yellow band
        (0, 5, 0, Light.green),  # target 0: the band is 0
        (0, 5, -0.1, Light.red),
        (-100, 10, -100, Light.green),  # negative target: band from |target|
        (-100, 10, -110, Light.yellow),
        (-100, 10, -110.01, Light.red),
        (-100, 10, -50, Light.green),
    ],
)
def test_traffic_light_higher_is_better(target, tolerance, actual, expected) -> None:
    light = traffic_light(target=target, actual=actual, direction=HIGHER, tolerance_pct=tolerance)
    assert light == expected


@pytest.mark.parametrize(
    ("target", "tolerance", "actual", "expected"),
    [
        (100, 5, 99, Light.green),
        (100, 5, 100, Light.green),
        (100, 5, 100.01, Light.yellow),
        (100, 5, 105, Light.yellow),  # exactly on the band's edge
        (100, 5, 105.01, Light.red),
        (220, 5, 231, Light.yellow),  # Lörrach's Eingliederungshilfe 2025: on the edge
        (1.1, 10, 1.21, Light.yellow),  # 1.1 × 1.1 is 1.2100000000000002 in floats
        (100, 0, 100, Light.green),
        (100, 0, 100.001, Light.red),
        (0, 5, 0, Light.green),
        (0, 5, 0.1, Light.red),
        (-100, 10, -100, Light.green),
        (-100, 10, -90, Light.yellow),
        (-100, 10, -89.99, Light.red),
        (-100, 10, -150, Light.green),
    ],
)
def test_traffic_light_lower_is_better(target, tolerance, actual, expected) -> None:
    light = traffic_light(target=target, actual=actual, direction=LOWER, tolerance_pct=tolerance)
    assert light == expected


@pytest.mark.parametrize(("target", "actual"), [(None, 5), (5, None), (None, None)])
def test_a_missing_value_is_grey_not_red(target, actual) -> None:
    for direction in (HIGHER, LOWER):
        light = traffic_light(target=target, actual=actual, direction=direction, tolerance_pct=5)
        assert light == Light.none


def test_every_light_has_a_word_and_a_symbol() -> None:
    words = {light: light.label for light in Light}
    assert words == {
        Light.green: "erreicht",
        Light.yellow: "knapp verfehlt",
        Light.red: "verfehlt",
        Light.none: "keine Angabe",
    }
    assert len({light.symbol for light in Light}) == 4


@pytest.mark.parametrize(
    ("target", "actual", "direction", "expected"),
    [
        (100, 95, HIGHER, Decimal("95.0")),
        (100, 110, LOWER, Decimal("90.9")),  # target / actual
        (112, 110, LOWER, Decimal("101.8")),
        # a badly missed lower-is-better figure: low, never negative (was -80,7 %)
        (100, 280.7, LOWER, Decimal("35.6")),
        (100, 10_000, LOWER, Decimal("1.0")),
        (100, 0, LOWER, Decimal("200.0")),  # the cap, also for 0 or below
        (100, -5, LOWER, Decimal("200.0")),
        (100, 250, HIGHER, Decimal("200.0")),
        (100, -40, HIGHER, Decimal("0.0")),
        (100, 1e30, HIGHER, Decimal("200.0")),
        (0, 5, HIGHER, None),
        (-10, -5, HIGHER, None),
        (100, None, HIGHER, None),
    ],
)
def test_degree_of_achievement(target, actual, direction, expected) -> None:
    assert degree_of_achievement(target=target, actual=actual, direction=direction) == expected


def test_roll_up_shows_the_worst_colour_with_a_value_and_counts_all() -> None:
    rollup = roll_up([Light.green, Light.red, Light.none, Light.yellow, Light.green])
    assert rollup == Rollup(green=2, yellow=1, red=1, without_value=1)
    assert rollup.light == Light.red
    assert rollup.summary == "2 erreicht, 1 knapp verfehlt, 1 verfehlt, 1 ohne Wert"
    assert roll_up([Light.green, Light.yellow]).light == Light.yellow
    assert roll_up([Light.green, Light.none]).light == Light.green


def test_roll_up_without_any_value_is_grey() -> None:
    assert roll_up([Light.none, Light.none]).light == Light.none
    assert roll_up([]).light == Light.none
    assert roll_up([]).total == 0


@pytest.mark.parametrize(
    ("current", "previous", "direction", "expected"),
    [
        (110, 100, HIGHER, Trend.improving),
        (90, 100, HIGHER, Trend.worsening),
        (101, 100, HIGHER, Trend.stable),  # exactly 1 %: stable
        (99, 100, HIGHER, Trend.stable),
        (101.01, 100, HIGHER, Trend.improving),
        (90, 100, LOWER, Trend.improving),
        (110, 100, LOWER, Trend.worsening),
        (98.99, 100, LOWER, Trend.improving),
        (0, 0, LOWER, Trend.stable),
        (1, 0, HIGHER, Trend.improving),
        (-110, -100, HIGHER, Trend.worsening),
        (None, 100, HIGHER, Trend.unknown),
        (100, None, LOWER, Trend.unknown),
    ],
)
def test_trend_is_direction_aware(current, previous, direction, expected) -> None:
    assert trend(current=current, previous=previous, direction=direction) == expected
    assert expected.label and expected.symbol
