"""Languages and time zones: the page's default language, subscribers' and staff's language
and zone, and updates' translations

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('page') as batch:
        batch.add_column(
            sa.Column('default_language', sa.String(length=8), nullable=False, server_default='en')
        )
        batch.add_column(sa.Column('languages', sa.JSON(), nullable=True))
    with op.batch_alter_table('subscriber') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('staff_user') as batch:
        batch.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    op.create_table(
        'update_translation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('update_id', sa.String(length=12), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['update_id'], ['incident_update.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('update_id', 'language'),
    )
    op.create_index('ix_update_translation_update_id', 'update_translation', ['update_id'])


def downgrade():
    op.drop_index('ix_update_translation_update_id', table_name='update_translation')
    op.drop_table('update_translation')
    with op.batch_alter_table('staff_user') as batch:
        batch.drop_column('language')
        batch.drop_column('time_zone')
    with op.batch_alter_table('subscriber') as batch:
        batch.drop_column('time_zone')
        batch.drop_column('language')
    with op.batch_alter_table('page') as batch:
        batch.drop_column('languages')
        batch.drop_column('default_language')
