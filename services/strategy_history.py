"""Earlier strategy versions on record (strategy.toml, [[history]]), so numbers tell the truth.

An earlier version is a `StrategyVersion` row with `history_only`: number, date, resolution
and summary, no content. Versions are numbered in date order, the earlier ones first; adding
an earlier version to an installed body renumbers the others in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from models.body import Body
from models.db import id_of
from models.errors import KreislaufError
from models.strategy import StrategyVersion, adopted_text

if TYPE_CHECKING:
    from config.schema import HistorySpec


def sync_history(
    entries: list[HistorySpec], body: Body, *, session: Session, now: dt.datetime
) -> list[str]:
    """Add the earlier versions missing from the database, update what the file says about
    those on record, and number all versions in date order. Nothing is deleted: an earlier
    version that left the file stays on record. Returns a German line per change (empty: the
    database already says what the file says, and nothing was written)."""
    rows = list(
        session.exec(
            select(StrategyVersion)
            .where(StrategyVersion.body_id == id_of(body))
            .order_by(col(StrategyVersion.number))
        ).all()
    )
    on_record = [row for row in rows if row.history_only]
    adopted = [row for row in rows if not row.history_only]
    first = adopted[0] if adopted else None
    changes: list[str] = []
    added: list[StrategyVersion] = []
    for index, entry in enumerate(entries):
        start, end = entry.span
        where = f"strategy.toml, history[{index}]"
        if first is not None and end >= first.adopted_on:
            raise KreislaufError(
                f"{where}: die frühere Version muss vor der ersten erfassten Version "
                f"({adopted_text(first)}) beschlossen sein; nichts wurde geändert."
            )
        matches = [row for row in on_record if _overlaps(_span(row), (start, end))]
        if len(matches) > 1:
            raise KreislaufError(
                f"{where}: passt zu mehreren erfassten früheren Versionen "
                f"({', '.join(adopted_text(row) for row in matches)}); nichts wurde geändert."
            )
        wanted = {
            "label": entry.label,
            "adopted_on": start,
            "adopted_year_only": entry.adopted_in_year is not None,
            "resolution": entry.resolution,
            "summary": entry.summary,
        }
        if matches:
            row = matches[0]
            differing = [name for name, value in wanted.items() if getattr(row, name) != value]
            for name in differing:
                setattr(row, name, wanted[name])
            if differing:
                changes.append(f"Angaben zur früheren Strategieversion {entry.label} geändert")
            continue
        row = StrategyVersion(
            body_id=id_of(body),
            number=0,  # set below, in date order
            label=entry.label,
            vision="",
            adopted_on=start,
            adopted_year_only=entry.adopted_in_year is not None,
            resolution=entry.resolution,
            summary=entry.summary,
            history_only=True,
            created_at=now,
        )
        added.append(row)
        changes.append(f"Frühere Strategieversion ergänzt: {entry.label} ({adopted_text(row)})")
    earlier = sorted(on_record + added, key=lambda row: row.adopted_on)
    renumbered = _renumber(earlier + adopted, added, session=session)
    if renumbered:
        changes.append("Strategieversionen nach ihrem Datum neu nummeriert: " + renumbered)
    return changes


def _renumber(
    ordered: list[StrategyVersion], added: list[StrategyVersion], *, session: Session
) -> str:
    """Number `ordered` 1..n; returns "Version 1 → 3, ..." for the stored rows that moved.

    Two steps keep UniqueConstraint(body_id, number) intact at every statement (PostgreSQL
    checks it per row): the stored rows that move first take a number of their own below
    zero, then every row its place."""
    new = {id(row) for row in added}
    moved = [
        (row, row.number, place)
        for place, row in enumerate(ordered, start=1)
        if id(row) not in new and row.number != place
    ]
    if moved:
        for row, _, _ in moved:
            row.number = -id_of(row)
        session.flush()
        for row, _, place in moved:
            row.number = place
    for place, row in enumerate(ordered, start=1):
        if id(row) in new:
            row.number = place
            session.add(row)
    session.flush()
    return ", ".join(f"Version {before} → {place}" for _, before, place in moved)


def _span(row: StrategyVersion) -> tuple[dt.date, dt.date]:
    if row.adopted_year_only:
        return dt.date(row.adopted_on.year, 1, 1), dt.date(row.adopted_on.year, 12, 31)
    return row.adopted_on, row.adopted_on


def _overlaps(one: tuple[dt.date, dt.date], other: tuple[dt.date, dt.date]) -> bool:
    """The same version: the same day, or a year that holds the other's day or year."""
    return one[0] <= other[1] and other[0] <= one[1]
