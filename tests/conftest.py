"""Worlds for tests: a real SQLite file and a fresh PostgreSQL schema per test.

PostgreSQL runs at 127.0.0.1:5432 (trust auth, database `test`) on every machine of this
project; each test gets a schema of its own, dropped afterwards. Override the server with
KREISLAUF_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

# Prefect must not write to the developer's ~/.prefect, nor phone home, in tests.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="kreislauf-test-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from config.settings import SHIPPED_BODIES  # noqa: E402

POSTGRES_URL = os.environ.get(
    "KREISLAUF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATA = Path(__file__).parent / "data"
LOERRACH = SHIPPED_BODIES / "loerrach"
MUSTERSTADT = DATA / "bodies" / "musterstadt"
NOW = pendulum.datetime(2026, 11, 25, 9, 30, tz="Europe/Berlin")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with an empty schema, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kreislauf.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on a schema migrated to head (what `kreislauf init` does first)."""
    from models.db import make_engine, upgrade_to_head

    engine = make_engine(database_url, create=True)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def loerrach(engine: sa.Engine):  # type: ignore[no-untyped-def]
    """The shipped Landkreis Lörrach, installed."""
    return install(engine, LOERRACH)


def install(engine: sa.Engine, directory: Path):  # type: ignore[no-untyped-def]
    from config.loader import load_body_config
    from models.db import session_scope
    from services.bodies import install_body

    with session_scope(engine) as session:
        return install_body(load_body_config(directory), session=session, now=NOW, actor="test")


@pytest.fixture
def body_dir(tmp_path: Path) -> Path:
    """A writable copy of the Lörrach configuration, for tests that break it."""
    target = tmp_path / "body"
    shutil.copytree(LOERRACH, target)
    return target


class Cli:
    """Runs `kreislauf` in-process against one database; returns click's Result."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        from cli.main import app, german_help

        german_help()

        environment = {
            "KREISLAUF_DATABASE_URL": self.database_url,
            "KREISLAUF_BODY": "",
            "COLUMNS": "200",
            **(env or {}),
        }
        return self.runner.invoke(app, list(args), env=environment, catch_exceptions=False)


@pytest.fixture
def cli(database_url: str) -> Cli:
    return Cli(database_url)


def row_counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per table: 'nothing changed' means these are equal before and after."""
    from models.tables import metadata

    with engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (about 12 s to start), heartbeat off."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.runtime import fast_flow_runs

    with prefect_test_harness(server_startup_timeout=90), fast_flow_runs():
        yield
