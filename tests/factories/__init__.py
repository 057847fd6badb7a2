"""One builder per model for test data: import them from here rather than build rows inline.

Builders add and flush (contact_point alone returns one for a subscriber to take); the test
commits when it needs to. Rows that have a service (components, crisis team members) are built
through it, so tests exercise it too; the others are written as rows, with the values a service
would give them, for tests whose subject is something else.
"""

from tests.factories.components import group_with_components
from tests.factories.crisis import crisis_role, team_member
from tests.factories.notices import delivery, notice
from tests.factories.segments import organization, segment
from tests.factories.staff import staff_user
from tests.factories.subscribers import (
    contact_point,
    organization_person,
    subscriber,
    webhook_subscriber,
)

__all__ = [
    "contact_point",
    "crisis_role",
    "delivery",
    "group_with_components",
    "notice",
    "organization",
    "organization_person",
    "segment",
    "staff_user",
    "subscriber",
    "team_member",
    "webhook_subscriber",
]
