"""`kreislauf user add` and `kreislauf user token`: users of the web dashboard, with their
password only as an argon2 hash and tokens only as SHA-256; mistakes in German, exit 2 or 1."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.accounts import ApiToken, UserAccount
from models.db import session_scope
from tests.conftest import Cli, row_counts

PASSWORD = "richtig-geheim-2027"


@pytest.fixture
def installed(cli: Cli, engine: sa.Engine, loerrach) -> Cli:  # type: ignore[no-untyped-def]
    return cli


def add(cli: Cli, *args: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """`kreislauf user add ... --password-stdin` with the password on standard input."""
    from cli.main import app

    return cli.runner.invoke(
        app,
        ["user", "add", *args, "--password-stdin"],
        input=password + "\n",
        env={"KREISLAUF_DATABASE_URL": cli.database_url, "KREISLAUF_BODY": "", "COLUMNS": "200"},
        catch_exceptions=False,
    )


def test_user_add_stores_an_argon2_hash_bound_to_the_department(
    installed: Cli, engine: sa.Engine
) -> None:
    result = add(installed, "mueller", "--role", "department", "--department", "umwelt")
    assert result.exit_code == 0, result.output
    assert "Benutzer mueller (Fachbereich) für Landkreis Lörrach angelegt." in result.output
    with session_scope(engine) as session:
        user = session.exec(select(UserAccount).where(UserAccount.username == "mueller")).one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert user.department_id is not None and user.body_id is not None


@pytest.mark.parametrize(
    "args, password, code, message",
    [
        (["x", "--role", "chef"], PASSWORD, 2, "--role: 'chef' gibt es nicht"),
        (["x", "--role", "department"], PASSWORD, 2, "braucht einen Fachbereich"),
        (
            ["x", "--role", "department", "--department", "mond"],
            PASSWORD,
            1,
            "'mond' gibt es nicht",
        ),
        (
            ["x", "--role", "admin", "--department", "umwelt"],
            PASSWORD,
            2,
            "--department: Nur Benutzer mit der Rolle",
        ),
        (["x", "--role", "admin"], "kurz", 2, "Das Passwort ist zu kurz: mindestens 10 Zeichen."),
    ],
)
def test_user_add_refuses_mistakes_in_german_and_adds_nothing(
    installed: Cli, engine: sa.Engine, args: list[str], password: str, code: int, message: str
) -> None:
    before = row_counts(engine)
    result = add(installed, *args, password=password)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert row_counts(engine) == before


@pytest.mark.both_databases
def test_a_second_user_of_the_same_name_is_a_conflict(installed: Cli) -> None:
    assert add(installed, "ctrl", "--role", "controlling").exit_code == 0
    again = add(installed, "ctrl", "--role", "admin")
    assert again.exit_code == 1
    assert "Den Benutzer 'ctrl' gibt es bereits." in again.output


@pytest.mark.both_databases
def test_user_token_prints_the_token_once_and_stores_its_sha256(
    installed: Cli, engine: sa.Engine
) -> None:
    assert add(installed, "ctrl", "--role", "controlling").exit_code == 0
    result = installed("user", "token", "ctrl", "--days", "30")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("kl_")
    with session_scope(engine) as session:
        row = session.exec(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.expires_at is not None
    missing = installed("user", "token", "niemand")
    assert missing.exit_code == 1
    assert "Den Benutzer 'niemand' gibt es nicht." in missing.output


@pytest.mark.parametrize("days", ["0", "-1", "731", "99999999999999999999"])
def test_a_token_lives_1_to_730_days(installed: Cli, engine: sa.Engine, days: str) -> None:
    assert add(installed, "ctrl", "--role", "controlling").exit_code == 0
    result = installed("user", "token", "ctrl", "--days", days)
    assert result.exit_code == 2, result.output
    assert f"--days: Ein Token gilt 1 bis 730 Tage, nicht {days}." in result.output
    assert "Traceback" not in result.output
    with session_scope(engine) as session:
        assert session.exec(select(ApiToken)).all() == []


def test_a_token_without_days_expires_after_a_year(installed: Cli, engine: sa.Engine) -> None:
    assert add(installed, "ctrl", "--role", "controlling").exit_code == 0
    assert installed("user", "token", "ctrl").exit_code == 0
    assert installed("user", "token", "ctrl", "--days", "730").exit_code == 0
    with session_scope(engine) as session:
        rows = session.exec(select(ApiToken).order_by(ApiToken.id)).all()  # type: ignore[arg-type]
        spans = [(r.expires_at - r.created_at).days for r in rows if r.expires_at]
    assert spans == [365, 730]


def test_user_password_sets_a_new_one_and_ends_the_sessions(
    installed: Cli, engine: sa.Engine
) -> None:
    from cli.main import app
    from services.accounts import authenticate

    assert add(installed, "ctrl", "--role", "controlling").exit_code == 0
    with session_scope(engine) as session:
        assert session.exec(select(UserAccount)).one().session_epoch == 0
    env = {"KREISLAUF_DATABASE_URL": installed.database_url, "KREISLAUF_BODY": ""}
    result = installed.runner.invoke(
        app, ["user", "password", "ctrl", "--password-stdin"], input="ein-neues-2027\n", env=env
    )
    assert result.exit_code == 0, result.output
    with session_scope(engine) as session:
        assert session.exec(select(UserAccount)).one().session_epoch == 1
        assert authenticate(session=session, username="ctrl", password="ein-neues-2027")
    short = installed.runner.invoke(
        app, ["user", "password", "ctrl", "--password-stdin"], input="kurz\n", env=env
    )
    assert short.exit_code != 0 and "zu kurz" in short.output
