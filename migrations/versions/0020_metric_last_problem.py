"""Metrics: why a metric's last pull from Prometheus gave no point (metric.last_problem)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_problem', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_column('last_problem')
