"""deliveries and budget resolution

`deadline.delivers`: what fulfils each deadline (models.calendar_rules.Delivery), backfilled
from the body's stored calendar (its `delivers` entries, else the default of the phase);
`budget_resolution` and `budget_amendment`: the council's budget resolution as a record.
Task status `missed` needs no schema change (a string column).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 14:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _backfill() -> None:
    from models.calendar_rules.spec import PhaseKind, default_delivery

    connection = op.get_bind()
    explicit: dict[tuple[int, str], str] = {}
    for body_id, calendar in connection.execute(sa.text("SELECT id, calendar FROM body")):
        if isinstance(calendar, str):
            import json

            calendar = json.loads(calendar)
        for phase in (calendar or {}).get("phases", []):
            for deadline in phase.get("deadlines", []):
                if deadline.get("delivers"):
                    explicit[(body_id, deadline["key"])] = deadline["delivers"]
    rows = connection.execute(
        sa.text(
            "SELECT d.id, d.body_id, d.key, d.responsible, p.kind FROM deadline d "
            "JOIN phase p ON p.id = d.phase_id"
        )
    ).all()
    for deadline_id, body_id, key, responsible, kind in rows:
        delivers = explicit.get((body_id, key)) or default_delivery(PhaseKind(kind), responsible)
        connection.execute(
            sa.text("UPDATE deadline SET delivers = :delivers WHERE id = :id"),
            {"delivers": str(delivers), "id": deadline_id},
        )


def upgrade() -> None:
    op.add_column(
        'deadline',
        sa.Column(
            'delivers',
            sa.String(length=30),
            server_default='confirmation',
            nullable=False,
        ),
    )
    _backfill()
    op.create_table('budget_resolution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('plan_year', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cycle_id')
    )
    with op.batch_alter_table('budget_resolution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_resolution_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_resolution_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('budget_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resolution_id', sa.Integer(), nullable=False),
    sa.Column('product_group_id', sa.Integer(), nullable=False),
    sa.Column('income_change', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('expenses_change', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['product_group_id'], ['product_group.id'], ),
    sa.ForeignKeyConstraint(['resolution_id'], ['budget_resolution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('resolution_id', 'product_group_id')
    )
    with op.batch_alter_table('budget_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_amendment_resolution_id'), ['resolution_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('budget_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_amendment_resolution_id'))
    op.drop_table('budget_amendment')
    with op.batch_alter_table('budget_resolution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_resolution_cycle_id'))
        batch_op.drop_index(batch_op.f('ix_budget_resolution_body_id'))
    op.drop_table('budget_resolution')
    op.drop_column('deadline', 'delivers')
