"""submission file

`submission_file`: the uploaded workbook of each figures submission, for the review screen's
download; submissions made before have none.

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


def downgrade() -> None:
    op.drop_table('submission_file')
