"""Alembic environment: runs on the connection kreislauf hands in, or on KREISLAUF_DATABASE_URL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table)

target_metadata = SQLModel.metadata


def run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from config.settings import Settings
    from models.db import make_engine

    engine = make_engine(Settings().resolved_database_url)
    with engine.begin() as connection:
        run(connection)
