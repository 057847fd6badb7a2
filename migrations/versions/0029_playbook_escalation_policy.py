"""Playbooks: an escalation policy to page by, instead of roles

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 15:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("playbook", schema=None) as batch_op:
        batch_op.add_column(sa.Column("policy_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_playbook_policy_id_escalation_policy"),
            "escalation_policy",
            ["policy_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("playbook", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_playbook_policy_id_escalation_policy"), type_="foreignkey"
        )
        batch_op.drop_column("policy_id")
