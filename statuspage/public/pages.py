"""HTML pages of the public site, rendered from services and served from snapshots.

The status page, incident pages, history and maintenance are `viewer_aware`: a signed-in
private viewer gets them rendered for them alone, with their segments' private notices.
"""

from __future__ import annotations

from datetime import date

from flask import abort, render_template

from statuspage.clock import utcnow
from statuspage.components.status import overview
from statuspage.components.uptime import UPTIME_RULE
from statuspage.core.errors import NotFound
from statuspage.incidents import queries
from statuspage.public.caching import snapshotted
from statuspage.public.context import current_page, public_viewer
from statuspage.public.viewing import viewer_aware

HTML = "text/html; charset=utf-8"
HISTORY_MONTHS = 3


@viewer_aware
def index() -> tuple[str, str]:
    now = utcnow()
    view = overview(public_viewer(), now)
    return (
        render_template(
            "public/status.html", page=current_page(), view=view, uptime_rule=UPTIME_RULE
        ),
        HTML,
    )


@viewer_aware
def incident(incident_id: str) -> tuple[str, str]:
    try:
        found = queries.get_incident(public_viewer(), incident_id)
    except NotFound:
        abort(404)
    return render_template("public/incident.html", page=current_page(), incident=found), HTML


def recent_months(today: date, count: int = HISTORY_MONTHS) -> list[date]:
    """The first days of this month and the `count - 1` before it, newest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


@viewer_aware
def history() -> tuple[str, str]:
    """The last three months in full, then a link to every earlier month with incidents."""
    viewer = public_viewer()
    recent = recent_months(utcnow().date())
    months = [(m, queries.started_in_month(viewer, m.year, m.month)) for m in recent]
    older = [m for m in queries.months_with_incidents(viewer) if m < recent[-1]]
    return (
        render_template("public/history.html", page=current_page(), months=months, older=older),
        HTML,
    )


@viewer_aware
def history_month(year: int, month: int) -> tuple[str, str]:
    # Only real past months: every distinct URL is a snapshot held in memory.
    today = utcnow().date()
    if not (1 <= month <= 12 and 1970 <= year <= today.year) or date(year, month, 1) > today:
        abort(404)
    first = date(year, month, 1)
    found = queries.started_in_month(public_viewer(), year, month)
    return (
        render_template("public/month.html", page=current_page(), month=first, incidents=found),
        HTML,
    )


@snapshotted
def brand_css() -> tuple[str, str]:
    """The page's brand colour as a stylesheet: no inline style, so a strict CSP holds."""
    colour = current_page().brand_color or "#1e7b34"
    return f":root {{ --brand: {colour}; }}\n", "text/css; charset=utf-8"


@viewer_aware
def maintenance() -> tuple[str, str]:
    viewer = public_viewer()
    return (
        render_template(
            "public/maintenance.html",
            page=current_page(),
            active=queries.active_maintenances(viewer),
            upcoming=queries.upcoming_maintenances(viewer),
            recent=queries.recent_maintenances(viewer, utcnow()),
        ),
        HTML,
    )
