"""The minute's sweep: every periodic duty of the domain, in one place and one order.

It lives with the jobs, not in a domain package, because it only calls each domain's own
periodic step; no domain has to import the others' to run it. Each step is safe to run twice
and reads the clock it is given, so a sweep that runs late catches up instead of skipping.
"""

from __future__ import annotations

from datetime import timedelta

from statuspage.clock import utcnow
from statuspage.components.uptime import rollup_all
from statuspage.crisis import assembly
from statuspage.delivery import engine
from statuspage.incidents.cadence import remind_due
from statuspage.incidents.cadence_escalation import escalate_due
from statuspage.incidents.maintenance import advance_maintenance
from statuspage.monitoring.automation import reconsider_all
from statuspage.regulators import periodic
from statuspage.system_metrics import store
from statuspage.system_metrics.refresh import publish_new_data


def sweep() -> None:
    """Every minute: maintenance edges and reminders, automation's held statuses, uptime up
    to now, the engine's safety net (fan-outs that stalled, deliveries the queue lost,
    acknowledgements missed), and the metric charts (system_metrics.refresh).

    Rolling up from yesterday too closes the last minutes of a day that ended mid-sweep.
    """
    now = utcnow()
    advance_maintenance(now)
    reconsider_all(now)  # alerts' pending statuses whose hold ended (monitoring.automation)
    remind_due(now)  # comms reminded once per due update, ahead of it (incidents.cadence)
    escalate_due(now)  # an update still missing: comms paged on SMS and chat, once
    rollup_all(now.date() - timedelta(days=1), now)
    engine.sweep_deliveries(now)
    assembly.escalate(now)  # call out again the crisis team members who have not acknowledged
    periodic.sweep(now)  # acknowledgements into obligations; deadline reminders
    publish_new_data(now)  # one version bump when displayed metrics have new data
    store.prune(now)  # metric points past their resolution's retention
