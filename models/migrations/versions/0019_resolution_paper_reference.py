"""resolution paper reference

`resolution.paper_reference`: the council information system's reference of the council
paper (OParl Paper.reference, e.g. "2027/0123") the strategy resolution was taken on;
resolutions recorded before have none.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 18:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('resolution') as batch:
        batch.add_column(sa.Column('paper_reference', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('resolution') as batch:
        batch.drop_column('paper_reference')
