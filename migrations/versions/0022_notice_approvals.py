"""Regulator notices: four-eyes over edits (editor_ids) and the text last approved
(reviewed_subject, reviewed_body) so the approver sees the diff

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 13:40:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("regulator_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("editor_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_subject", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("reviewed_body", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("regulator_notice", schema=None) as batch_op:
        batch_op.drop_column("reviewed_body")
        batch_op.drop_column("reviewed_subject")
        batch_op.drop_column("editor_ids")
