"""Crisis team: escalation policies (ordered tiers with a window each), a call-out's policy,
tier and tier deadline, and the record of its tier escalations

Revision ID: 0024_tiers
Revises: 0023
Create Date: 2026-12-07 14:45:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0024_tiers"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "escalation_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_policy")),
        sa.UniqueConstraint("name", name=op.f("uq_escalation_policy_name")),
    )
    op.create_table(
        "escalation_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policy.id"],
            name=op.f("fk_escalation_tier_policy_id_escalation_policy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_tier")),
        sa.UniqueConstraint("policy_id", "position", name=op.f("uq_escalation_tier_policy_id")),
    )
    with op.batch_alter_table("escalation_tier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_tier_policy_id"), ["policy_id"], unique=False
        )
    op.create_table(
        "escalation_tier_role",
        sa.Column("tier_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["crisis_role.id"],
            name=op.f("fk_escalation_tier_role_role_id_crisis_role"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["escalation_tier.id"],
            name=op.f("fk_escalation_tier_role_tier_id_escalation_tier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tier_id", "role_id", name=op.f("pk_escalation_tier_role")),
    )
    op.create_table(
        "escalation_tier_member",
        sa.Column("tier_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_member.id"],
            name=op.f("fk_escalation_tier_member_member_id_team_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["escalation_tier.id"],
            name=op.f("fk_escalation_tier_member_tier_id_escalation_tier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tier_id", "member_id", name=op.f("pk_escalation_tier_member")),
    )
    with op.batch_alter_table("team_page", schema=None) as batch_op:
        batch_op.add_column(sa.Column("policy_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tier", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("tier_deadline_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_team_page_tier_deadline_at"), ["tier_deadline_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_team_page_policy_id_escalation_policy"),
            "escalation_policy",
            ["policy_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("team_page_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tier", sa.Integer(), nullable=True))
    op.create_table(
        "team_page_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("exhausted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("crisis_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crisis_message_id"],
            ["crisis_message.id"],
            name=op.f("fk_team_page_escalation_crisis_message_id_crisis_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["team_page.id"],
            name=op.f("fk_team_page_escalation_page_id_team_page"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_page_escalation")),
        sa.UniqueConstraint(
            "page_id",
            "tier",
            "exhausted",
            name=op.f("uq_team_page_escalation_page_id"),
        ),
    )
    with op.batch_alter_table("team_page_escalation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_page_escalation_page_id"), ["page_id"], unique=False
        )


def downgrade():
    op.drop_table("team_page_escalation")
    with op.batch_alter_table("team_page_member", schema=None) as batch_op:
        batch_op.drop_column("tier")
    with op.batch_alter_table("team_page", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_team_page_policy_id_escalation_policy"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_team_page_tier_deadline_at"))
        batch_op.drop_column("tier_deadline_at")
        batch_op.drop_column("tier")
        batch_op.drop_column("policy_id")
    op.drop_table("escalation_tier_member")
    op.drop_table("escalation_tier_role")
    with op.batch_alter_table("escalation_tier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_tier_policy_id"))
    op.drop_table("escalation_tier")
    op.drop_table("escalation_policy")
