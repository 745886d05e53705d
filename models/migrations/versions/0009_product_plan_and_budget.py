"""product plan and budget lines

The product plan of products.toml: `product_area`, `partial_budget` (Teilhaushalt) with the
departments responsible for it (`partial_budget_department`), `product_group`; `product`
links to its group (`product_group_id`, nullable: bodies without a plan). The money per group:
`budget_import` (one row per import run) and `budget_line`. `body.product_plan_is_example`
marks a shipped example plan, as `organisation_is_example` does the organisation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 11:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        'body',
        sa.Column('product_plan_is_example', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table('product_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('body_id', 'number')
    )
    with op.batch_alter_table('product_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_area_body_id'), ['body_id'], unique=False)

    op.create_table('partial_budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('body_id', 'number')
    )
    with op.batch_alter_table('partial_budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partial_budget_body_id'), ['body_id'], unique=False)

    op.create_table('partial_budget_department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partial_budget_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.ForeignKeyConstraint(['partial_budget_id'], ['partial_budget.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partial_budget_id', 'department_id')
    )
    with op.batch_alter_table('partial_budget_department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partial_budget_department_partial_budget_id'), ['partial_budget_id'], unique=False)

    op.create_table('product_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('partial_budget_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['product_area.id'], ),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['partial_budget_id'], ['partial_budget.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('body_id', 'number')
    )
    with op.batch_alter_table('product_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_group_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_group_partial_budget_id'), ['partial_budget_id'], unique=False)

    op.create_table('budget_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('budget_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_import_body_id'), ['body_id'], unique=False)

    op.create_table('budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('product_group_id', sa.Integer(), nullable=False),
    sa.Column('product_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('side', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ),
    sa.ForeignKeyConstraint(['import_id'], ['budget_import.id'], ),
    sa.ForeignKeyConstraint(['product_group_id'], ['product_group.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('body_id', 'year', 'kind', 'product_group_id', 'product_number', 'account', 'side')
    )
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_line_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_line_product_group_id'), ['product_group_id'], unique=False)

    # A plain ALTER TABLE, as in 0006: a batch rebuild would drop `product`, which key_position
    # references. SQLite takes the foreign key inline (its ALTER cannot add constraints).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE product ADD COLUMN product_group_id INTEGER '
            'REFERENCES product_group (id)'
        )
    else:
        op.add_column('product', sa.Column('product_group_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            'product_product_group_id_fkey', 'product', 'product_group',
            ['product_group_id'], ['id'],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE product DROP COLUMN product_group_id')
    else:
        op.drop_constraint('product_product_group_id_fkey', 'product', type_='foreignkey')
        op.drop_column('product', 'product_group_id')
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_line_product_group_id'))
        batch_op.drop_index(batch_op.f('ix_budget_line_body_id'))

    op.drop_table('budget_line')
    with op.batch_alter_table('budget_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_import_body_id'))

    op.drop_table('budget_import')
    with op.batch_alter_table('product_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_group_partial_budget_id'))
        batch_op.drop_index(batch_op.f('ix_product_group_body_id'))

    op.drop_table('product_group')
    with op.batch_alter_table('partial_budget_department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partial_budget_department_partial_budget_id'))

    op.drop_table('partial_budget_department')
    with op.batch_alter_table('partial_budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partial_budget_body_id'))

    op.drop_table('partial_budget')
    with op.batch_alter_table('product_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_area_body_id'))

    op.drop_table('product_area')
    op.drop_column('body', 'product_plan_is_example')
