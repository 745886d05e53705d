"""The Alembic migrations and the SQLModel tables describe the same schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from models.db import (
    HEAD_REVISION,
    alembic_config,
    schema_revision,
    schema_transaction,
    upgrade_to_head,
)
from models.tables import metadata

pytestmark = pytest.mark.both_databases


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """Migrated here, from an empty schema (not a copy of the session's migrated file)."""
    from models.db import make_engine

    engine = make_engine(database_url, create=True)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def test_migrations_at_head_match_the_models(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_head_revision_constant_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD_REVISION]


def test_upgrade_is_idempotent_and_records_the_revision(engine: sa.Engine) -> None:
    upgrade_to_head(engine)
    assert schema_revision(engine) == HEAD_REVISION
    tables = set(sa.inspect(engine).get_table_names())
    assert {
        "body",
        "strategy_version",
        "cycle",
        "phase",
        "deadline",
        "task",
        "audit_event",
    } <= tables


def test_the_latest_migrations_keep_an_installed_body(engine: sa.Engine) -> None:
    """Down and up again over a database with figures, goals and a cycle: nothing is lost
    (SQLite rebuilds tables in batch mode only where foreign keys allow it)."""
    from alembic import command

    from tests.conftest import LOERRACH, install, row_counts

    install(engine, LOERRACH)
    before = row_counts(engine)
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.downgrade(config, "0004")
    assert schema_revision(engine) == "0004"
    upgrade_to_head(engine)
    assert schema_revision(engine) == HEAD_REVISION
    # the product plan (0009) went with the downgrade; `init` writes it again from the file
    from config.loader import load_body_config
    from models.db import session_scope
    from services.bodies import update_body
    from tests.conftest import NOW

    with session_scope(engine) as session:
        update_body(load_body_config(LOERRACH), session=session, now=NOW, actor="test")
    assert row_counts(engine) == {**before, "audit_event": before["audit_event"] + 1}
    with engine.connect() as connection:
        active = connection.execute(sa.text("SELECT count(*) FROM key_figure WHERE active"))
        assert active.scalar_one() == before["key_figure"] > 0


def test_schema_changes_roll_back_with_their_transaction(engine: sa.Engine) -> None:
    """A migration that fails half-way leaves the schema as it was, on SQLite too (whose
    Python driver would otherwise commit DDL at once)."""
    tables = set(sa.inspect(engine).get_table_names())
    try:
        with schema_transaction(engine) as connection:
            connection.execute(sa.text("CREATE TABLE half_done (id INTEGER)"))
            connection.execute(
                sa.text("WITH x AS (SELECT 1) INSERT INTO half_done SELECT * FROM x")
            )
            raise RuntimeError("the migration's next step fails")
    except RuntimeError:
        pass
    assert set(sa.inspect(engine).get_table_names()) == tables
