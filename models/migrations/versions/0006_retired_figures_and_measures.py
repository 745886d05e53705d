"""retired figures and measures

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 05:45:21.769762
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite >= 3.35 adds and drops columns itself): a batch rebuild would
    # drop key_figure, which key_figure_value references, and fail once figures exist.
    op.add_column(
        'key_figure', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        'measure', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column('measure', 'active')
    op.drop_column('key_figure', 'active')
