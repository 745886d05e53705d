"""strategy history

Earlier strategy versions on record without their content (strategy.toml, [[history]]):
`strategy_version.history_only`, `adopted_year_only` (only the year is known) and `summary`.
Versions without any field of action can only be such records (a version from the file or a
resolution has at least one field), so they are marked as history on the way up: a database
taken down and up again keeps its earlier versions as what they are.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 20:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite >= 3.35 adds and drops columns itself): a batch rebuild would
    # drop strategy_version, which principles, fields and cycles reference.
    op.add_column(
        'strategy_version',
        sa.Column('history_only', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        'strategy_version',
        sa.Column('adopted_year_only', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column('strategy_version', sa.Column('summary', sa.String(length=1000), nullable=True))
    op.execute(
        "UPDATE strategy_version SET history_only = true WHERE NOT EXISTS "
        "(SELECT 1 FROM field_of_action WHERE field_of_action.version_id = strategy_version.id)"
    )


def downgrade() -> None:
    op.drop_column('strategy_version', 'summary')
    op.drop_column('strategy_version', 'adopted_year_only')
    op.drop_column('strategy_version', 'history_only')
