"""operational planning

Budget ceilings (Eckwerte) per Teilhaushalt and year; plan attempts per cycle and
Teilhaushalt with their goals, measures, key-figure targets and budget requests.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 13:30:26.616280
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('budget_ceiling',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('partial_budget_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('net', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('imported_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['partial_budget_id'], ['partial_budget.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partial_budget_id', 'year')
    )
    with op.batch_alter_table('budget_ceiling', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_ceiling_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_ceiling_partial_budget_id'), ['partial_budget_id'], unique=False)

    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('partial_budget_id', sa.Integer(), nullable=False),
    sa.Column('plan_year', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('submitted_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reviewed_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['partial_budget_id'], ['partial_budget.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cycle_id', 'partial_budget_id', 'attempt')
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_partial_budget_id'), ['partial_budget_id'], unique=False)

    op.create_table('plan_budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('product_group_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('income', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('expenses', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.ForeignKeyConstraint(['product_group_id'], ['product_group.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'product_group_id', 'year')
    )
    with op.batch_alter_table('plan_budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_budget_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('product_group_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('priority_code', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.ForeignKeyConstraint(['product_group_id'], ['product_group.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'position')
    )
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goal_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('key_figure_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['key_figure_id'], ['key_figure.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'key_figure_id', 'year')
    )
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_target_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_goal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('cost', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['plan_goal_id'], ['plan_goal.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'position')
    )
    with op.batch_alter_table('plan_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_measure_plan_id'), ['plan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_measure_plan_id'))

    op.drop_table('plan_measure')
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_target_plan_id'))

    op.drop_table('plan_target')
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goal_plan_id'))

    op.drop_table('plan_goal')
    with op.batch_alter_table('plan_budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_budget_plan_id'))

    op.drop_table('plan_budget')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_partial_budget_id'))
        batch_op.drop_index(batch_op.f('ix_plan_cycle_id'))
        batch_op.drop_index(batch_op.f('ix_plan_body_id'))

    op.drop_table('plan')
    with op.batch_alter_table('budget_ceiling', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_ceiling_partial_budget_id'))
        batch_op.drop_index(batch_op.f('ix_budget_ceiling_body_id'))

    op.drop_table('budget_ceiling')
