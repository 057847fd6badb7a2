"""Charts: the newest metric data the published charts hold, so the minute's sweep bumps
the page version once per minute at most, and only for new data

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charts_data_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_column('charts_data_at')
