"""survey link

`survey_link`: each faction's personal link for a cycle's survey (its version and signing
key), so the administration can revoke and reissue it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 17:20:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0018'
down_revision: Union[str, None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('survey_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('faction_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issued_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['faction_id'], ['faction.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cycle_id', 'faction_id')
    )
    with op.batch_alter_table('survey_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_link_body_id'), ['body_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_link_body_id'))
    op.drop_table('survey_link')
