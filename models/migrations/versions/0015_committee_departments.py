"""committee departments

`committee.departments`: the keys of the departments whose partial budget reports each
committee hears (organisation.toml); `[]` for committees installed before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 15:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        'committee',
        sa.Column('departments', sa.JSON(), server_default='[]', nullable=False),
    )


def downgrade() -> None:
    op.drop_column('committee', 'departments')
