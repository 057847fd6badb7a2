"""Deliveries: a "stuck" state for a channel that is not configured (SMS without Twilio)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 14:40:00

"""

from alembic import op

OLD_STATES = ("pending", "sending", "retry", "sent", "failed", "superseded")
NEW_STATES = (*OLD_STATES, "stuck")

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def _state_check(states):
    """Replace the CHECK on `delivery.state` (VARCHAR + CHECK, see models.enums.db_enum)."""
    values = ", ".join(f"'{s}'" for s in states)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_delivery_deliverystate"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_delivery_deliverystate"), f"state IN ({values})"
        )


def upgrade():
    _state_check(NEW_STATES)


def downgrade():
    op.execute("UPDATE delivery SET state = 'retry' WHERE state = 'stuck'")
    _state_check(OLD_STATES)
