"""several sessions per cycle

`strategy_session`: the one-session-per-cycle key gives way to `field_key` ("" for the main
session, else a thematic retreat's field of action) and a partial unique index: at most one
open session per cycle and topic. `resolution.session_ids`: every session a resolution adopted.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 17:45:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN = sa.text("status <> 'held'")


def _session_table(*, unique_cycle: bool) -> sa.Table:
    """The table as 0002 made it (SQLite's batch copy needs it: its unique key has no name)."""
    return sa.Table(
        'strategy_session',
        sa.MetaData(),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('trigger', sa.String(length=20), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('requested_by', sa.JSON(), nullable=False),
        sa.Column('decided_at', models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=True),
        sa.Column('participants', sa.JSON(), nullable=False),
        sa.Column('change_set', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
        sa.PrimaryKeyConstraint('id'),
        *([sa.UniqueConstraint('cycle_id')] if unique_cycle else []),
        sa.Index('ix_strategy_session_body_id', 'body_id'),
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if not sqlite:
        op.drop_constraint('strategy_session_cycle_id_key', 'strategy_session', type_='unique')
    with op.batch_alter_table(
        'strategy_session',
        schema=None,
        copy_from=_session_table(unique_cycle=False) if sqlite else None,
        recreate='always' if sqlite else 'auto',
    ) as batch_op:
        batch_op.add_column(sa.Column(
            'field_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
            server_default='',
        ))
    op.create_index(
        'uq_strategy_session_open', 'strategy_session', ['cycle_id', 'field_key'], unique=True,
        sqlite_where=OPEN, postgresql_where=OPEN,
    )
    with op.batch_alter_table('resolution', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_ids', sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    # the resolutions so far adopted one session each
    resolution = sa.table(
        'resolution', sa.column('id', sa.Integer()), sa.column('session_id', sa.Integer()),
        sa.column('session_ids', sa.JSON()),
    )
    bind = op.get_bind()
    for row_id, session_id in bind.execute(sa.select(resolution.c.id, resolution.c.session_id)):
        bind.execute(
            resolution.update().where(resolution.c.id == row_id).values(session_ids=[session_id])
        )


def downgrade() -> None:
    with op.batch_alter_table('resolution', schema=None) as batch_op:
        batch_op.drop_column('session_ids')
    op.drop_index('uq_strategy_session_open', table_name='strategy_session')
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('strategy_session', schema=None) as batch_op:
        batch_op.drop_column('field_key')
        if not sqlite:
            batch_op.create_unique_constraint('strategy_session_cycle_id_key', ['cycle_id'])
    if sqlite:
        with op.batch_alter_table(
            'strategy_session', copy_from=_session_table(unique_cycle=True), recreate='always'
        ):
            pass
