"""Playbooks: saved crisis routines by severity, and their runs on incidents

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:31:04.826797

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "playbook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("auto_run", sa.Boolean(), nullable=False),
        sa.Column("impacts", sa.JSON(), nullable=False),
        sa.Column("all_paths", sa.Boolean(), nullable=False),
        sa.Column("repage_minutes", sa.Integer(), nullable=False),
        sa.Column("max_rounds", sa.Integer(), nullable=False),
        sa.Column("bridge_phone", sa.String(length=40), nullable=False),
        sa.Column("bridge_pin", sa.String(length=20), nullable=False),
        sa.Column("meeting_url", sa.String(length=500), nullable=False),
        sa.Column("page_note", sa.Text(), nullable=False),
        sa.Column("cadence_minutes", sa.Integer(), nullable=True),
        sa.Column("briefing_subject", sa.String(length=200), nullable=False),
        sa.Column("briefing_body", sa.Text(), nullable=False),
        sa.Column("holding_statement", sa.Text(), nullable=False),
        sa.Column("approved_qa", sa.Text(), nullable=False),
        sa.Column("do_not_say", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook")),
        sa.UniqueConstraint("name", name=op.f("uq_playbook_name")),
    )
    op.create_table(
        "playbook_role",
        sa.Column("playbook_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbook.id"],
            name=op.f("fk_playbook_role_playbook_id_playbook"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["crisis_role.id"],
            name=op.f("fk_playbook_role_role_id_crisis_role"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("playbook_id", "role_id", name=op.f("pk_playbook_role")),
    )
    op.create_table(
        "playbook_component",
        sa.Column("playbook_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["component.id"],
            name=op.f("fk_playbook_component_component_id_component"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbook.id"],
            name=op.f("fk_playbook_component_playbook_id_playbook"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("playbook_id", "component_id", name=op.f("pk_playbook_component")),
    )
    op.create_table(
        "playbook_regulator",
        sa.Column("playbook_id", sa.Integer(), nullable=False),
        sa.Column("regulator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbook.id"],
            name=op.f("fk_playbook_regulator_playbook_id_playbook"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["regulator_id"],
            ["regulator.id"],
            name=op.f("fk_playbook_regulator_regulator_id_regulator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("playbook_id", "regulator_id", name=op.f("pk_playbook_regulator")),
    )
    op.create_table(
        "playbook_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.String(length=12), nullable=False),
        sa.Column("playbook_id", sa.Integer(), nullable=True),
        sa.Column("playbook_name", sa.String(length=200), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("callout_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["callout_id"],
            ["team_page.id"],
            name=op.f("fk_playbook_run_callout_id_team_page"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_playbook_run_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbook.id"],
            name=op.f("fk_playbook_run_playbook_id_playbook"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_by_id"],
            ["staff_user.id"],
            name=op.f("fk_playbook_run_run_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_run")),
        sa.UniqueConstraint("incident_id", "playbook_id", name=op.f("uq_playbook_run_incident_id")),
    )
    with op.batch_alter_table("playbook_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playbook_run_incident_id"), ["incident_id"], unique=False
        )


def downgrade():

    with op.batch_alter_table("playbook_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playbook_run_incident_id"))

    op.drop_table("playbook_run")
    op.drop_table("playbook_regulator")
    op.drop_table("playbook_component")
    op.drop_table("playbook_role")
    op.drop_table("playbook")
