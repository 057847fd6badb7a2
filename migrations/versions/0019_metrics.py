"""Metrics: why a metric's last pull from Prometheus gave no point (metric.last_problem)

Revision ID: 0019_metrics
Revises: 0018
Create Date: 2026-12-07 12:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_metrics'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_problem', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_column('last_problem')
