"""page_access_group and page_access_user: the Statuspage fields segments and members lack

A page access group's `external_identifier`, a page access user's `external_login` and when
it was made (its memberships are remade when it changes groups), and when each was last
changed (`updated_at`): the management API read them back as null or as the creation time.
Groups and users made before this revision have no row: they read as before until their next
change.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 03:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_access_group',
        sa.Column('segment_id', sa.Integer(), nullable=False),
        sa.Column('external_identifier', sa.String(length=200), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('segment_id'),
    )
    op.create_table(
        'page_access_user',
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('external_login', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('email'),
    )


def downgrade():
    op.drop_table('page_access_user')
    op.drop_table('page_access_group')
