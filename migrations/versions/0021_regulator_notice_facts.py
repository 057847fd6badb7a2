"""Regulator notices: the incident's facts a notice was composed from (regulator_notice.facts)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regulator_notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('regulator_notice', schema=None) as batch_op:
        batch_op.drop_column('facts')
