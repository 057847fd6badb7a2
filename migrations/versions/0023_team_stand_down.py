"""Crisis team: a call-out's stand-down (team_page.stood_down_at)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 13:45:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("team_page", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stood_down_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("team_page", schema=None) as batch_op:
        batch_op.drop_column("stood_down_at")
