"""The dispatcher: send what the outbox holds, record the outcome, retry with backoff.

First the day's reminders are grouped into digests (`notifications.digests`). A worker then
claims a batch of due rows by setting a lease (`claimed_until`, ten minutes on the clock at
the claim) and a fencing token of its own (`claim_token`) in one UPDATE (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`), so two dispatchers never send the same row. The rows are read and
digests rendered a few at a time; before each send the lease is renewed, only if the row
still carries the claim's token and the lease still holds (else the message is left to the
worker that claimed it since); each is delivered channel by channel (a retry skips the
channels that have it), and its outcome written in one short transaction only under the
claim's token: sent; or the error and the next attempt after the policy's backoff; or, after
the last attempt, failed (`reminders retry` requeues it). After the run the controlling
office is told of the run's failures in one notice per recipient, sent by the next run. A run
claims no new batch after TIME_LIMIT. A crash between sending and recording can only repeat a
send after the lease ends; the repeated e-mail carries the same Message-ID. With `processes`
> 1, more dispatcher processes (forked or spawned, one per 500 due messages) claim batches the
same way, so rendering and building e-mails use more cores.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.body import Body
from models.db import id_of, session_scope, table_of
from models.organisation import Contact, ContactRole, Department
from models.outbox import OutboxMessage, OutboxStatus
from models.reminder_policy import ReminderPolicy
from notifications.channels import Channels, DeliveryError, Outgoing
from notifications.digests import digest_items, group_digests, prepare_digest
from notifications.outbox import Message, enqueue
from notifications.render import render

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

LEASE = dt.timedelta(minutes=10)
# a run claims no new batch after this long: the next run (every five minutes) barely overlaps
TIME_LIMIT = dt.timedelta(minutes=4)

Clock = Callable[[], dt.datetime]


def running_clock(start: dt.datetime) -> Clock:
    """A clock that reads `start` now and then advances with real time (monotonic): the real
    clock when `start` is the real time (the entry points), the run's own time line when a
    test or a simulation passes a `now` of its own."""
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    # messages that failed for good in this run: the controlling office hears of them in one
    # notice per recipient (`_tell_the_controlling_office`)
    failed_ids: list[int] = field(default_factory=list)


def _due(now: dt.datetime, clock_now: dt.datetime) -> tuple[sa.ColumnElement[bool], ...]:
    """Pending, its next attempt due at the run's `now`, and no lease on it that still holds
    at `clock_now`."""
    table = table_of(OutboxMessage)
    return (
        table.c.status == OutboxStatus.pending.value,
        sa.or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < clock_now),
    )


def new_token() -> str:
    return uuid.uuid4().hex


def claim(
    engine: sa.Engine,
    now: dt.datetime,
    limit: int,
    *,
    clock: Clock | None = None,
    token: str | None = None,
) -> list[int]:
    """Lease up to `limit` due rows to this worker under the fencing `token` (a fresh one if
    not given); returns their ids. The lease runs from the clock's time at the claim (the
    `now` of the run only decides what is due). One UPDATE ... RETURNING: on PostgreSQL its
    rows are picked `FOR UPDATE SKIP LOCKED`; SQLite runs the statement, its select included,
    under the database's single write lock, so a second process sees the lease and picks
    other rows."""
    table = table_of(OutboxMessage)
    clock_now = (clock or running_clock(now))()
    due = (
        sa.select(table.c.id)
        .where(*_due(now, clock_now))
        .order_by(table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        sa.update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(claimed_until=clock_now + LEASE, claim_token=token or new_token())
        .returning(table.c.id)
    )
    with engine.begin() as connection:
        return sorted(connection.execute(statement).scalars().all())


def dispatch(
    *,
    engine: sa.Engine,
    channels: Channels,
    now: dt.datetime,
    base_url: str | None = None,
    batch: int = 200,
    workers: int = 8,
    processes: int = 1,
    per_process: int = 500,
    clock: Clock | None = None,
    time_limit: dt.timedelta = TIME_LIMIT,
) -> DispatchReport:
    """Send every due message, `workers` at a time per process (sending waits on the
    network), in `processes` processes (rendering and building e-mails is CPU work, one core
    per process); returns what happened, summed over the processes. The main thread reads and
    renders the claimed messages a few at a time, with one query each for their rows and their
    digests' items; the workers deliver and record each outcome in one short transaction.
    Each process claims batches of its own: no message is sent by two of them. A spawned
    process takes about a second of CPU to start: one more is started for every `per_process` due
    messages, up to `processes` in all (a few retries are sent by this process alone).

    Leases are fenced: each claim carries a token of its own and a lease from `clock` (by
    default the real time line from `now` on, see `running_clock`); before each send the lease
    is renewed only if the row still carries that token and the lease still holds, else the
    message is left to whoever claimed it since; an outcome is recorded only under the token.
    No new batch is claimed once `time_limit` has passed on the clock."""
    clock = clock or running_clock(now)
    deadline = clock() + time_limit
    group_digests(engine, now)
    if processes > 1:
        table = table_of(OutboxMessage)
        with engine.connect() as connection:
            count = sa.select(sa.func.count()).select_from(table).where(*_due(now, clock()))
            due = connection.execute(count).scalar_one()
        processes = min(processes, max(1, due // max(per_process, 1)))
    if processes <= 1:
        report = _dispatch_claimed(engine, channels, now, base_url, batch, workers, clock, deadline)
        _tell_the_controlling_office(engine, report.failed_ids, now)
        return report
    batch = min(batch, 2 * PREPARE)  # smaller claims: the processes share the work evenly
    from concurrent.futures import ProcessPoolExecutor

    url = engine.url.render_as_string(hide_password=False)
    configuration = (channels.config_path, channels.email_url)
    with ProcessPoolExecutor(processes - 1, mp_context=_start_method()) as helpers:
        futures = [
            helpers.submit(
                _dispatch_in_process,
                url,
                configuration,
                (now, clock(), deadline),
                base_url,
                batch,
                workers,
            )
            for _ in range(processes - 1)
        ]
        report = _dispatch_claimed(engine, channels, now, base_url, batch, workers, clock, deadline)
        for future in futures:
            other = future.result()
            report.sent += other.sent
            report.retrying += other.retrying
            report.failed += other.failed
            report.errors += other.errors
            report.failed_ids += other.failed_ids
    _tell_the_controlling_office(engine, report.failed_ids, now)
    return report


def _start_method() -> BaseContext:
    """Forked when this process runs no other thread (the CLI): a helper is ready at once.
    Spawned (a fresh interpreter, about a second) when it does (Prefect's, apprise's
    threads): a forked child would inherit their locks, maybe held. Either way the helper
    opens its own database connections and SMTP connections."""
    import multiprocessing

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _dispatch_in_process(
    url: str,
    configuration: tuple[Path | None, str | None],
    times: tuple[dt.datetime, dt.datetime, dt.datetime],
    base_url: str | None,
    batch: int,
    workers: int,
) -> DispatchReport:
    """One more dispatcher, in a process of its own (see `dispatch`); `times`: the run's now,
    the clock's time when the process was submitted, and when to stop claiming."""
    from models.db import make_engine
    from notifications import smtp_pool

    smtp_pool.POOL = smtp_pool._Pool()  # forked: none of the parent's connections

    engine = make_engine(url)
    config_path, email_url = configuration
    channels = Channels(config_path=config_path, email_url=email_url)
    now, started, deadline = times
    clock = running_clock(started)
    try:
        return _dispatch_claimed(engine, channels, now, base_url, batch, workers, clock, deadline)
    finally:
        engine.dispose()


