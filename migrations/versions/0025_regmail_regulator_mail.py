"""Regulator mail: sender name, Reply-To and CC per regulator and page-wide; the kept copy
of each regulator mail with its SHA-256; the text filed on a regulator's portal

Revision ID: 0025
Revises: 0024_tiers
Create Date: 2026-12-07 14:45:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024_tiers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("regulator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_sender_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("mail_reply_to", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("mail_cc", sa.String(length=1000), nullable=True))
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("regulator_sender_name", sa.String(length=100), nullable=True)
        )
        batch_op.add_column(sa.Column("regulator_reply_to", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("regulator_cc", sa.String(length=1000), nullable=True))
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filed_text", sa.Text(), nullable=True))
    op.create_table(
        "regulator_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regulator_notice_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("regulator_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("mime", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["regulator_id"], ["regulator.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["regulator_notice_id"], ["regulator_notice.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id"),
    )
    with op.batch_alter_table("regulator_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_regulator_mail_regulator_notice_id"),
            ["regulator_notice_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("regulator_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regulator_mail_regulator_notice_id"))
    op.drop_table("regulator_mail")
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        batch_op.drop_column("filed_text")
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_column("regulator_cc")
        batch_op.drop_column("regulator_reply_to")
        batch_op.drop_column("regulator_sender_name")
    with op.batch_alter_table("regulator", schema=None) as batch_op:
        batch_op.drop_column("mail_cc")
        batch_op.drop_column("mail_reply_to")
        batch_op.drop_column("mail_sender_name")
