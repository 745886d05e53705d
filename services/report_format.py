"""What both report formats (HTML/PDF and .xlsx) say the same way: the labels of directions
and measure counts, and the small SVG trend chart (sparkline). Apart from `services.reports`
so that `services.report_xlsx` needs nothing from the module that calls it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape

from models.change_set import StrategyContent
from models.german import german_date, german_euro, german_number
from models.strategy import Direction, MeasureStatus, StrategyVersion
from models.strategy_diff import DiffEntry, diff_element

DIRECTION_LABELS = {
    Direction.higher_is_better: "höher ist besser",
    Direction.lower_is_better: "niedriger ist besser",
}


def measures_text(counts: dict[MeasureStatus, int]) -> str:
    """'2 in Umsetzung, 1 umgesetzt' (statuses without measures left out), or '–'."""
    parts = [f"{count} {status.label}" for status, count in counts.items() if count]
    return ", ".join(parts) or "–"


def sparkline_svg(
    series: Sequence[tuple[int, float | None]],
    *,
    target: float | None = None,
    width: int = 96,
    height: int = 36,
) -> str:
    """A small inline SVG line of the actuals per year, the last point marked, the target
    as a dashed line, the first and last year written under it; with a text alternative
    (role img, title) naming every year and value for screen readers."""
    points = [(year, value) for year, value in series if value is not None]
    alt = "Verlauf der Ist-Werte: " + (
        "; ".join(f"{year}: {german_number(value)}" for year, value in points) or "keine Werte"
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(alt)}">'
        f"<title>{escape(alt)}</title>"
    )
    if not points:
        return head + "</svg>"
    values = [value for _, value in points] + ([target] if target is not None else [])
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    years = [year for year, _ in series]
    first, steps = years[0], max(len(years) - 1, 1)
    pad, label = 4, 10  # the bottom `label` pixels hold the years

    def x(year: int) -> float:
        return pad + (year - first) * (width - 2 * pad) / steps

    def y(value: float) -> float:
        return height - label - pad - (value - low) * (height - label - 2 * pad) / span

    parts = [head]
    if target is not None:
        parts.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            'stroke="#777" stroke-width="1" stroke-dasharray="3,2"/>'
        )
    coords = " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in points)
    parts.append(f'<polyline points="{coords}" fill="none" stroke="#1f4e79" stroke-width="1.5"/>')
    last_year, last_value = points[-1]
    parts.append(
        f'<circle cx="{x(last_year):.1f}" cy="{y(last_value):.1f}" r="2.5" fill="#1f4e79"/>'
    )
    text = 'font-size="9" fill="#444" font-family="DejaVu Sans, sans-serif"'
    parts.append(f'<text x="1" y="{height - 1}" {text}>{years[0]}</text>')
    if years[-1] != years[0]:
        parts.append(
            f'<text x="{width - 1}" y="{height - 1}" text-anchor="end" {text}>{years[-1]}</text>'
        )
    return "".join(parts) + "</svg>"


def money_chart_svg(
    series: Sequence[tuple[int, Decimal | None, Decimal | None]],
    *,
    width: int = 230,
    height: int = 96,
) -> str:
    """A small inline SVG bar chart of the net requirement per year: plan (light bar) beside
    result (dark bar), the year under each pair, a zero line; with a text alternative."""
    alt = "Zuschussbedarf je Jahr (Plan / Ergebnis): " + (
        "; ".join(
            f"{year}: {german_euro(plan)} / {german_euro(result)}" for year, plan, result in series
        )
        or "keine Werte"
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(alt)}">'
        f"<title>{escape(alt)}</title>"
    )
    values = [v for _, plan, result in series for v in (plan, result) if v is not None]
    if not values:
        return head + "</svg>"
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    span = (high - low) or Decimal(1)
    top, bottom = 12, height - 14  # room for the value label above, the year below
    slot = (width - 8) / len(series)
    bar = min(slot * 0.36, 22.0)

    def y(value: Decimal) -> float:
        return top + float((high - value) / span) * (bottom - top)

    parts = [head]
    zero = y(Decimal(0))
    for index, (year, plan, result) in enumerate(series):
        left = 4 + index * slot + (slot - 2 * bar) / 2
        for offset, value, fill in ((0.0, plan, "#9fb8d3"), (bar, result, "#1f4e79")):
            if value is None:
                continue
            y1, y2 = sorted((y(value), zero))
            parts.append(
                f'<rect x="{left + offset:.1f}" y="{y1:.1f}" width="{bar - 1:.1f}" '
                f'height="{max(y2 - y1, 0.5):.1f}" fill="{fill}"/>'
            )
        parts.append(
            f'<text x="{left + bar:.1f}" y="{height - 3}" font-size="8" text-anchor="middle" '
            f'font-family="DejaVu Sans, sans-serif">{year}</text>'
        )
    parts.append(
        f'<line x1="2" x2="{width - 2}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#555" '
        'stroke-width="0.6"/>'
    )
    extreme = high if high >= -low else low  # the scale: the largest amount, at its side
    parts.append(
        f'<text x="2" y="{8 if extreme >= 0 else bottom - 2}" font-size="7" fill="#555" '
        f'font-family="DejaVu Sans, sans-serif">{escape(german_millions(extreme))}</text>'
    )
    return "".join(parts) + "</svg>"


def german_millions(value: Decimal) -> str:
    """The chart's scale: 9620000 -> "9,6 Mio. €"; below a million in thousands."""
    if abs(value) >= 1_000_000:
        return f"{german_number(value / 1_000_000, places=1)} Mio. €"
    return f"{german_number(value / 1_000, places=0)} Tsd. €"