def _dispatch_claimed(
    engine: sa.Engine,
    channels: Channels,
    now: dt.datetime,
    base_url: str | None,
    batch: int,
    workers: int,
    clock: Clock,
    deadline: dt.datetime,
) -> DispatchReport:
    """Claim due messages a batch at a time and send them, until none is left or the clock
    has passed `deadline`. Each batch is claimed under a token of its own: a message claimed
    again (its lease ran out, by this run or another) is sent only under the newest claim."""
    report = DispatchReport()
    lock = threading.Lock()
    connections = _Connections(engine)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch") as pool:
            while clock() < deadline:
                token = new_token()
                ids = claim(engine, now, batch, clock=clock, token=token)
                if not ids:
                    break
                futures = [
                    pool.submit(_deliver, connections, channels, prepared, now, clock, report, lock)
                    for start in range(0, len(ids), PREPARE)
                    for prepared in _prepare(
                        engine, ids[start : start + PREPARE], token, base_url, now
                    )
                ]
                for future in futures:
                    future.result()
    finally:
        connections.close()
        channels.close()
    return report


class _Connections:
    """A database connection per sending thread, kept for the dispatch: each outcome is still
    one short transaction of its own, without a pool checkout (on PostgreSQL: a ping) each.
    In autocommit: a sent message's outcome is a single UPDATE, its own transaction, one
    round trip instead of three (BEGIN, UPDATE, COMMIT). A connection that broke is
    replaced on the next use."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._opened: list[sa.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sa.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.invalidated:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()


PREPARE = 25  # messages read and rendered at a time, while the workers send the ones before


@dataclass(frozen=True)
class _Prepared:
    message_id: int
    token: str  # the claim's fencing token
    outgoing: Outgoing
    content: dict[str, object]  # a digest's rendering, stored with the outcome
    delivered_to: list[str]


def _prepare(
    engine: sa.Engine, ids: list[int], token: str, base_url: str | None, now: dt.datetime
) -> list[_Prepared]:
    """The claimed messages still pending and still ours, ready to send; nothing is written
    here."""
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(ids),
                OutboxMessage.status == OutboxStatus.pending,
                OutboxMessage.claim_token == token,
            )
            .order_by(col(OutboxMessage.id))
        ).all()
        items = digest_items(session, [id_of(row) for row in rows if row.kind == "digest"])
        prepared = []
        with session.no_autoflush:  # rendering changes rows; they are written with the outcome
            for row in rows:
                attachments: tuple[tuple[str, bytes, str], ...] = ()
                if row.kind == "digest":
                    found = items.get(id_of(row), [])
                    attachments = prepare_digest(session, row, found, base_url, now)
                outgoing = Outgoing(
                    subject=row.subject,
                    text=row.text,
                    html=row.html,
                    address=row.address or None,
                    tags=tuple(row.tags),
                    attachments=attachments,
                    message_id=message_id_for(id_of(row), row.key),
                )
                content: dict[str, object] = {
                    "subject": row.subject,
                    "text": row.text,
                    "html": row.html,
                }
                content["tags"] = list(row.tags)
                prepared.append(
                    _Prepared(id_of(row), token, outgoing, content, list(row.delivered_to))
                )
        session.rollback()  # the renderings are written with the outcomes
    return prepared


def message_id_for(outbox_id: int, key: str) -> str:
    """The left part of a message's Message-ID: from its outbox row (id and unique key), so
    every attempt, retry or redelivery of it carries the same one."""
    import hashlib

    return f"kreislauf.{outbox_id}.{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _deliver(
    connections: _Connections,
    channels: Channels,
    prepared: _Prepared,
    now: dt.datetime,
    clock: Clock,
    report: DispatchReport,
    lock: threading.Lock,
) -> None:
    # fenced: renew the lease, only if the row is still ours and the lease still holds
    clock_now = clock()
    renewal = {
        "message_id": prepared.message_id,
        "token": prepared.token,
        "clock_now": clock_now,
        "lease": clock_now + LEASE,
    }
    if connections.get().execute(_RENEW, renewal).rowcount != 1:  # autocommit
        return  # the lease ran out, and maybe another worker claimed it: not ours to send
    try:
        delivered = channels.deliver(prepared.outgoing, skip=frozenset(prepared.delivered_to))
        error = None
    except DeliveryError as failure:
        delivered, error = failure.delivered, str(failure)
    if error is None:
        values = {
            **{f"new_{name}": value for name, value in prepared.content.items()},
            "new_delivered_to": [*prepared.delivered_to, *delivered],
            "new_sent_at": now,
            "message_id": prepared.message_id,
            "token": prepared.token,
        }
        recorded = connections.get().execute(_SENT, values).rowcount == 1  # autocommit
        if recorded:
            with lock:
                report.sent += 1
        return
    _record_failure(connections.engine, prepared, delivered, error, now, report, lock)


def _renew_statement() -> sa.Update:
    """The lease renewed before a send: only under our token and while our lease holds."""
    table = table_of(OutboxMessage)
    return (
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("message_id", type_=table.c.id.type),
            table.c.claim_token == sa.bindparam("token", type_=table.c.claim_token.type),
            table.c.status == OutboxStatus.pending.value,
            table.c.claimed_until > sa.bindparam("clock_now", type_=table.c.claimed_until.type),
        )
        .values(claimed_until=sa.bindparam("lease", type_=table.c.claimed_until.type))
    )


_RENEW = _renew_statement()


def _sent_statement() -> sa.Update:
    """The outcome of a message sent, built once: its parameters are bound per message."""
    table = table_of(OutboxMessage)

    def new(name: str) -> sa.BindParameter[Any]:
        return sa.bindparam(f"new_{name}", type_=table.c[name].type)

    return (
        sa.update(table)
        # only under our claim's token: once another worker claimed the row, it is theirs
        .where(
            table.c.id == sa.bindparam("message_id", type_=table.c.id.type),
            table.c.claim_token == sa.bindparam("token", type_=table.c.claim_token.type),
            table.c.status == OutboxStatus.pending.value,
        )
        .values(
            {
                **{name: new(name) for name in ("subject", "text", "html", "tags")},
                "delivered_to": new("delivered_to"),
                "sent_at": new("sent_at"),
                "claimed_until": None,
                "status": OutboxStatus.sent.value,
                "last_error": None,
            }
        )
    )


_SENT = _sent_statement()


def _record_failure(
    engine: sa.Engine,
    prepared: _Prepared,
    delivered: list[str],
    error: str,
    now: dt.datetime,
    report: DispatchReport,
    lock: threading.Lock,
) -> None:
    """Another attempt after the policy's backoff, or after the last one: failed, and listed
    in the report for the controlling office's notice."""
    table = table_of(OutboxMessage)
    with session_scope(engine) as session:
        # first write (the row locked, on SQLite the database): is the row still ours?
        ours = session.connection().execute(
            sa.update(table)
            .where(
                table.c.id == prepared.message_id,
                table.c.claim_token == prepared.token,
                table.c.status == OutboxStatus.pending.value,
            )
            .values(claimed_until=None)
        )
        if ours.rowcount != 1:  # another worker claimed it since: its outcome, not ours
            return
        row = session.get(OutboxMessage, prepared.message_id, populate_existing=True)
        if row is None:
            return
        for name, value in prepared.content.items():
            setattr(row, name, value)
        row.delivered_to = [*row.delivered_to, *delivered]
        row.claimed_until = None
        row.attempts += 1
        row.last_error = error[:2000]
        policy = _policy(session, row.body_id)
        if row.attempts >= policy.max_attempts:
            row.status = OutboxStatus.failed
            row.next_attempt_at = now  # when it failed: `reminders retry --failed-since`
            with lock:
                report.failed += 1
                report.errors.append(f"{row.subject}: {error}")
                if row.kind != "delivery_failed":
                    report.failed_ids.append(prepared.message_id)
        else:
            row.next_attempt_at = now + policy.retry_delay(row.attempts)
            with lock:
                report.retrying += 1


