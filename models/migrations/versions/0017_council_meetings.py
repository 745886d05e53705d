"""council meetings

`council_meeting`: the council's and committees' meetings read from the council information
system (OParl), one per OParl id and body; `council_sync`: each body's last successful sync
(the next asks with `modified_since`); `body.oparl`: the body's OParl settings (body.toml).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 17:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import models.types


revision: str = '0017'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('body', sa.Column('oparl', sa.JSON(), server_default='{}', nullable=False))
    op.create_table(
        'council_meeting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('oparl_id', sa.String(length=1000), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=500), nullable=True),
        sa.Column('start', models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('cancelled', sa.Boolean(), nullable=False),
        sa.Column('modified', models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('synced_at', models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('body_id', 'oparl_id'),
    )
    with op.batch_alter_table('council_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_meeting_body_id'), ['body_id'], unique=False)
    op.create_table(
        'council_sync',
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('synced_at', models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
        sa.PrimaryKeyConstraint('body_id'),
    )


def downgrade() -> None:
    op.drop_table('council_sync')
    with op.batch_alter_table('council_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_meeting_body_id'))
    op.drop_table('council_meeting')
    # SQLite >= 3.35 drops a plain column in place (see 0010)
    op.drop_column('body', 'oparl')
