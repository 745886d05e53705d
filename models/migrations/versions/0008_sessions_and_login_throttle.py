"""sessions revoked server-side, login throttling

`user_account.session_epoch`: logout and a new password raise it, and every session cookie of
an older epoch is void. `login_throttle`: failed logins per account and per client address
(one row per kind and key), with the end of a temporary lock.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 09:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # plain ALTER TABLE, as in 0006 (a batch rebuild would trip over referencing tables)
    op.add_column(
        'user_account',
        sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False),
    )
    op.create_table('login_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key')
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
    op.drop_column('user_account', 'session_epoch')
