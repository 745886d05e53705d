"""delivery files

`submission_file`, `partial_report_file`, `plan_file`: the uploaded workbook of each figures
submission, partial budget report and plan attempt, for the review screens' download;
deliveries made before have none.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 17:10:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'submission_file',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ),
        sa.PrimaryKeyConstraint('submission_id'),
    )


    op.create_table(
        'partial_report_file',
        sa.Column('partial_report_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['partial_report_id'], ['partial_report.id'], ),
        sa.PrimaryKeyConstraint('partial_report_id'),
    )
    op.create_table(
        'plan_file',
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
        sa.PrimaryKeyConstraint('plan_id'),
    )


def downgrade() -> None:
    op.drop_table('plan_file')
    op.drop_table('partial_report_file')
    op.drop_table('submission_file')
