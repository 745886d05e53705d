"""reminders are the sweep's outbox: lean reminder rows, grouped into digests when sent

The sweep writes only reminder rows (one table write per sweep); the dispatcher groups a
recipient's rows that are in no message yet into one digest and links them (`message_id`).
Lean on purpose: no foreign keys (the rows come from a join with task, and tasks are never
deleted; on PostgreSQL the key check cost more than the rest of the insert) and no index
besides the unique key and the dispatcher's `message_id`. Reminders decided before keep the
link to the message they went out in. The table is rebuilt (SQLite cannot drop its unnamed
foreign keys in place).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 04:26:24.325240
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _rename_postgresql_names(old: str) -> None:
    """PostgreSQL keeps constraint and sequence names when a table is renamed."""
    op.execute(f"ALTER TABLE reminder RENAME CONSTRAINT {old}_pkey TO reminder_pkey")
    op.execute(
        f"ALTER TABLE reminder RENAME CONSTRAINT {old}_task_id_kind_key TO reminder_task_id_kind_key"
    )
    op.execute(f"ALTER SEQUENCE {old}_id_seq RENAME TO reminder_id_seq")
    op.execute("SELECT setval('reminder_id_seq', coalesce((SELECT max(id) FROM reminder), 0) + 1, false)")


def upgrade() -> None:
    op.create_table('reminder_new',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('covering_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'kind')
    )
    # the message each reminder went out in; the absent contact, found by name
    op.execute(
        "INSERT INTO reminder_new (id, task_id, kind, sent_on, recipient, covering_id, "
        "message_id) SELECT r.id, r.task_id, r.kind, r.sent_on, r.recipient, "
        "(SELECT min(c.id) FROM contact c WHERE c.body_id = r.body_id "
        "AND c.name = r.covering_for), "
        "(SELECT o.id FROM outbox_message o WHERE o.key = r.message_key) FROM reminder r"
    )
    op.drop_table('reminder')
    op.rename_table('reminder_new', 'reminder')
    if op.get_bind().dialect.name == 'postgresql':
        _rename_postgresql_names('reminder_new')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    op.create_table('reminder_old',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('covering_for', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('message_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('sweep', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'kind')
    )
    # reminders not yet in a message get none: the dispatcher of 0004 would not send them
    op.execute(
        "INSERT INTO reminder_old (id, body_id, task_id, kind, sent_on, recipient, address, "
        "covering_for, message_key, sweep, created_at) SELECT r.id, t.body_id, r.task_id, "
        "r.kind, r.sent_on, r.recipient, o.address, c.name, o.key, '', o.created_at "
        "FROM reminder r JOIN task t ON t.id = r.task_id "
        "JOIN outbox_message o ON o.id = r.message_id "
        "LEFT JOIN contact c ON c.id = r.covering_id"
    )
    op.drop_table('reminder')
    op.rename_table('reminder_old', 'reminder')
    if op.get_bind().dialect.name == 'postgresql':
        _rename_postgresql_names('reminder_old')
        op.execute("ALTER TABLE reminder RENAME CONSTRAINT reminder_old_body_id_fkey TO reminder_body_id_fkey")
        op.execute("ALTER TABLE reminder RENAME CONSTRAINT reminder_old_task_id_fkey TO reminder_task_id_fkey")
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sweep'), ['sweep'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_message_key'), ['message_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_body_id'), ['body_id'], unique=False)
