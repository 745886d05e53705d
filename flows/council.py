"""The daily council sync as a flow: every body with an OParl endpoint (body.toml, [oparl]).

The work is services.council_sync's, as for `kreislauf council sync`; this flow only picks
the bodies, logs in German and fails when a body's system could not be read (the others are
synced all the same; nothing is changed for the one that failed).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from prefect import flow
from prefect.logging import get_run_logger
from sqlmodel import select

from flows.runtime import engine, entry_now, flow_actor
from models.body import Body
from models.db import session_scope
from models.errors import KreislaufError


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except Exception:  # outside a run (flow.fn in tests): the module's logger
        return logging.getLogger(__name__)


@flow(
    name="council-sync",
    description="Sitzungstermine aus dem Ratsinformationssystem (OParl) übernehmen und "
    "abhängige Fristen nachführen.",
)
def council_sync(body: str | None = None, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Sync `body` (slug), or every body with [oparl]; returns one summary per body."""
    from services.council_sync import sync_council

    moment = entry_now(now)
    with session_scope(engine()) as session:
        query = select(Body).order_by(Body.slug)
        if body is not None:
            query = query.where(Body.slug == body)
        bodies = [row for row in session.exec(query).all() if row.oparl]
    summaries: list[dict[str, Any]] = []
    failures: list[str] = []
    log = _logger()
    for current in bodies:
        try:
            result = sync_council(engine(), body=current, now=moment, actor=flow_actor())
        except KreislaufError as error:
            failures.append(f"{current.slug}: {error.text()}")
            log.error("%s: %s", current.slug, error.text())
            continue
        for line in result.moves:
            log.info("%s: verschoben: %s", current.slug, line)
        for warning in result.warnings:
            log.warning("%s: %s", current.slug, warning)
        summaries.append(
            {
                "body": current.slug,
                "read": result.read,
                "new": result.new,
                "changed": result.changed,
                "cancelled": result.cancelled,
                "moved": result.moves,
                "messages": result.messages,
                "warnings": result.warnings,
            }
        )
    if failures:
        raise RuntimeError("OParl-Abgleich fehlgeschlagen:\n" + "\n".join(failures))
    return summaries
