"""Rows that configuration names by key: inserted when new, updated where they differ.

Shared by the body's organisation and its figures, which are written from different files
but the same way; apart so that neither of those modules needs the other.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, col, select

from models.body import Body
from models.db import id_of
from models.organisation import Committee, Contact, Department, Faction
from models.strategy import KeyFigure

_Keyed = TypeVar("_Keyed", Department, Contact, Faction, Committee, KeyFigure)


def upsert_by_key(
    session: Session,
    table: type[_Keyed],
    body: Body,
    rows: list[dict[str, Any]],
    label: str,
    changes: list[str],
) -> dict[str, _Keyed]:
    existing = {
        row.key: row
        for row in session.exec(select(table).where(col(table.body_id) == body.id)).all()
    }
    result = {}
    for values in rows:
        row = existing.get(values["key"])
        if row is None:
            row = table(body_id=id_of(body), **values)
            session.add(row)
            changes.append(f"{label} {values.get('name', values['key'])} neu")
        else:
            differing = [name for name, value in values.items() if getattr(row, name) != value]
            for name in differing:
                setattr(row, name, values[name])
            if differing:
                changes.append(f"{label} {row.name} geändert ({', '.join(differing)})")
        result[values["key"]] = row
    session.flush()
    return result
