"""Worlds for tests: a real SQLite file per test, and a fresh PostgreSQL schema per test for
what depends on the database.

Every test runs on SQLite. Tests marked `both_databases` (schema and migrations, unique keys
and concurrency, raw SQL, JSON columns, transactions, date/time round trips, one end-to-end
run of each kind) run on PostgreSQL too; `pytest --all-databases` runs every database test on
both. PostgreSQL runs at 127.0.0.1:5432 (trust auth, database `test`) on every machine of this
project; each test gets a schema of its own, dropped afterwards. Override the server with
KREISLAUF_TEST_POSTGRES_URL.

Isolation: no test sees the user's data directory, Prefect home, Prefect server or kreislauf
settings. At import (before Prefect reads its settings) every `PREFECT_*` and kreislauf's own
`KREISLAUF_*` settings are removed from the environment and PREFECT_HOME points at a temporary
directory; each test gets a temporary KREISLAUF_DATA_DIR, and whatever a test or a command run
in-process puts into the environment (e.g. PREFECT_API_URL) is undone after it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Prefect or the settings: nothing of the user's environment.
KEPT = ("KREISLAUF_TEST_", "KREISLAUF_AXE_JS")  # settings of the tests themselves
for _name in list(os.environ):
    if _name.startswith("PREFECT_") or (
        _name.startswith("KREISLAUF_") and not _name.startswith(KEPT)
    ):
        del os.environ[_name]
SESSION_DIR = Path(tempfile.mkdtemp(prefix="kreislauf-test-"))
os.environ["PREFECT_HOME"] = str(SESSION_DIR / "prefect")  # never the developer's ~/.prefect
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"  # nor phone home
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ["KREISLAUF_DATA_DIR"] = str(SESSION_DIR / "data")  # each test gets its own below

import pendulum  # noqa: E402
import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from config.settings import SHIPPED_BODIES  # noqa: E402

POSTGRES_URL = os.environ.get(
    "KREISLAUF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATABASES = ("sqlite", "postgresql")
DATA = Path(__file__).parent / "data"
LOERRACH = SHIPPED_BODIES / "loerrach"
MUSTERSTADT = DATA / "bodies" / "musterstadt"
NOW = pendulum.datetime(2026, 11, 25, 9, 30, tz="Europe/Berlin")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all-databases",
        action="store_true",
        help="run every database test on SQLite and on PostgreSQL, not only those marked "
        "both_databases",
    )


# The longest test files (a minute or more each in one process) start first, so that the
# workers of `-n auto --dist loadfile` finish together rather than one waiting on a long file
# that came last; the others keep their order, as does every file's own.
LONGEST_FIRST = (
    "test_delivery.py",
    "test_flows.py",
    "test_web_browser.py",
    "test_web_serve.py",
    "test_web_hardening.py",
    "test_web_years.py",
    "test_trials.py",
    "test_web_browser_every_page.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`both_databases` (or --all-databases): the test runs once per database."""
    if "database_url" not in metafunc.fixturenames or _parametrized(metafunc, "database_url"):
        return
    if metafunc.definition.get_closest_marker("both_databases") or metafunc.config.getoption(
        "--all-databases"
    ):
        metafunc.parametrize("database_url", DATABASES, indirect=True)


def _parametrized(metafunc: pytest.Metafunc, name: str) -> bool:
    """The test names the database itself (`parametrize("database_url", [...], indirect=True)`)."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if isinstance(names, str):
            names = [part.strip() for part in names.split(",")]
        if name in names:
            return True
    return False


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path) -> Iterator[None]:
    """A data directory of the test's own; the environment as it was, afterwards."""
    saved = dict(os.environ)
    os.environ["KREISLAUF_DATA_DIR"] = str(tmp_path / "data-dir")
    try:
        yield
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        for name, value in saved.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with an empty schema: SQLite, or the parameter's database."""
    if getattr(request, "param", "sqlite") == "sqlite":
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


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once per session: tests get copies of it."""
    from models.db import make_engine, upgrade_to_head

    path = tmp_path_factory.mktemp("template") / "head.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def loerrach_sqlite(migrated_sqlite: Path) -> Path:
    """The migrated file with Lörrach installed (as the `loerrach` fixture installs it)."""
    from models.db import make_engine

    path = migrated_sqlite.with_name("loerrach.db")
    shutil.copyfile(migrated_sqlite, path)
    engine = make_engine(f"sqlite:///{path}")
    install(engine, LOERRACH)
    engine.dispose()
    return path


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """An engine on a schema migrated to head (what `kreislauf init` does first).

    On SQLite the test's file is a copy of a file prepared once per session (migrated, and
    with Lörrach installed when the test asks for `loerrach`); upgrading it again finds it at
    head. On PostgreSQL each test's schema is migrated here.
    """
    from models.db import make_engine, upgrade_to_head

    if database_url.startswith("sqlite:///"):
        target = Path(database_url.removeprefix("sqlite:///"))
        if not target.exists():
            wanted = "loerrach" in request.fixturenames
            template = request.getfixturevalue("loerrach_sqlite" if wanted else "migrated_sqlite")
            shutil.copyfile(template, target)
    engine = make_engine(database_url, create=True)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def loerrach(engine: sa.Engine):  # type: ignore[no-untyped-def]
    """The shipped Landkreis Lörrach, installed (on SQLite: already, in the copied file)."""
    from sqlmodel import select

    from models.body import Body
    from models.db import session_scope

    with session_scope(engine) as session:
        body = session.exec(select(Body).where(Body.slug == "loerrach")).first()
    return body if body is not None else install(engine, LOERRACH)


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
