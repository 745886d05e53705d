"""outbox claim token (fenced delivery)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 09:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0006: a nullable column needs no batch rebuild on SQLite.
    op.add_column(
        'outbox_message',
        sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('outbox_message', 'claim_token')
