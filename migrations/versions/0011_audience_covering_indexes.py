"""audience indexes: a notice's recipients read from covering indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 02:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SUBSCRIBER_INCLUDE = [
    'kind',
    'paused',
    'unsubscribed_at',
    'notify_incidents',
    'notify_maintenance',
    'all_components',
]
CONTACT_POINT_INCLUDE = ['channel', 'active', 'verified_at']


def upgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriber_organization_id'))
        batch_op.create_index(
            'ix_subscriber_organization',
            ['organization_id', 'id'],
            unique=False,
            postgresql_include=SUBSCRIBER_INCLUDE,
        )
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_point_subscriber')
        batch_op.create_index(
            'ix_contact_point_subscriber',
            ['subscriber_id', 'priority', 'id'],
            unique=False,
            postgresql_include=CONTACT_POINT_INCLUDE,
        )


def downgrade():
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_point_subscriber')
        batch_op.create_index(
            'ix_contact_point_subscriber', ['subscriber_id', 'priority'], unique=False
        )
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriber_organization')
        batch_op.create_index(
            batch_op.f('ix_subscriber_organization_id'), ['organization_id'], unique=False
        )
