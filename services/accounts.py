"""People who log in to the web dashboard, and API tokens: create, check, look up.

Passwords are kept only as argon2 hashes, tokens only as their SHA-256. Shared by
`kreislauf user ...` and the web app; the caller passes `now` and owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, select

from models import audit
from models.accounts import ApiToken, Role, UserAccount
from models.body import Body
from models.db import id_of
from models.errors import ConflictError, KreislaufError, NotFoundError
from models.organisation import Department

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 10
# an API token lives at least a day and at most two years (never for ever)
TOKEN_DAYS = (1, 730)
DEFAULT_TOKEN_DAYS = 365


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to check against when the user does not exist, so that a wrong user name takes as
# long as a wrong password (no probing for names by timing).
_DUMMY_HASH: list[str] = []


def authenticate(*, session: Session, username: str, password: str) -> UserAccount | None:
    """The active user with this name and password, else None."""
    user = session.exec(select(UserAccount).where(UserAccount.username == username.strip())).first()
    if user is None or not user.active:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password(secrets.token_hex(8)))
        password_matches(_DUMMY_HASH[0], password)
        return None
    return user if password_matches(user.password_hash, password) else None


def create_user(
    *,
    session: Session,
    body: Body,
    username: str,
    password: str,
    role: Role,
    department_key: str | None,
    display_name: str | None,
    now: dt.datetime,
    actor: str,
) -> UserAccount:
    """A new user of `body`; a department user is bound to one of its departments."""
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise KreislaufError(
            "USERNAME: bitte einen Benutzernamen ohne Leerzeichen angeben (höchstens 80 Zeichen)."
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise KreislaufError(f"Das Passwort ist zu kurz: mindestens {MIN_PASSWORD_LENGTH} Zeichen.")
    department_id = _department_for(session=session, body=body, role=role, key=department_key)
    user = UserAccount(
        username=username,
        display_name=(display_name or username).strip(),
        password_hash=hash_password(password),
        role=role,
        body_id=body.id,
        department_id=department_id,
        created_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError(f"Den Benutzer {username!r} gibt es bereits.") from None
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="user.created",
        entity="user_account",
        entity_id=user.id,
        body_id=body.id,
        after={"username": username, "role": role.value, "department": department_key},
    )
    return user


def _department_for(*, session: Session, body: Body, role: Role, key: str | None) -> int | None:
    if role != Role.department:
        if key:
            raise KreislaufError(
                "Nur Benutzer mit der Rolle department gehören zu einem Fachbereich.",
                field="department",
            )
        return None
    if not key:
        raise KreislaufError(
            "Ein Fachbereichs-Benutzer braucht einen Fachbereich.", field="department"
        )
    departments = session.exec(select(Department).where(Department.body_id == body.id)).all()
    for department in departments:
        if key.strip().casefold() in (department.key.casefold(), department.name.casefold()):
            return department.id
    known = ", ".join(sorted(d.key for d in departments)) or "keine"
    raise NotFoundError(f"Den Fachbereich {key!r} gibt es nicht ({known}).", field="department")


def get_user(*, session: Session, username: str) -> UserAccount:
    user = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    if user is None:
        raise NotFoundError(f"Den Benutzer {username!r} gibt es nicht.")
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *,
    session: Session,
    user: UserAccount,
    name: str,
    now: dt.datetime,
    valid_days: int = DEFAULT_TOKEN_DAYS,
    actor: str,
) -> str:
    """A new bearer token for `user`, valid `valid_days` (1..730); returned once, only its
    SHA-256 is stored."""
    low, high = TOKEN_DAYS
    if (
        isinstance(valid_days, bool)
        or not isinstance(valid_days, int)
        or not (low <= valid_days <= high)
    ):
        raise KreislaufError(
            f"Ein Token gilt {low} bis {high} Tage, nicht {valid_days}.", field="days"
        )
    token = "kl_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=id_of(user),
        name=name.strip() or "api",
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=valid_days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="api_token.created",
        entity="api_token",
        entity_id=row.id,
        body_id=user.body_id,
        after={"user": user.username, "name": row.name, "expires_at": str(row.expires_at)},
    )
    return token


# how stale an API token's "last used" may be
LAST_USED_STEP = dt.timedelta(minutes=15)


def user_for_token(*, session: Session, token: str, now: dt.datetime) -> UserAccount | None:
    """The active user a valid, unexpired token belongs to, else None."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).first()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = session.get(UserAccount, row.user_id)
    if user is None or not user.active:
        return None
    last = row.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite gives it back without its zone
        last = last.replace(tzinfo=dt.UTC)
    if last is None or not dt.timedelta(0) <= now - last < LAST_USED_STEP:
        # not on every request: a write would make each API read a commit (issue 17)
        row.last_used_at = now
    return user


def set_password(
    *, session: Session, user: UserAccount, password: str, now: dt.datetime, actor: str
) -> None:
    """A new password; every session of the user ends (their session epoch rises)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise KreislaufError(f"Das Passwort ist zu kurz: mindestens {MIN_PASSWORD_LENGTH} Zeichen.")
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    session.add(user)
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="user.password_changed",
        entity="user_account",
        entity_id=user.id,
        body_id=user.body_id,
        after={"username": user.username},
    )
