"""What every flow needs: the database, the actor, the instant `now`, quiet fast runs.

Flows read the wall clock only here, at their entry, when no `now` is passed; everything
below takes `now` as an argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pendulum
import sqlalchemy as sa
from sqlmodel import Session

from config.settings import Settings
from models.body import Body
from models.db import make_engine, require_current_schema, session_scope
from services.bodies import resolve_body

_engines: dict[str, sa.Engine] = {}
_database_override: list[str] = []


def entry_now(now: dt.datetime | None) -> pendulum.DateTime:
    """The flow's instant: the given one, or the wall clock once, in Europe/Berlin."""
    if now is None:
        return pendulum.now("Europe/Berlin")
    return pendulum.instance(now).in_timezone("Europe/Berlin")


def flow_actor() -> str:
    from prefect.runtime import flow_run

    return f"flow:{flow_run.name or 'lokal'}:{flow_run.id or '-'}"


def database_url() -> str:
    return _database_override[-1] if _database_override else Settings().resolved_database_url


@contextmanager
def use_database(url: str) -> Iterator[None]:
    """Flows in this process use `url` (simulation, tests); without, KREISLAUF_DATABASE_URL."""
    _database_override.append(url)
    try:
        yield
    finally:
        _database_override.pop()


def engine() -> sa.Engine:
    url = database_url()
    if url not in _engines:
        _engines[url] = make_engine(url)
        require_current_schema(_engines[url])
    return _engines[url]


@contextmanager
def body_session(slug: str) -> Iterator[tuple[Session, Body]]:
    with session_scope(engine()) as session:
        yield session, resolve_body(session=session, slug=slug)


def dispose_engines() -> None:
    for current in _engines.values():
        current.dispose()
    _engines.clear()


@contextmanager
def fast_flow_runs() -> Iterator[None]:
    """Flow runs without the heartbeat thread: about 0.1 s each instead of 1 s (measured)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
