"""Engine, sessions and the schema's revision.

The schema is owned by Alembic (models/migrations). Commands that only read check the
revision with one cheap query instead of importing Alembic; `kreislauf init` upgrades.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from models.errors import KreislaufError

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision; tests/test_migrations.py keeps it equal to Alembic's head.
HEAD_REVISION = "0001"


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back on any exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def schema_revision(engine: sa.Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise _unreachable(engine, error) from None
    except sa.exc.ProgrammingError:
        return None


def require_current_schema(engine: sa.Engine) -> None:
    revision = schema_revision(engine)
    if revision is None:
        raise KreislaufError(
            f"Die Datenbank {engine.url.render_as_string(hide_password=True)} ist nicht "
            "eingerichtet. Bitte zuerst `kreislauf init` ausführen."
        )
    if revision != HEAD_REVISION:
        raise KreislaufError(
            f"Die Datenbank hat den Schemastand {revision}, erwartet wird {HEAD_REVISION}. "
            "`kreislauf init` bringt sie auf den neuesten Stand."
        )


def upgrade_to_head(engine: sa.Engine) -> None:
    """Apply every migration not yet applied (Alembic `upgrade head`)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def alembic_config(connection: sa.Connection | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _unreachable(engine: sa.Engine, error: Exception) -> KreislaufError:
    url = engine.url.render_as_string(hide_password=True)
    return KreislaufError(f"Die Datenbank {url} ist nicht erreichbar: {error.__class__.__name__}.")
