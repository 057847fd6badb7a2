"""server-side sessions: signing out ends the session, not only the cookie

`staff_session` and `viewer_session` hold one row per sign-in (its secret hashed); the admin's
session cookie and the viewer's `herald_viewer` cookie name one, and a cookie whose row is
ended signs nobody in. Cookies issued before this revision name no row: their holders sign in
again once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 00:00:00

"""
import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_session',
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('secret_hash'),
    )
    op.create_index('ix_staff_session_user_id', 'staff_session', ['user_id'])
    op.create_table(
        'viewer_session',
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('secret_hash'),
    )
    op.create_index('ix_viewer_session_email', 'viewer_session', ['email'])


def downgrade():
    op.drop_index('ix_viewer_session_email', table_name='viewer_session')
    op.drop_table('viewer_session')
    op.drop_index('ix_staff_session_user_id', table_name='staff_session')
    op.drop_table('staff_session')
