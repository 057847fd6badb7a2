"""Job bodies: plain functions over services that flush; the queue wrapper commits."""

from __future__ import annotations

from datetime import timedelta

from statuspage.clock import utcnow
from statuspage.services.publishing import advance_maintenance
from statuspage.services.uptime import rollup_all


def sweep() -> None:
    """Every minute: maintenance edges and reminders, and today's uptime up to now.

    Rolling up from yesterday too closes the last minutes of a day that ended mid-sweep.
    """
    now = utcnow()
    advance_maintenance(now)
    rollup_all(now.date() - timedelta(days=1), now)
