"""Who automation is in the audit trail, and what it says of the alert behind a change.

Every change automation makes (a status applied, a draft made or published, a resolving
update) is recorded with `AUTOMATION` as its actor and `alert_details` in its details, so
the trail answers "which alert did this" without a join to rows that may since be gone.
"""

from __future__ import annotations

from typing import Any

from statuspage.audit.trail import Actor
from statuspage.extensions import db
from statuspage.models import Alert, Integration

AUTOMATION = Actor("automation")


def alert_details(alert: Alert | None) -> dict[str, Any] | None:
    if alert is None:
        return None
    integration = db.session.get(Integration, alert.integration_id)
    return {
        "id": alert.id,
        "integration": integration.name if integration else None,
        "integration_id": alert.integration_id,
        "kind": integration.kind.value if integration else None,
        "fingerprint": alert.fingerprint,
        "state": alert.state.value,
        "labels": alert.labels,
        "summary": alert.summary,
        "rule_id": alert.rule_id,
    }