OUTSIDE_STRATEGY = "Schwerpunkt außerhalb der geltenden Strategie"


class PriorityNames:
    """How people read a priority: its field of action and number ("Schwerpunkt 2", its
    position in the field), never its internal key like "digitale-verwaltung.2" (a key
    stays the same across versions, so its number part need not be the position)."""

    def __init__(self, fields: Iterable[tuple[str, Iterable[str]]]) -> None:
        """`fields`: (field name, priority codes in their order) of one strategy version."""
        self._places: dict[str, tuple[str, int]] = {}
        for field_name, codes in fields:
            for number, code in enumerate(codes, start=1):
                self._places[code] = (field_name, number)

    @classmethod
    def of_content(cls, content: StrategyContent) -> PriorityNames:
        """The names in a strategy version's content (models.strategy_versions)."""
        return cls((f.name, [code for code, _ in f.priorities]) for f in content.fields)

    def number(self, code: str | None) -> str:
        """'Schwerpunkt 2' (the field is said beside it)."""
        if code is None or code not in self._places:
            return OUTSIDE_STRATEGY
        return f"Schwerpunkt {self._places[code][1]}"

    def full(self, code: str | None) -> str:
        """'Klima & Biodiversität, Schwerpunkt 2'."""
        if code is None or code not in self._places:
            return OUTSIDE_STRATEGY
        field_name, number = self._places[code]
        return f"{field_name}, Schwerpunkt {number}"


def diff_element_name(entry: DiffEntry, before: PriorityNames, after: PriorityNames) -> str:
    """What a diff entry changed as people read it: a priority by its number where it
    stands (in the old version if removed), anything else by its kind ("Leitsatz 3",
    "Vision", "Schlüsselposition 11.20.04")."""
    if (entry.get("kind") or "priority") == "priority":
        names = before if entry["change"] == "removed" else after
        return names.number(entry.get("priority"))
    return diff_element(entry)


def version_label(version: StrategyVersion) -> str:
    """'Version 2 (Beschluss KT/2027/045 vom 21.07.2027)': the date only once, even when
    the resolution's text already names it."""
    date = german_date(version.adopted_on)
    resolution = version.resolution.strip()
    if date in resolution:
        return f"Version {version.number} ({resolution})"
    return f"Version {version.number} ({resolution}, {date})"
