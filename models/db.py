"""Engine, sessions and the schema's revision.

The schema is owned by Alembic (models/migrations). Commands that only read check the
revision with one cheap query instead of importing Alembic; `kreislauf init` upgrades.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlmodel import Session, SQLModel

from models.errors import KreislaufError, Remedy

if TYPE_CHECKING:
    import sqlite3

    from alembic.config import Config
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry
    from sqlalchemy.sql.compiler import SQLCompiler

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision; tests/test_migrations.py keeps it equal to Alembic's head.
HEAD_REVISION = "0022"


def make_engine(url: str, *, create: bool = False) -> sa.Engine:
    """An engine for `url`; a SQLite file is created only with `create` (by `init`).

    A URL that does not parse or names an unknown driver is the user's mistake, in German.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise KreislaufError(
            f"{url!r} ist keine Datenbank-URL (erwartet z. B. sqlite:////pfad/kreislauf.db "
            "oder postgresql://benutzer@host:5432/datenbank)."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise KreislaufError(
            f"Datenbank {parsed.get_backend_name()!r} wird nicht unterstützt: "
            "SQLite oder PostgreSQL."
        )
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if path and path != ":memory:":
            if create:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            elif not Path(path).exists():
                raise KreislaufError(
                    f"Die Datenbank {path} gibt es nicht.",
                    hint="Bitte zuerst die Datenbank einrichten.",
                    remedy=Remedy.init,
                )
        engine = sa.create_engine(parsed, connect_args={"timeout": 30}, json_serializer=_json_text)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return sa.create_engine(parsed, pool_pre_ping=True, json_serializer=_json_text)
    except (ImportError, sa.exc.NoSuchModuleError) as error:
        raise KreislaufError(
            f"Datenbanktreiber fehlt für {parsed.drivername!r}: {error}."
        ) from None


def _json_text(value: object) -> str:
    """JSON columns keep umlauts as they are (not "\\u00e4"): searchable, and readable in
    the database itself."""
    return json.dumps(value, ensure_ascii=False)


class folded(GenericFunction[str]):
    """Lower case for searching, umlauts included: PostgreSQL's lower(); SQLite's own lower()
    only knows ASCII, so it gets Python's (registered on every connection)."""

    type = sa.Text()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _folded_default(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"kreislauf_lower({compiler.process(element.clauses, **kw)})"


def _lower(text: str | None) -> str | None:
    return None if text is None else str(text).lower()


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.create_function("kreislauf_lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # write-ahead log: readers do not wait for the writer, and a commit needs no fsync of
    # the database file (the dispatcher commits once per message sent)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
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


def analyze(session: Session, tables: Iterable[str]) -> list[str]:
    """Refresh PostgreSQL's planner statistics of `tables` after a bulk write, in the caller's
    transaction (ANALYZE counts the rows it inserted), so that plans do not depend on
    autovacuum, which may be late or off. Returns the tables analyzed.

    SQLite: nothing. Its planner needs no statistics for this schema's indexes, and SQLite
    never refreshes what ANALYZE writes, so numbers taken on a small new database would
    mislead its plans once the tables have grown."""
    names = sorted(set(tables))
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or not names:
        return []
    quote = dialect.identifier_preparer.quote
    session.execute(sa.text("ANALYZE " + ", ".join(quote(name) for name in names)))
    return names


@contextmanager
def analyzing(session: Session, *also: str) -> Iterator[set[str]]:
    """Analyze the tables the block wrote through the session's unit of work (and `also`,
    for what it wrote with Core statements) when it ends without an exception."""
    written: set[str] = set(also)

    def collect(flushed: Session, _context: object) -> None:
        for row in (*flushed.new, *flushed.dirty, *flushed.deleted):
            written.add(sa.inspect(row).mapper.local_table.name)

    sa.event.listen(session, "after_flush", collect)
    try:
        yield written
        session.flush()
    finally:
        sa.event.remove(session, "after_flush", collect)
    analyze(session, written)


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Row) -> int:
    """The primary key of a row that is in the database (loaded, or added and flushed).

    The tables type `id` as `int | None` because a new row has none until it is flushed.
    """
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: add and flush it first")
    return row.id


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table of a table class (SQLModel does not declare `__table__` to type checkers)."""
    table = sa.inspect(model).local_table
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def upsert_insert(session: Session, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows `ON CONFLICT DO NOTHING` on both databases we run on."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


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
            "eingerichtet.",
            hint="Bitte zuerst die Datenbank einrichten.",
            remedy=Remedy.init,
        )
    if revision != HEAD_REVISION:
        raise KreislaufError(
            f"Die Datenbank hat den Schemastand {revision}, erwartet wird {HEAD_REVISION}.",
            hint="Die Einrichtung bringt sie auf den neuesten Stand.",
            remedy=Remedy.init,
        )


def upgrade_to_head(engine: sa.Engine) -> None:
    """Apply every migration not yet applied (Alembic `upgrade head`)."""
    from alembic import command

    with schema_transaction(engine) as connection:
        command.upgrade(alembic_config(connection), "head")


@contextmanager
def schema_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction for schema changes that commits or rolls back as a whole.

    Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE, so the DDL of a
    migration would commit statement by statement and a failure half-way would leave a
    half-changed schema. Here the driver's handling is off and a real BEGIN starts the
    transaction; the connection is not reused afterwards.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            driver = cast("sqlite3.Connection", connection.connection.driver_connection)
            driver.isolation_level = None
        try:
            with connection.begin():
                if sqlite:
                    connection.exec_driver_sql("BEGIN")
                yield connection
        finally:
            if sqlite:
                connection.invalidate()


def alembic_config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _unreachable(engine: sa.Engine, error: Exception) -> KreislaufError:
    return KreislaufError(unreachable_message(engine.url, error))


def unreachable_message(url: sa.URL, error: Exception) -> str:
    """German message naming the database (password hidden) and the driver's first line."""
    orig = getattr(error, "orig", None) or error
    reason = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return (
        f"Die Datenbank {url.render_as_string(hide_password=True)} ist nicht erreichbar: {reason}"
    )
