"""task delivery

`task_delivery`: a task fulfilled by a confirmation (day and note) or a document (the file),
one row per attempt.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 14:10:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('task_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('delivered_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('delivered_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'attempt')
    )
    with op.batch_alter_table('task_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_delivery_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_delivery_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_delivery_task_id'))
        batch_op.drop_index(batch_op.f('ix_task_delivery_body_id'))
    op.drop_table('task_delivery')
