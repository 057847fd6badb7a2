"""The first screen after sign-in: what is wrong right now, and what is coming."""

from __future__ import annotations

from flask import render_template

from admin.access import STAFF_VIEWER
from statuspage.audience.visibility import STAFF
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.incidents import queries
from statuspage.incidents.cadence import cadences_of
from statuspage.models import ComponentStatus
from statuspage.monitoring.drafts import open_drafts


def dashboard() -> str:
    open_incidents = queries.unresolved_incidents(STAFF_VIEWER)
    return render_template(
        "admin/dashboard.html",
        now=utcnow(),
        open_incidents=open_incidents,
        cadences=cadences_of(open_incidents),  # next update by, overdue (incidents.cadence)
        active_maintenance=queries.active_maintenances(STAFF_VIEWER),
        upcoming_maintenance=queries.upcoming_maintenances(STAFF_VIEWER),
        waiting_drafts=len(open_drafts()),  # incidents automation drafted (monitoring.drafts)
        not_operational=[
            c for c in list_components(STAFF) if c.status is not ComponentStatus.operational
        ],
    )
