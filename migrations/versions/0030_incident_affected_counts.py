"""Incidents: affected customers and records, the counts a regulator notice states

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("affected_customers", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("affected_records", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("affected_records")
        batch_op.drop_column("affected_customers")
