"""Update cadence: reminders ahead of the due time, escalation of an update still missing

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 14:45:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cadence_reminder_lead_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cadence_escalated_for", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cadence_reminder_lead_minutes", sa.Integer(), server_default="5", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "cadence_escalation_grace_minutes",
                sa.Integer(),
                server_default="0",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_column("cadence_escalation_grace_minutes")
        batch_op.drop_column("cadence_reminder_lead_minutes")

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("cadence_escalated_for")
        batch_op.drop_column("cadence_reminder_lead_minutes")
