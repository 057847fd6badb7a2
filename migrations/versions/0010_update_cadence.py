"""update cadence: per-incident cadence and reminder mark, page default and public display

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 01:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_cadence_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('cadence_reminded_for', sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('update_cadence_minutes', sa.Integer(), server_default='30', nullable=False)
        )
        batch_op.add_column(
            sa.Column('public_next_update', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_column('public_next_update')
        batch_op.drop_column('update_cadence_minutes')

    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('cadence_reminded_for')
        batch_op.drop_column('update_cadence_minutes')
