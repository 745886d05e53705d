"""data revision

`data_revision`: a counter per body, raised by triggers whenever a row of the tables the
evaluation reads (models.revision.WATCHED_TABLES) is inserted, updated or deleted, so that the
web can keep a computed evaluation until its data changes, whoever wrote it (web, CLI, flows,
bare SQL). PostgreSQL: statement-level triggers with transition tables (a bulk write raises
each body's counter once); SQLite: a trigger per row.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 21:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0022'
down_revision: Union[str, None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# as models.revision.watched_tables() at this revision (a migration does not import the
# models): every table with a body_id but the audit trail, the outbox and the user accounts
WATCHED = (
    'absence', 'budget_ceiling', 'budget_import', 'budget_line', 'budget_resolution',
    'committee', 'contact', 'council_meeting', 'council_sync', 'cycle', 'deadline',
    'department', 'faction', 'field_of_action', 'guiding_thought', 'key_figure',
    'key_figure_value', 'key_position', 'measure', 'operational_goal', 'partial_budget',
    'partial_report', 'phase', 'plan', 'principle', 'priority', 'product', 'product_area',
    'product_group', 'resolution', 'strategy_session', 'strategy_version', 'submission',
    'survey_answer', 'survey_link', 'task', 'task_delivery',
)
# without a body_id of its own: the body is its partial budget's
VIA_PARTIAL_BUDGET = 'partial_budget_department'
EVENTS = {
    'INSERT': 'NEW TABLE AS new_rows',
    'UPDATE': 'NEW TABLE AS new_rows OLD TABLE AS old_rows',
    'DELETE': 'OLD TABLE AS old_rows',
}

UPSERT = 'ON CONFLICT (body_id) DO UPDATE SET revision = data_revision.revision + 1'
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION kreislauf_raise_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO data_revision (body_id, revision)
        SELECT DISTINCT body_id, 1 FROM new_rows WHERE body_id IS NOT NULL ORDER BY body_id
        {UPSERT};
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO data_revision (body_id, revision)
        SELECT body_id, 1 FROM (SELECT body_id FROM new_rows UNION SELECT body_id FROM old_rows)
            AS changed WHERE body_id IS NOT NULL ORDER BY body_id {UPSERT};
    ELSE
        INSERT INTO data_revision (body_id, revision)
        SELECT DISTINCT body_id, 1 FROM old_rows WHERE body_id IS NOT NULL ORDER BY body_id {UPSERT};
    END IF;
    RETURN NULL;
END $$
"""
POSTGRES_VIA_FUNCTION = f"""
CREATE OR REPLACE FUNCTION kreislauf_raise_revision_via_partial_budget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO data_revision (body_id, revision)
        SELECT DISTINCT partial_budget.body_id, 1 FROM new_rows
        JOIN partial_budget ON partial_budget.id = new_rows.partial_budget_id
        ORDER BY partial_budget.body_id {UPSERT};
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO data_revision (body_id, revision)
        SELECT DISTINCT partial_budget.body_id, 1 FROM old_rows
        JOIN partial_budget ON partial_budget.id = old_rows.partial_budget_id
        ORDER BY partial_budget.body_id {UPSERT};
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        'data_revision',
        sa.Column('body_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('body_id'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_VIA_FUNCTION)
        functions = {table: 'kreislauf_raise_revision' for table in WATCHED}
        functions[VIA_PARTIAL_BUDGET] = 'kreislauf_raise_revision_via_partial_budget'
        for table, function in functions.items():
            for event, referencing in EVENTS.items():
                op.execute(
                    f'CREATE TRIGGER revision_{event.lower()} AFTER {event} ON "{table}" '
                    f'REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()'
                )
        return
    for table in (*WATCHED, VIA_PARTIAL_BUDGET):
        for event in EVENTS:
            row = 'OLD' if event == 'DELETE' else 'NEW'
            body = (
                f'SELECT body_id, 1 FROM partial_budget WHERE id = {row}.partial_budget_id'
                if table == VIA_PARTIAL_BUDGET
                else f'SELECT {row}.body_id, 1 WHERE {row}.body_id IS NOT NULL'
            )
            op.execute(
                f'CREATE TRIGGER revision_{table}_{event.lower()} AFTER {event} ON "{table}" '
                f'BEGIN INSERT INTO data_revision (body_id, revision) {body} {UPSERT}; END'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in (*WATCHED, VIA_PARTIAL_BUDGET):
            for event in EVENTS:
                op.execute(f'DROP TRIGGER IF EXISTS revision_{event.lower()} ON "{table}"')
        op.execute('DROP FUNCTION IF EXISTS kreislauf_raise_revision()')
        op.execute('DROP FUNCTION IF EXISTS kreislauf_raise_revision_via_partial_budget()')
    else:
        for table in (*WATCHED, VIA_PARTIAL_BUDGET):
            for event in EVENTS:
                op.execute(f'DROP TRIGGER IF EXISTS revision_{table}_{event.lower()}')
    op.drop_table('data_revision')
