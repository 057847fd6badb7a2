"""notice fan-out progress: the sweep takes over only a fan-out that stopped moving

`notice.fanout_progress_at` is when the fan-out last committed a page. The sweep re-queued
every unfinished fan-out older than FANOUT_STALE_SECONDS, so a long one (a large audience)
was walked by two workers at once; now it waits until the fan-out stops making progress.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 05:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on SQLite too: no table rebuild (which would drop other triggers).
    op.add_column('notice', sa.Column('fanout_progress_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('fanout_progress_at')
