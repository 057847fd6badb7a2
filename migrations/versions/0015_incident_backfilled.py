"""incident.backfilled: an incident written after the fact, as Statuspage's `backfilled`

Webhook bodies and the management API carry Statuspage's whole incident object; `backfilled`
was not kept, so it could not be told. Incidents made before this revision read false.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 00:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on SQLite too: no table rebuild (which would drop other triggers).
    op.add_column(
        'incident',
        sa.Column('backfilled', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('backfilled')
