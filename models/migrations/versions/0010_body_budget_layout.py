"""body budget layout

`body.budget_layout`: the columns and words of the body's budget export (body.toml's
`[budget_import]` table, `models.budget_layout.BudgetLayout`) as JSON; `{}` is the default
layout, so installed bodies import as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 12:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        'body',
        sa.Column('budget_layout', sa.JSON(), server_default='{}', nullable=False),
    )


def downgrade() -> None:
    # SQLite >= 3.35 drops a plain column in place; a batch rebuild of `body` would fail on
    # the foreign keys of every table that refers to it
    op.drop_column('body', 'budget_layout')
