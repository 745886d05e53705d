"""What the dashboard computes from a body's data, kept in each process until the data changes.

The evaluation of a cycle (and the other views the controlling overview and the API build:
the cycle's phases and tasks, the strategy, the money) is computed when its data changes, not
on every view. Each entry is keyed by the body's data revision (models.revision): a counter
that the database's own triggers raise in the same transaction as any insert, update or
delete of the body's rows in the tables with a `body_id` (and partial_budget_department),
whoever writes them (the web, the CLI, a Prefect flow, bare SQL in a bench or a repair).
Rows of a delivery's own tables (a submission's figures, a plan's goals, a budget
resolution's amendments) have no trigger: they are written with their parent row, which has
one; a repair by bare SQL of only such rows needs a restart of the web.

Why a stale view is never shown, also with several web workers (processes) and after writes
that do not go through the web:
- every request reads the counter first, in its own transaction (one primary-key lookup);
  a write committed before that read has raised it, so an entry stored under the old value
  is never found again, in any process;
- a write committed after the read but before the computation only makes the entry newer
  than its key, never older (and the next request reads the raised counter);
- each process keeps its own entries (a DashboardCache per app, so per database): nothing
  shared to invalidate, no message between workers; a change costs each worker one
  computation of each view it serves;
- the key also holds whatever else the view depends on: the body row's own values (it has
  no body_id, so no trigger), the year, the day of the view (days overdue, the timeline).
The as-of view (`?on=`, services.as_of) rebuilds the past from the audit trail and is never
kept. Entries are plain frozen views, shared between requests: callers must not change them.
Only requests that write nothing may keep a view: a view computed inside a transaction that
wrote (and raised the counter) could be rolled back. TRUNCATE fires no trigger, and a
database restored from a backup brings its old counters: restart the web after either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlmodel import Session, select

from models.body import Body
from models.db import id_of
from models.revision import DataRevision

T = TypeVar("T")

MAX_ENTRIES = 1024  # per process: a view or two of each cycle of several hundred bodies


class DashboardCache:
    """The kept views of one database in one process (an app's), least recently used out."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, object] = OrderedDict()
        self.revisions: dict[int, int] = {}  # per body: the newest revision kept
        self.keys: dict[int, set[Hashable]] = {}  # per body: its keys at that revision
        self.lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T], *, body: int, revision: int) -> T:
        """The entry `key` of `body` at `revision`, computed if absent; storing one drops the
        body's entries of older revisions (never to be found again)."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]  # type: ignore[return-value]
        value = compute()
        with self.lock:
            if self.revisions.get(body, revision) < revision:
                for old in self.keys.pop(body, set()):
                    self.entries.pop(old, None)
            if self.revisions.get(body, revision) <= revision:
                self.revisions[body] = revision
                self.keys.setdefault(body, set()).add(key)
                self.entries[key] = value
            while len(self.entries) > self.size:
                dropped, _ = self.entries.popitem(last=False)
                for keys in self.keys.values():
                    keys.discard(dropped)
        return value


def data_revision(session: Session, body: Body) -> int:
    """The body's counter as this transaction sees it (0 before its first watched write)."""
    found = session.exec(
        select(DataRevision.revision).where(DataRevision.body_id == id_of(body))
    ).first()
    return found or 0


def body_values(body: Body) -> tuple[object, ...]:
    """The body row's values: its name, calendar or time zone change without a trigger."""
    return tuple(sorted((key, repr(value)) for key, value in body.model_dump().items()))


class Revision:
    """The counter read once for a request; `get` keeps views under it in `cache`."""

    def __init__(self, session: Session, body: Body, cache: DashboardCache) -> None:
        self.cache = cache
        self.body, self.revision = id_of(body), data_revision(session, body)
        self.key: tuple[object, ...] = (self.body, self.revision, body_values(body))

    def get(self, name: str, extra: Hashable, compute: Callable[[], T]) -> T:
        """The view `name` for `extra` (year, day, ...) at this revision, computed if absent."""
        return self.cache.get(
            (name, extra, *self.key), compute, body=self.body, revision=self.revision
        )
