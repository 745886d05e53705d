"""Logging in with throttling, and revoking sessions.

Failed logins are counted per account and per client address in `login_throttle` (so every
web process sees them) and recorded in the audit trail. After `USER_LIMIT` failures for an
account (`ADDRESS_LIMIT` from one address: many people may share one) further attempts are
refused without checking the password for `LOCK`, doubling with every further round of
failures up to `LONGEST_LOCK`. A success clears the account's count; counts older than
`FORGET_AFTER` start over. The caller passes `now` (the app's clock) and owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.accounts import LoginThrottle, UserAccount
from models.db import table_of, upsert_insert

USER_LIMIT = 5
ADDRESS_LIMIT = 20
LOCK = dt.timedelta(minutes=15)
LONGEST_LOCK = dt.timedelta(hours=24)
FORGET_AFTER = dt.timedelta(hours=24)
MAX_KEY = 300


@dataclass(frozen=True)
class LoginResult:
    user_id: int | None
    session_epoch: int = 0
    # the German refusal when locked (the password was not checked or just failed the limit)
    locked_message: str | None = None


def locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"Zu viele Fehlversuche; bitte in {minutes} Minuten erneut versuchen."


def _keys(username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        ("user", username.strip().casefold()[:MAX_KEY], USER_LIMIT),
        ("address", address[:MAX_KEY], ADDRESS_LIMIT),
    ]


def _lock_until(
    session: Session, username: str, address: str, now: dt.datetime
) -> dt.datetime | None:
    until: dt.datetime | None = None
    for kind, key, _ in _keys(username, address):
        row = session.exec(
            select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
        ).first()
        if row is not None and row.locked_until is not None and row.locked_until > now:
            until = row.locked_until if until is None else max(until, row.locked_until)
    return until


def _count_failure(
    session: Session, kind: str, key: str, limit: int, now: dt.datetime
) -> LoginThrottle:
    """One more failure for (kind, key), counted in the database (safe across processes)."""
    table = table_of(LoginThrottle)
    session.execute(
        upsert_insert(session, table)
        .values(kind=kind, key=key, failures=0)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
    )
    row = session.exec(
        select(LoginThrottle)
        .where(LoginThrottle.kind == kind, LoginThrottle.key == key)
        .with_for_update()
    ).one()
    session.refresh(row)
    if row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if row.failures % limit == 0:
        rounds = row.failures // limit
        row.locked_until = now + min(LOCK * 2 ** min(rounds - 1, 10), LONGEST_LOCK)
    session.add(row)
    session.flush()
    return row


def log_in(
    *, session: Session, username: str, password: str, address: str, now: dt.datetime
) -> LoginResult:
    """The user id (and session epoch) for a right name and password, unless locked; a
    failure is counted and recorded in the audit trail."""
    from services.accounts import authenticate

    until = _lock_until(session, username, address, now)
    if until is not None:
        _record(session, "login.locked", username, address, now, None, None)
        return LoginResult(None, locked_message=locked_message(until, now))
    user = authenticate(session=session, username=username, password=password)
    if user is not None:
        session.execute(
            sa.delete(table_of(LoginThrottle)).where(
                col(LoginThrottle.kind) == "user",
                col(LoginThrottle.key) == _keys(username, address)[0][1],
            )
        )
        return LoginResult(user.id, user.session_epoch)
    rows = [
        _count_failure(session, kind, key, limit, now)
        for kind, key, limit in _keys(username, address)
    ]
    known = session.exec(
        select(UserAccount).where(UserAccount.username == username.strip())
    ).first()
    _record(
        session,
        "login.failed",
        username,
        address,
        now,
        known,
        {"failures": rows[0].failures, "address_failures": rows[1].failures},
    )
    lock = max(
        (r.locked_until for r in rows if r.locked_until and r.locked_until > now), default=None
    )
    return LoginResult(None, locked_message=locked_message(lock, now) if lock else None)


def _record(
    session: Session,
    action: str,
    username: str,
    address: str,
    now: dt.datetime,
    user: UserAccount | None,
    extra: dict[str, int] | None,
) -> None:
    audit.record(
        session=session,
        now=now,
        actor=f"web:{username.strip()[:80]}",
        action=action,
        entity="user_account",
        entity_id=user.id if user else None,
        body_id=user.body_id if user else None,
        after={"username": username.strip()[:80], "address": address[:MAX_KEY], **(extra or {})},
    )


def revoke_sessions(*, session: Session, user_id: int) -> None:
    """Every session of the user ends (logout, new password): the epoch goes up by one."""
    table = table_of(UserAccount)
    session.execute(
        sa.update(table)
        .where(table.c.id == user_id)
        .values(session_epoch=table.c.session_epoch + 1)
    )
