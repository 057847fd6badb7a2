"""contact point organization copy: a private notice's contact points by organization

`contact_point.organization_id` copies its subscriber's `organization_id`, indexed on
(organization_id, subscriber_id, priority, id), so a private notice reads its contact points
as one range scan per organization instead of one index lookup per recipient
(audience; bench/audience.py).

The database keeps the copy, not the app: triggers set it on every insert of a contact
point and on every update that moves one or writes the copy, and copy a subscriber's new
organization to its contact points, whoever writes (the ORM, the bulk UPDATE of
`audience.resolve_organizations`, a foreign key's SET NULL, COPY). The audience still checks
the subscriber's own organization, so a stale copy could only lose a recipient.

SQLite drops a table's triggers when it rebuilds the table: a later migration that batch-
alters `contact_point` or `subscriber` in "recreate" mode must create them again
(`create_triggers`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 04:40:53.790833

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION contact_point_organization() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.organization_id := (
            SELECT organization_id FROM subscriber WHERE id = NEW.subscriber_id
        );
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER contact_point_organization
    BEFORE INSERT OR UPDATE OF subscriber_id, organization_id ON contact_point
    FOR EACH ROW EXECUTE FUNCTION contact_point_organization()
    """,
    """
    CREATE FUNCTION subscriber_organization() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE contact_point SET organization_id = NEW.organization_id
        WHERE subscriber_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER subscriber_organization
    AFTER UPDATE OF organization_id ON subscriber
    FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id)
    EXECUTE FUNCTION subscriber_organization()
    """,
]
POSTGRESQL_DROP = [
    'DROP TRIGGER IF EXISTS subscriber_organization ON subscriber',
    'DROP FUNCTION IF EXISTS subscriber_organization()',
    'DROP TRIGGER IF EXISTS contact_point_organization ON contact_point',
    'DROP FUNCTION IF EXISTS contact_point_organization()',
]

# SQLite cannot assign NEW in a BEFORE trigger: its AFTER triggers correct the row instead
# (each guarded, so they stop once it is right even with recursive_triggers on).
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER contact_point_organization_insert AFTER INSERT ON contact_point
    WHEN NEW.organization_id IS NOT
        (SELECT organization_id FROM subscriber WHERE id = NEW.subscriber_id)
    BEGIN
        UPDATE contact_point SET organization_id =
            (SELECT organization_id FROM subscriber WHERE id = NEW.subscriber_id)
        WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER contact_point_organization_update
    AFTER UPDATE OF subscriber_id, organization_id ON contact_point
    WHEN NEW.organization_id IS NOT
        (SELECT organization_id FROM subscriber WHERE id = NEW.subscriber_id)
    BEGIN
        UPDATE contact_point SET organization_id =
            (SELECT organization_id FROM subscriber WHERE id = NEW.subscriber_id)
        WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER subscriber_organization AFTER UPDATE OF organization_id ON subscriber
    WHEN NEW.organization_id IS NOT OLD.organization_id
    BEGIN
        UPDATE contact_point SET organization_id = NEW.organization_id
        WHERE subscriber_id = NEW.id;
    END
    """,
]
SQLITE_DROP = [
    'DROP TRIGGER IF EXISTS subscriber_organization',
    'DROP TRIGGER IF EXISTS contact_point_organization_update',
    'DROP TRIGGER IF EXISTS contact_point_organization_insert',
]


def create_triggers():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def drop_triggers():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)


def upgrade():
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'organization_id', sa.Integer(), server_default=sa.FetchedValue(), nullable=True
            )
        )
    # The triggers first, then the copy of what is there: a subscriber whose organization
    # changes meanwhile is copied by its trigger.
    create_triggers()
    op.execute(
        'UPDATE contact_point SET organization_id = '
        '(SELECT organization_id FROM subscriber WHERE subscriber.id = contact_point.subscriber_id)'
    )
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.create_index(
            'ix_contact_point_organization',
            ['organization_id', 'subscriber_id', 'priority', 'id'],
            unique=False,
            postgresql_include=['channel', 'active', 'verified_at'],
        )


def downgrade():
    drop_triggers()
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_point_organization')
        batch_op.drop_column('organization_id')
