"""Money rules of the budget side (pure, no database): net requirement, plan, deviation,
apportionment to the strategic priorities and the blind spots a controlling office asks for.

- Net requirement (Zuschussbedarf) of a product group and year = ordinary expenses minus
  ordinary income of the Ergebnishaushalt (account classes 4 and 3). Investment payments are
  shown apart and never enter the net requirement. A negative value is a surplus.
- Planned for a year = the fortgeschriebener Ansatz where the group has one for that year,
  else the Ansatz; the profile says which (`PLAN_BASIS_LABELS`).
- Deviation = result − planned, in EUR and in percent of |planned| (one decimal); no percent
  when the plan is 0. A positive deviation means more money was needed than planned.
- Apportionment: a group's net requirement is split across the priorities its active key
  figures and operational goals serve, in proportion to how many of them serve each priority;
  cents are kept by the largest-remainder method, so the parts add up to the whole exactly. A
  group none of whose figures or goals serves a priority goes whole to "keinem Schwerpunkt
  zugeordnet" (`APPORTIONMENT_RULE` says so in the report).
- Blind spots: priorities with no figure and no goal (hence no product group), and product
  groups whose money is large (at least `LARGE_SHARE` of the body's total net requirement,
  counted in amounts) without any figure or goal.

Amounts are Decimal throughout; floats never carry money.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from models.budget import BudgetKind, BudgetSide

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LARGE_SHARE = Decimal("0.01")  # 1 % of the body's total net requirement
UNATTRIBUTED = "keinem Schwerpunkt zugeordnet"
APPORTIONMENT_RULE = (
    "Der Zuschussbedarf einer Produktgruppe wird auf die Schwerpunkte verteilt, denen ihre "
    "aktiven Kennzahlen und Leistungsziele dienen, im Verhältnis ihrer Anzahl je Schwerpunkt "
    "(Beispiel: zwei Kennzahlen für A und ein Leistungsziel für B ergeben 2/3 für A und 1/3 "
    "für B). Cent-Beträge werden nach dem Verfahren der größten Reste verteilt, die Teile "
    "ergeben die Summe genau. Eine Produktgruppe ohne Kennzahl oder Leistungsziel mit "
    f"Schwerpunkt zählt vollständig zu „{UNATTRIBUTED}“."
)
NET_RULE = (
    "Zuschussbedarf = ordentliche Aufwendungen − ordentliche Erträge des Ergebnishaushalts "
    "(negativ: Überschuss). Plan = fortgeschriebener Ansatz, wo vorhanden, sonst Ansatz. "
    "Abweichung = Ergebnis − Plan (positiv: mehr Zuschussbedarf als geplant), in % des Plans. "
    "Investitionen werden gesondert gezeigt."
)


class PlanBasis(StrEnum):
    ansatz = "ansatz"
    fortgeschrieben = "fortgeschrieben"

    @property
    def label(self) -> str:
        return PLAN_BASIS_LABELS[self]


PLAN_BASIS_LABELS = {
    PlanBasis.ansatz: "Plan: Ansatz",
    PlanBasis.fortgeschrieben: "Plan: fortgeschriebener Ansatz",
}


@dataclass(frozen=True)
class Amounts:
    """The sums of one group, year and kind, per side."""

    income: Decimal = ZERO
    expenses: Decimal = ZERO
    investment_income: Decimal = ZERO
    investment_expenses: Decimal = ZERO
    # whether the lines had investment payments at all: a result without them is unknown,
    # not zero (many exports of the Ergebnishaushalt carry none)
    investments: bool = False
    # whether the lines had income or expenses (classes 3 and 4) at all: a kind made only of
    # investment lines has no known net requirement, not one of 0
    ordinary: bool = True

    @property
    def net(self) -> Decimal | None:
        if not self.ordinary:
            return None
        return net_requirement(income=self.income, expenses=self.expenses)

    @property
    def investment_net(self) -> Decimal | None:
        """Investment payments out minus in (shown apart from the net requirement); None
        when the lines had none."""
        if not self.investments:
            return None
        return self.investment_expenses - self.investment_income


def net_requirement(*, income: Decimal, expenses: Decimal) -> Decimal:
    """Zuschussbedarf: expenses − income of the Ergebnishaushalt."""
    return expenses - income


def sum_sides(lines: Iterable[tuple[BudgetSide | str, Decimal]]) -> Amounts:
    """The amounts of (side, amount) pairs, summed per side."""
    sums = {side: ZERO for side in BudgetSide}
    investments = ordinary = False
    for side, amount in lines:
        kind = BudgetSide(side)
        sums[kind] += amount
        if kind in INVESTMENT_SIDES:
            investments = True
        else:
            ordinary = True
    return Amounts(
        income=sums[BudgetSide.income],
        expenses=sums[BudgetSide.expenses],
        investment_income=sums[BudgetSide.investment_income],
        investment_expenses=sums[BudgetSide.investment_expenses],
        investments=investments,
        ordinary=ordinary,
    )


INVESTMENT_SIDES = frozenset({BudgetSide.investment_income, BudgetSide.investment_expenses})


def planned(by_kind: Mapping[BudgetKind, Amounts]) -> tuple[Amounts, PlanBasis] | None:
    """The plan of one year: the fortgeschriebener Ansatz if any, else the Ansatz, else None."""
    if BudgetKind.fortgeschrieben in by_kind:
        return by_kind[BudgetKind.fortgeschrieben], PlanBasis.fortgeschrieben
    if BudgetKind.ansatz in by_kind:
        return by_kind[BudgetKind.ansatz], PlanBasis.ansatz
    return None


@dataclass(frozen=True)
class Deviation:
    amount: Decimal  # result − planned
    pct: Decimal | None  # in % of |planned|, one decimal; None when planned is 0


def deviation(*, planned: Decimal | None, result: Decimal | None) -> Deviation | None:
    """Result − planned in EUR and percent; None when either is unknown."""
    if planned is None or result is None:
        return None
    amount = result - planned
    if planned == 0:
        return Deviation(amount, None)
    pct = (amount * 100 / abs(planned)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Deviation(amount, pct)


def comparable(
    pairs: Iterable[tuple[Decimal | None, Decimal | None]],
) -> list[tuple[Decimal, Decimal]]:
    """The (planned, result) pairs where both are known: a total's deviation is taken over
    these only, else a group whose Ergebnis is not yet in looks like a saving of its plan."""
    return [(plan, result) for plan, result in pairs if plan is not None and result is not None]


def total_deviation(pairs: Iterable[tuple[Decimal | None, Decimal | None]]) -> Deviation | None:
    """The deviation of a total over the groups with a plan and a result (`comparable`)."""
    both = comparable(pairs)
    if not both:
        return None
    return deviation(
        planned=sum((plan for plan, _ in both), ZERO),
        result=sum((result for _, result in both), ZERO),
    )


def apportion(amount: Decimal, weights: Mapping[str, int]) -> dict[str, Decimal]:
    """`amount` split in proportion to the positive `weights`, to the cent, the parts adding
    up exactly (largest remainder; ties go to the key first in `weights`). Empty when no
    weight is positive: the whole amount is then unattributed."""
    keys = [key for key, weight in weights.items() if weight > 0]
    if not keys:
        return {}
    total_weight = sum(weights[key] for key in keys)
    sign = -1 if amount < 0 else 1
    cents = int((abs(amount) / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    exact = {key: Decimal(cents) * weights[key] / total_weight for key in keys}
    floors = {
        key: int(value.to_integral_value(rounding=ROUND_DOWN)) for key, value in exact.items()
    }
    left = cents - sum(floors.values())
    by_remainder = sorted(keys, key=lambda key: (-(exact[key] - floors[key]), keys.index(key)))
    for key in by_remainder[:left]:
        floors[key] += 1
    return {key: sign * Decimal(floors[key]) * CENT for key in keys}


@dataclass(frozen=True)
class GroupLinks:
    """What links one product group to the strategy: its money and the priority codes of its
    active figures and goals (one entry per figure or goal; None for one without priority)."""

    number: str
    net: Decimal | None  # the amount to apportion; None: no money on record
    priority_codes: Sequence[str | None]


@dataclass(frozen=True)
class Apportionment:
    by_priority: dict[str, Decimal]
    unattributed: Decimal
    # (group number, priority code or None for unattributed) -> part
    parts: dict[tuple[str, str | None], Decimal]


def apportion_groups(groups: Iterable[GroupLinks], known_codes: Iterable[str]) -> Apportionment:
    """Every group's net requirement to the priorities in `known_codes` (codes outside the
    strategy in force count as no priority); the rest to 'keinem Schwerpunkt zugeordnet'."""
    known = set(known_codes)
    by_priority: dict[str, Decimal] = {}
    unattributed = ZERO
    parts: dict[tuple[str, str | None], Decimal] = {}
    for group in groups:
        if group.net is None:
            continue
        weights: dict[str, int] = {}
        for code in group.priority_codes:
            if code is not None and code in known:
                weights[code] = weights.get(code, 0) + 1
        split = apportion(group.net, weights)
        if not split:
            unattributed += group.net
            parts[(group.number, None)] = group.net
        for code, part in split.items():
            by_priority[code] = by_priority.get(code, ZERO) + part
            parts[(group.number, code)] = part
    return Apportionment(by_priority, unattributed, parts)


def priorities_without_links(codes: Sequence[str], linked_codes: Iterable[str | None]) -> list[str]:
    """The priority codes (in the given order) that no figure and no goal serves."""
    linked = set(linked_codes)
    return [code for code in codes if code not in linked]


def large_groups_without_links(
    groups: Iterable[GroupLinks], *, share: Decimal = LARGE_SHARE
) -> list[str]:
    """Numbers of the groups whose |net requirement| is at least `share` of the sum of all
    groups' |net requirement| and that have no figure and no goal at all, largest first."""
    listed = list(groups)
    total = sum((abs(g.net) for g in listed if g.net is not None), ZERO)
    if total == 0:
        return []
    large = [
        g
        for g in listed
        if g.net is not None and not g.priority_codes and abs(g.net) >= total * share
    ]
    return [g.number for g in sorted(large, key=lambda g: (-abs(g.net or ZERO), g.number))]
