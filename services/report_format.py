"""What both report formats (HTML/PDF and .xlsx) say the same way: the labels of directions
and measure counts, and the small SVG trend chart (sparkline). Apart from `services.reports`
so that `services.report_xlsx` needs nothing from the module that calls it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from models.german import german_number
from models.strategy import Direction, MeasureStatus

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
    height: int = 26,
) -> str:
    """A small inline SVG line of the actuals per year, the last point marked, the target
    as a dashed line; with a text alternative (role img, title) for screen readers."""
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
    pad = 4

    def x(year: int) -> float:
        return pad + (year - first) * (width - 2 * pad) / steps

    def y(value: float) -> float:
        return height - pad - (value - low) * (height - 2 * pad) / span

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
    return "".join(parts) + "</svg>"