def _policy(session: Session, body_id: int) -> ReminderPolicy:
    body = session.get(Body, body_id)
    return ReminderPolicy.model_validate(body.reminder_policy if body else {})


def _tell_the_controlling_office(engine: sa.Engine, failed_ids: list[int], now: dt.datetime) -> int:
    """One notice per controlling-office contact for the messages that failed in this run,
    listing them all (not one notice per message); its key names the recipient and the run,
    so a repeated call adds nothing. It is sent by the next run. Returns how many were
    enqueued."""
    if not failed_ids:
        return 0
    added = 0
    with session_scope(engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(sorted(set(failed_ids))))
            .order_by(col(OutboxMessage.id))
        ).all()
        by_body: dict[int, list[OutboxMessage]] = {}
        for row in rows:
            by_body.setdefault(row.body_id, []).append(row)
        for body_id, failed in by_body.items():
            office = session.exec(
                select(Contact, Body.slug)
                .join(Department, col(Contact.department_id) == Department.id)
                .join(Body, col(Body.id) == Department.body_id)
                .where(
                    Department.body_id == body_id,
                    col(Department.is_controlling_office).is_(True),
                )
                .order_by(col(Contact.role) != ContactRole.controlling.value, col(Contact.id))
            ).first()
            if office is None:
                continue
            contact, slug = office
            rendered = render(
                "delivery_failed",
                {
                    "items": [
                        {
                            "id": row.id,
                            "subject": row.subject,
                            "address": row.address,
                            "attempts": row.attempts,
                            "error": row.last_error,
                        }
                        for row in failed
                    ]
                },
            )
            run = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            added += enqueue(
                [
                    Message(
                        key=f"delivery_failed:contact:{contact.id}:{run}",
                        kind="delivery_failed",
                        recipient=f"contact:{contact.id}",
                        address=contact.email,
                        subject=rendered.subject[:300],
                        text=rendered.text,
                        html=rendered.html,
                        tags=(f"body:{slug}", f"role:{slug}/controlling-office"),
                    )
                ],
                session=session,
                body_id=body_id,
                now=now,
            )
    return added
