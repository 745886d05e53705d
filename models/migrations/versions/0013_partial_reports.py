"""partial budget reports

`body.partial_reports`: the thresholds of an explained budget deviation (body.toml's
`[partial_reports]`, `models.partial_report_rules.PartialReportRules`) as JSON, `{}` the
defaults; `partial_report` and `partial_report_entry`: the departments' Teilhaushaltsberichte
(one row per attempt) and their texts.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 14:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        'body',
        sa.Column('partial_reports', sa.JSON(), server_default='{}', nullable=False),
    )
    op.create_table('partial_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('report_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('submitted_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reviewed_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'attempt')
    )
    with op.batch_alter_table('partial_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partial_report_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partial_report_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partial_report_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partial_report_task_id'), ['task_id'], unique=False)

    op.create_table('partial_report_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partial_report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('group_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['partial_report_id'], ['partial_report.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partial_report_id', 'kind', 'group_number', 'subject')
    )
    with op.batch_alter_table('partial_report_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partial_report_entry_partial_report_id'), ['partial_report_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('partial_report_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partial_report_entry_partial_report_id'))
    op.drop_table('partial_report_entry')
    with op.batch_alter_table('partial_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partial_report_task_id'))
        batch_op.drop_index(batch_op.f('ix_partial_report_department_id'))
        batch_op.drop_index(batch_op.f('ix_partial_report_cycle_id'))
        batch_op.drop_index(batch_op.f('ix_partial_report_body_id'))
    op.drop_table('partial_report')
    op.drop_column('body', 'partial_reports')
