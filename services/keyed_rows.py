"""Rows that configuration names by key: inserted when new, updated where they differ.

Shared by the body's organisation and its figures, which are written from different files
but the same way; apart so that neither of those modules needs the other.
"""

from __future__ import annotations

from sqlmodel import Session, select

from models.body import Body


def upsert_by_key(
    session: Session,
    table,
    body: Body,
    rows: list[dict],
    label: str,  # type: ignore[no-untyped-def]
    changes: list[str],
) -> dict:  # type: ignore[type-arg]
    existing = {
        row.key: row for row in session.exec(select(table).where(table.body_id == body.id)).all()
    }
    result = {}
    for values in rows:
        row = existing.get(values["key"])
        if row is None:
            row = table(body_id=body.id, **values)
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
