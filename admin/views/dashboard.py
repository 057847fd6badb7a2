"""The first screen after sign-in: what is wrong right now, and what is coming."""

from __future__ import annotations

from flask import render_template

from admin.access import STAFF_VIEWER
from statuspage.clock import utcnow
from statuspage.models import ComponentStatus
from statuspage.services import incidents as incident_reads
from statuspage.services.audience import STAFF
from statuspage.services.cadence import cadences_of
from statuspage.services.components import list_components


def dashboard() -> str:
    open_incidents = incident_reads.unresolved_incidents(STAFF_VIEWER)
    return render_template(
        "admin/dashboard.html",
        now=utcnow(),
        open_incidents=open_incidents,
        cadences=cadences_of(open_incidents),  # next update by, overdue (services.cadence)
        active_maintenance=incident_reads.active_maintenances(STAFF_VIEWER),
        upcoming_maintenance=incident_reads.upcoming_maintenances(STAFF_VIEWER),
        not_operational=[
            c for c in list_components(STAFF) if c.status is not ComponentStatus.operational
        ],
    )
